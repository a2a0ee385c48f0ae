"""/help: what the bot is for and the commands this user may use."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.commands import command_lines, commands_for
from handlers.context import BotContext
from handlers.ui import send
from handlers.wizards import GROUP_GENERAL


async def show_help(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    t = viewer.t
    intro = t._(
        "I help you take part in the webinars and training courses of the city-to-city "
        "cooperation programme: find sessions on the topics that matter to your city, sign "
        "up, get reminders in your own time zone and check in when a session starts."
    )
    heading = t._("Commands:")
    lines = command_lines(t, commands_for(viewer.is_organizer, viewer.role.whole_programme))
    await send(context, f"{intro}\n\n{heading}\n{lines}")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("help", show_help), group=GROUP_GENERAL)
