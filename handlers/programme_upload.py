"""Organizers send spreadsheets (CSV, or .xlsx workbooks): the programme (imported all or
nothing), or, with an event's code as caption, the attendance report of its
video-conferencing tool.

A programme file that changes events already published is first shown (what it adds, each
changed field, the moved starts and how many people will be told, the edits made in chat it
would overwrite) with Confirm and Discard; its rows wait in the organizer's session
(`PendingImport`) under a token that the buttons carry, so only the latest preview can be
confirmed, and Confirm applies exactly what it showed. After a restart the rows are gone and
Confirm asks for the file again: nothing is ever applied by halves.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram import CallbackQuery, Document, Update
from telegram.ext import Application, MessageHandler, filters

from bot.services.attendance import MAX_REPORT_BYTES
from bot.services.events import describe_import
from bot.services.programme_import import MAX_BYTES, ParsedProgramme
from bot.services.programme_preview import (
    ImportPreview,
    describe_applied,
    describe_preview,
)
from handlers.attendance import import_report
from handlers.buttons import ConfirmImport, DiscardImport
from handlers.context import BotContext
from handlers.html import plain
from handlers.organizers import event_by_code, require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import answer, edit, send
from handlers.wizards import GROUP_GENERAL

TABLE_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx")  # Excel's "Unicode text" is a .txt
TABLE_FILES = (
    filters.Document.FileExtension("csv")
    | filters.Document.FileExtension("tsv")
    | filters.Document.FileExtension("txt")
    | filters.Document.FileExtension("xlsx")
    | filters.Document.MimeType("text/csv")
)


async def on_programme_file(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    t = context.viewer.t
    document = message.document
    caption = (message.caption or "").strip()
    # A report with the event's code as caption is attendance, which may be a larger file.
    limit = MAX_REPORT_BYTES if caption else MAX_BYTES
    if document.file_size is not None and document.file_size > limit:
        await send(context, t._("The file is larger than {limit} MB.", limit=limit // 2**20))
        return
    report_hint = t._(
        "To import an attendance report, send it again with the event’s code as "
        "its caption. A programme is imported from a CSV file or an Excel workbook (.xlsx)."
    )
    if not caption and not _is_table(document):
        await send(context, report_hint)
        return
    if not caption and not await require_organizer(update, context, programme=True):
        return  # an organizer of chosen events imports their reports, not the programme
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    if not caption and await context.services.attendance.looks_like_report(data):
        await send(context, report_hint)
        return
    if caption:
        event = await event_by_code(context, caption)
        if event is not None:
            await import_report(context, event, data)
        return
    result = await context.services.programme.read(data)
    if isinstance(result, ParsedProgramme):  # its problems: nothing can be applied
        await send(context, plain(describe_import(t, result)))
    elif result.needs_confirmation:
        await _offer(context, result)
    else:  # only events to add: nothing is overwritten, nobody is told
        await _apply(context, result)


@dataclass(frozen=True)
class PendingImport:
    """The programme file previewed last, waiting for Confirm: exactly what it applies."""

    token: str  # carried by the preview's buttons; an older preview's is another
    preview: ImportPreview


@dataclass(frozen=True)
class ImportedFile:
    """The token of the preview confirmed last: a second press of its Confirm (a double tap,
    an update handled again) says so and leaves the outcome on screen."""

    token: str


async def _offer(
    context: BotContext, preview: ImportPreview, query: CallbackQuery | None = None
) -> None:
    """Show what the file would do, with Confirm and Discard (in place of the message whose
    Confirm found the programme changed since)."""
    t = context.viewer.t
    token = secrets.token_hex(8)
    set_state(context, PendingImport(token, preview))
    heading = (
        t._("The programme changed since that preview. This is what the file would do now:")
        if query is not None
        else t._("This is what the file would do. Nothing changes until you confirm.")
    )
    text = f"{heading}\n\n{describe_preview(t, context.viewer.timezone, preview)}"
    rows = [[(t._("Confirm"), ConfirmImport(token)), (t._("Discard"), DiscardImport(token))]]
    if query is None:
        await send(context, plain(text), rows)
    else:
        await edit(query, context, plain(text), rows)


async def _apply(
    context: BotContext, preview: ImportPreview, query: CallbackQuery | None = None
) -> bool:
    """Apply the preview and say what was done; False (and the new preview, or the file's
    problems, shown) if the programme changed since it was made."""
    outcome = await context.services.programme.apply(preview, context.viewer.user_id)
    if isinstance(outcome, ImportPreview):
        await _offer(context, outcome, query)
        return False
    if isinstance(outcome, ParsedProgramme):  # a code of the file was taken since
        text = plain(describe_import(context.viewer.t, outcome))
    else:
        text = plain(describe_applied(context.viewer.t, outcome))
    if query is None:
        await send(context, text)
    else:
        await edit(query, context, text)
    return not isinstance(outcome, ParsedProgramme)


async def on_confirm(update: Update, context: BotContext, data: ConfirmImport) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return
    pending = get_state(context, PendingImport)
    done = get_state(context, ImportedFile)
    if done is not None and done.token == data.token:
        await answer(query, context.viewer.t._("This file was imported already."))
        return
    await answer(query)
    if pending is None or pending.token != data.token:  # older, forged, or the bot restarted
        await edit(query, context, _not_current(context))
        return
    clear_state(context, PendingImport)
    if await _apply(context, pending.preview, query):
        set_state(context, ImportedFile(data.token))


async def on_discard(update: Update, context: BotContext, data: DiscardImport) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return
    pending = get_state(context, PendingImport)
    if pending is not None and pending.token == data.token:
        clear_state(context, PendingImport)
    await answer(query)
    await edit(query, context, context.viewer.t._("Discarded: the programme was not changed."))


def _not_current(context: BotContext) -> str:
    return context.viewer.t._(
        "This preview is no longer current (a newer file was sent since, or the bot was "
        "restarted), and nothing was changed. Send the file again to see what it would do now."
    )


def _is_table(document: Document) -> bool:
    name = (document.file_name or "").lower()
    return name.endswith(TABLE_EXTENSIONS) or document.mime_type == "text/csv"


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(TABLE_FILES, on_programme_file), group=GROUP_GENERAL)
    app.add_handler(on_press(ConfirmImport, on_confirm), group=GROUP_GENERAL)
    app.add_handler(on_press(DiscardImport, on_discard), group=GROUP_GENERAL)
