"""First contact: a greeting in the user's language and, until they chose one, the picker."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.context import BotContext
from handlers.language import picker_rows
from handlers.ui import send, user_text


async def start(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    t = viewer.t
    name = viewer.user.first_name or viewer.user.username or ""
    greeting = t._("Hello, {name}!", name=user_text(name)) if name.strip() else t._("Hello!")
    about = t._(
        "I am the assistant of the city-to-city cooperation programme's webinars and "
        "training courses. I help you find sessions, sign up, get reminders in your own "
        "time zone and check in when a session starts."
    )
    if viewer.user.language is None:
        prompt = t._("Choose your language:")
        await send(context, f"{greeting}\n{about}\n\n{prompt}", picker_rows(None))
        return
    next_step = t._("Send /help to see everything I can do.")
    await send(context, f"{greeting}\n{about}\n\n{next_step}")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
