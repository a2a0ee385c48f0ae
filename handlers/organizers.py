"""What only organizers may do starts here: the guard, and /admin listing their commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.models import Event
from bot.services.event_fields import CODE_PATTERN
from handlers.commands import command_lines, organizer_commands
from handlers.context import BotContext
from handlers.html import user_text
from handlers.ui import answer, send
from handlers.wizards import GROUP_GENERAL


async def require_organizer(update: Update, context: BotContext) -> bool:
    """True for an organizer; anyone else gets a polite refusal and nothing happens."""
    if context.viewer.is_organizer:
        return True
    text = context.viewer.t._("Sorry, this is only for the programme’s organizers.")
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await send(context, text)
    return False


async def event_from_args(context: BotContext, usage: str) -> Event | None:
    """The event named by a command's first argument, or an explanation to the organizer."""
    t = context.viewer.t
    code = context.args[0] if context.args else ""
    if not code:
        await send(context, t._("Please add the event’s code: {usage}", usage=usage))
        return None
    return await event_by_code(context, code)


async def event_by_code(context: BotContext, code: str) -> Event | None:
    """The event with this code, or "there is no event..." said to the user."""
    listing = await context.services.events.find(code) if CODE_PATTERN.match(code) else None
    if listing is None:
        t = context.viewer.t
        await send(
            context, t._("There is no event with the code {code}.", code=user_text(code[:64]))
        )
        return None
    return listing.event


async def admin_menu(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    heading = t._("Organizer commands:")
    hint = t._(
        "To import a programme, send me its CSV file. To import an attendance report, "
        "send its CSV file with the event’s code as caption."
    )
    await send(context, f"{heading}\n{command_lines(t, organizer_commands())}\n\n{hint}")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("admin", admin_menu), group=GROUP_GENERAL)
