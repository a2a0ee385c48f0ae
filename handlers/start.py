"""First contact: a greeting in the user's language and, until they chose one, the picker."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import clean_user_text, parse_language_code
from handlers.context import BotContext, refresh_viewer
from handlers.courses import open_from_link
from handlers.html import user_text
from handlers.language import PendingEvent, picker_rows
from handlers.session import set_state
from handlers.ui import send
from handlers.verification import is_verification, show_verification
from handlers.wizards import GROUP_GENERAL


async def start(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    t = viewer.t
    name = clean_user_text(viewer.user.first_name or viewer.user.username or "").strip()
    greeting = t._("Hello, {name}!", name=user_text(name)) if name else t._("Hello!")
    about = t._(
        "I am the assistant of the city-to-city cooperation programme's webinars and "
        "training courses. I help you find sessions, sign up, get reminders in your own "
        "time zone and check in when a session starts."
    )
    link_code = context.args[0][:64] if context.args else None
    if link_code and is_verification(link_code):  # a certificate's QR code, opened by anyone
        await show_verification(context, link_code)
        return
    client_language = parse_language_code(viewer.user.telegram_language)
    if viewer.user.language is None and link_code and client_language:
        # Someone who followed an event's link came for that event: straight to its card,
        # in their Telegram's language (one message, not a picker first).
        await context.services.users.choose_language(viewer.user_id, client_language)
        t = (await refresh_viewer(context)).t
        greeting = t._("Hello, {name}!", name=user_text(name)) if name else t._("Hello!")
        language = t._(
            "I will write to you in {language}; /language changes it.",
            language=t.language_in_text(client_language),
        )
        await open_from_link(context, link_code, notice=t.sentences(greeting, language))
        return
    if viewer.user.language is None:
        prompt = t._("Choose your language:")
        if link_code:  # opened once the language is chosen
            set_state(context, PendingEvent(link_code))
            prompt = t._("Choose your language, and I will show you the session you came for:")
        await send(context, f"{greeting}\n{about}\n\n{prompt}", picker_rows(None))
        return
    if link_code:
        await open_from_link(context, link_code)
        return
    next_step = t._("Send /help to see everything I can do.")
    await send(context, f"{greeting}\n{about}\n\n{next_step}")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start), group=GROUP_GENERAL)
