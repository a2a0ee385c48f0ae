"""Choosing the language: offered on first contact and with /language at any time."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import SUPPORTED_LANGUAGES, language_name
from bot.services.users import InvalidChoice
from handlers.buttons import ChooseLanguage
from handlers.context import BotContext, refresh_viewer
from handlers.courses import open_from_link
from handlers.menus import publish_organizer_menu
from handlers.presses import on_press
from handlers.session import pop_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_GENERAL


@dataclass(frozen=True)
class PendingEvent:
    """The event (or course) of a deep link (/start CODE), opened once the new user chose a
    language."""

    code: str


def picker_rows(current: str | None) -> list[list[Button]]:
    """Each language by its own name, two a row, the current one ticked."""
    buttons: list[Button] = [
        (("✓ " if code == current else "") + language_name(code), ChooseLanguage(code))
        for code in SUPPORTED_LANGUAGES
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def show_picker(update: Update, context: BotContext) -> None:
    t = context.viewer.t
    await send(context, t._("Choose your language:"), picker_rows(context.viewer.user.language))


async def on_language_chosen(update: Update, context: BotContext, data: ChooseLanguage) -> None:
    query = update.callback_query
    assert query is not None
    code = data.language
    first_choice = context.viewer.user.language is None
    try:
        await context.services.users.choose_language(context.viewer.user_id, code)
    except InvalidChoice:
        await no_longer_active(query, context)
        return
    viewer = await refresh_viewer(context)
    t = viewer.t
    await answer(query)
    if viewer.is_organizer:  # their menu, in the language they now read the bot in
        catalogs = context.bot_data.catalogs
        await publish_organizer_menu(context.bot, catalogs, viewer.user_id, code, viewer.role)
    done = t._("Done: I will write to you in {language}.", language=t.language_in_text(code))
    pending = pop_state(context, PendingEvent)
    if pending is not None:  # the deep link's event, in place of the picker
        await open_from_link(context, pending.code, query=query, notice=done)
        return
    if first_choice:
        zone = t.timezone_label(viewer.timezone, context.now())
        done += "\n\n" + t._(
            "Times are shown in {zone} for now. Send /timezone to use your own time zone.",
            zone=zone,
        )
        done += "\n\n" + t._("Send /help to see everything I can do.")
    await edit(query, context, done)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("language", show_picker), group=GROUP_GENERAL)
    app.add_handler(on_press(ChooseLanguage, on_language_chosen), group=GROUP_GENERAL)
