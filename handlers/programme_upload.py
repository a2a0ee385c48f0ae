"""Organizers send spreadsheets (CSV, or .xlsx workbooks): the programme (imported all or
nothing), or, with an event's code as caption, the attendance report of its
video-conferencing tool."""

from __future__ import annotations

from telegram import Document, Update
from telegram.ext import Application, MessageHandler, filters

from bot.services.attendance import MAX_REPORT_BYTES
from bot.services.events import describe_import
from bot.services.programme_import import MAX_BYTES
from handlers.attendance import import_report
from handlers.context import BotContext
from handlers.html import plain
from handlers.organizers import event_by_code, require_organizer
from handlers.ui import send
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
    result = await context.services.events.import_programme(data, context.viewer.user_id)
    await send(context, plain(describe_import(t, result)))


def _is_table(document: Document) -> bool:
    name = (document.file_name or "").lower()
    return name.endswith(TABLE_EXTENSIONS) or document.mime_type == "text/csv"


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(TABLE_FILES, on_programme_file), group=GROUP_GENERAL)
