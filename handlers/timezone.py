"""/timezone: find the user's time zone from a city, a country or a zone name they type."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Translator
from bot.models import User
from bot.services.timezones import TimezoneDirectory
from bot.services.users import InvalidChoice
from handlers.buttons import ChooseZone
from handlers.context import BotContext, refresh_viewer
from handlers.html import user_text
from handlers.presses import on_press
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_GENERAL, GROUP_TIMEZONE, build_wizard

AWAITING_PLACE = 1
MAX_BUTTONS = 8


def zone_rows(t: Translator, zones: list[str], now: datetime) -> list[list[Button]]:
    """One button a zone, labelled with its city in the user's language and its offset."""
    return [[(t.timezone_label(zone, now), ChooseZone(zone))] for zone in zones[:MAX_BUTTONS]]


def suggested_zones(user: User, directory: TimezoneDirectory) -> list[str]:
    """The zones of the country in the user's Telegram language tag ("es-MX"), if it has one,
    most-populous first."""
    tag = (user.telegram_language or "").replace("_", "-").split("-")
    if len(tag) == 2 and len(tag[1]) == 2 and tag[1].isalpha():
        return directory.clocks_of_country(tag[1])
    return []


def confirmation(t: Translator, zone: str, now: datetime) -> str:
    return t._(
        "Your time zone is now {zone}. The time there is {time}.",
        zone=t.timezone_label(zone, now),
        time=t.time(now, zone),
    )


async def ask_for_place(update: Update, context: BotContext) -> int:
    viewer = context.viewer
    t = viewer.t
    now = context.now()
    current = t._(
        "Your time zone is {zone}. The time there is {time}.",
        zone=t.timezone_label(viewer.timezone, now),
        time=t.time(now, viewer.timezone),
    )
    await ask_again(context, current)
    return AWAITING_PLACE


async def ask_again(context: BotContext, notice: str) -> None:
    """The question after `notice`, with the zones of the user's country as buttons (when
    their Telegram's language tag names one), every time it is put."""
    viewer = context.viewer
    t = viewer.t
    prompt = t._(
        "Type the name of your city or country (for example Nairobi, Colombia or "
        "Asia/Manila) and I will find your time zone. Send /cancel to keep the current one."
    )
    await send(context, f"{notice}\n\n{prompt}", suggestion_rows(context))


def suggestion_rows(context: BotContext) -> list[list[Button]]:
    """The buttons every question of /timezone carries: the zones of the user's country."""
    zones = suggested_zones(context.viewer.user, context.services.timezones)
    return zone_rows(context.viewer.t, zones, context.now())


async def on_place(update: Update, context: BotContext) -> int:
    """A typed city, country, zone, offset or abbreviation: set when it decides the zone,
    otherwise its zones as buttons, each with its city in the user's language and offset."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.viewer.t
    now = context.now()
    place = user_text(message.text[:64])
    found = context.services.timezones.zone_for_place(message.text)
    if found.zone is not None:
        await context.services.users.choose_timezone(context.viewer.user_id, found.zone)
        viewer = await refresh_viewer(context)
        await send(context, confirmation(viewer.t, found.zone, now))
        return ConversationHandler.END
    zones = list(found.candidates)
    if not zones:
        await send(
            context,
            t._(
                "I could not find a time zone for “{place}”. Try a large city near you or "
                "your country, or send /cancel.",
                place=place,
            ),
            suggestion_rows(context),
        )
        return AWAITING_PLACE
    if len(zones) == 1:  # a part of a name ("Chengd"), or an abbreviation typed as a word
        text = t._("I found one time zone for “{place}”. Is it yours?", place=place)
    else:
        text = t.ngettext(
            "I found {count} time zone for “{place}”. Which one is yours?",
            "I found {count} time zones for “{place}”. Which one is yours?",
            len(zones),
            place=place,
        )
    if len(zones) > MAX_BUTTONS or len(zones) == 1:
        text += "\n" + t._("Not in the list? Type the name of your city.")
    await send(context, text, zone_rows(t, zones, now))
    return AWAITING_PLACE


async def on_zone_button(update: Update, context: BotContext, data: ChooseZone) -> int:
    query = update.callback_query
    assert query is not None
    zone = data.zone
    try:
        await context.services.users.choose_timezone(context.viewer.user_id, zone)
    except InvalidChoice:
        await no_longer_active(query, context)
        return ConversationHandler.END
    viewer = await refresh_viewer(context)
    await answer(query)
    await edit(query, context, confirmation(viewer.t, zone, context.now()))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    viewer = context.viewer
    await send(
        context,
        viewer.t._(
            "Your time zone stays {zone}.",
            zone=viewer.t.timezone_label(viewer.timezone, context.now()),
        ),
    )
    return ConversationHandler.END


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "timezone",
        entry_points=[CommandHandler("timezone", ask_for_place)],
        states={
            AWAITING_PLACE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_place),
                on_press(ChooseZone, on_zone_button),
            ]
        },
        on_cancel=cancel,
        repeat=ask_again,
        aside=True,  # set in the middle of signing up or of /newevent, which then go on
    )
    app.add_handler(wizard, group=GROUP_TIMEZONE)
    # A zone button pressed after the conversation ended (or on an old message) still works.
    app.add_handler(on_press(ChooseZone, on_zone_button), group=GROUP_GENERAL)
