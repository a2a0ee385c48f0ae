"""The answers of last resort: whatever no other handler took gets a short, useful reply.

Registered last in the general group, where the first matching handler wins. Text that
arrives while a command paused a wizard is that wizard's answer (`resume_paused`): a person
who looked at /my between two questions and then typed their answer is not told the bot
only understands commands.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.context import BotContext
from handlers.html import user_text
from handlers.ui import answer, send
from handlers.wizards import GROUP_GENERAL, resume_paused

MAX_ECHOED_COMMAND = 32


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await send(context, context.viewer.t._("There is nothing to cancel."))


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    command = (message.text or "/").split()[0][:MAX_ECHOED_COMMAND]
    await send(
        context,
        context.viewer.t._(
            "I do not know the command {command}. Send /help to see what I can do.",
            command=user_text(command),
        ),
    )


def anything_else_text(context: BotContext) -> str:
    return context.viewer.t._("I understand commands and buttons. Send /help to see what I can do.")


async def anything_else(update: Update, context: BotContext) -> None:
    if await resume_paused(update, context):
        return
    await send(context, anything_else_text(context))


async def stale_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query, context.viewer.t._("This button is no longer active."))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("cancel", nothing_to_cancel), group=GROUP_GENERAL)
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command), group=GROUP_GENERAL)
    app.add_handler(MessageHandler(filters.ALL, anything_else), group=GROUP_GENERAL)
    app.add_handler(CallbackQueryHandler(stale_button), group=GROUP_GENERAL)
