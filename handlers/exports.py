"""/export [CODE]: organizers get the registration list as a CSV document."""

from __future__ import annotations

import io
import tempfile

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.context import BotContext
from handlers.organizers import event_by_code, require_organizer, scope_of
from handlers.wizards import GROUP_GENERAL


async def export(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    services = context.services
    code = context.args[0] if context.args else None
    if code is not None and await event_by_code(context, code) is None:
        return
    # A file on disk, not a string: a list of 100,000 rows must not sit in memory.
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        rows = await services.exports.write_registrations(
            text,
            code,
            timezone=context.viewer.timezone,
            now=context.now(),
            event_ids=scope_of(context.viewer.role),
        )
        text.flush()
        raw.seek(0)
        stamp = context.now().strftime("%Y-%m-%d")
        name = f"registrations-{code or 'all'}-{stamp}.csv"
        caption = t.ngettext("{count} registration", "{count} registrations", rows)
        await context.bot.send_document(
            chat_id=context.viewer.user_id,
            document=raw,
            filename=name,
            caption=t.directed(caption),
        )
        text.detach()
    await services.exports.record(context.viewer.user_id, code, rows, context.now())


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("export", export), group=GROUP_GENERAL)
