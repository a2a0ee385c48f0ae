"""/events, the topic filter, event cards, calendar files and deep links to an event."""

from __future__ import annotations

from collections.abc import Callable

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler

from bot.models import Event, EventView, RegistrationStatus
from bot.services.calendar import calendar_file, first_reminder
from bot.services.event_fields import CODE_PATTERN
from handlers.buttons import CalendarFile, EventCard, EventList, TopicsMenu
from handlers.context import BotContext
from handlers.event_views import FIRST_PAGE, card_screen, list_screen, topics_screen
from handlers.form_cards import FormCard
from handlers.html import user_text
from handlers.presses import on_press
from handlers.ui import Button, OpenMiniApp, Rows, answer, edit, edit_message, show_screen
from handlers.wizards import GROUP_GENERAL


async def show_list(
    context: BotContext,
    topic: str | None = None,
    page: int = 0,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> None:
    viewer = context.viewer
    found = await context.services.events.upcoming(topic, page)
    text, rows = list_screen(viewer.t, viewer.timezone, found, topic)
    await show_screen(context, text, rows, query, notice)


async def open_card(
    context: BotContext,
    code: str,
    back: EventList = FIRST_PAGE,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> bool:
    """Show an event's card (a code from a button or a deep link); False when there is no
    such event."""
    if not CODE_PATTERN.match(code):
        return False
    card = await context.services.registrations.card(code, context.viewer.user_id)
    if card is None:
        return False
    await show_card(context, card, back, query, notice)
    return True


async def show_card(
    context: BotContext,
    card: EventView,
    back: EventList = FIRST_PAGE,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> None:
    """The card in place of the pressed message, or as a new message; a `notice` above it
    (a greeting, the language just chosen) saves a message of its own."""
    text, rows = _card(context, card, back)
    shown = await show_screen(context, text, rows, query, notice)
    remember_form_card(context, "event", card.event.code, shown, rows)


def remember_form_card(
    context: BotContext, kind: str, code: str, message_id: int | None, rows: Rows
) -> None:
    """A card whose Register opens the form: kept, to be shown as it stands once the form
    registered its viewer (`handlers.form_cards`)."""
    opens_form = any(isinstance(data, OpenMiniApp) for row in rows for _, data in row)
    if opens_form and message_id is not None:
        card = FormCard(kind, code, message_id, context.now())
        context.bot_data.form_cards.shown(context.viewer.user_id, card)


def _card(
    context: BotContext, card: EventView, back: EventList = FIRST_PAGE
) -> tuple[str, list[list[Button]]]:
    viewer = context.viewer
    return card_screen(
        viewer.t,
        viewer.timezone,
        card,
        bot_username=context.bot.username,
        back=back,
        for_organizer=viewer.is_organizer,
        form=form_for(context),
    )


def form_for(context: BotContext, kind: str = "event") -> Callable[[str], str] | None:
    """The Mini App form's address for an event (or a course: `kind`), for a viewer without
    a profile (None: no Mini App, or the viewer registers with one press)."""
    web_app = context.services.settings.web_app
    viewer = context.viewer
    if web_app is None or viewer.user.profile is not None:
        return None
    language = viewer.t.language
    return lambda code: web_app.page("form", **{kind: code, "lang": language})


async def show_card_again(context: BotContext, card: EventView, message_id: int) -> None:
    """After the profile questions: the message whose Register button started them (the card
    they replaced) is the card again, as it stands now (registered, or on the waitlist),
    rather than a question answered long ago. One edit; a message that is gone or may no
    longer be changed is left as it is, the confirmation below it says everything."""
    text, rows = _card(context, card)
    await edit_message(context, message_id, text, rows)


async def open_event_from_link(
    context: BotContext,
    code: str,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> bool:
    """A deep link's event, in place of the pressed message (the language picker) if there
    is one; False when there is no such event. A code typed or shared in another case
    ("DRR-FLOOD") opens the event stored as "drr-flood". (`handlers.courses.open_from_link`
    tries the courses next.)"""
    if await open_card(context, code, query=query, notice=notice):
        return True
    return await _open_in_any_case(context, code, query, notice)


async def show_not_found(
    context: BotContext,
    code: str,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> None:
    """A deep link that names nothing: a kind word, and the list."""
    t = context.viewer.t
    missing = t._(
        "I could not find the event “{code}”. Here are the upcoming ones.",
        code=user_text(code[:64]),
    )
    await show_list(context, notice=f"{notice}\n\n{missing}" if notice else missing, query=query)


async def _open_in_any_case(
    context: BotContext, code: str, query: CallbackQuery | None, notice: str | None
) -> bool:
    """The one event whose code differs from `code` only in case, shown; False if none."""
    if not CODE_PATTERN.match(code):
        return False
    listing = await context.services.events.find(code)
    if listing is None or listing.event.code == code:
        return False
    return await open_card(context, listing.event.code, query=query, notice=notice)


async def calendar_for(
    context: BotContext, event: Event, *, with_join_url: bool = True
) -> tuple[str, bytes]:
    """The event's .ics as it stands now, for the viewer: its alarm at the bot's first
    reminder of the event, the join link only `with_join_url` (someone with a seat)."""
    offsets = await context.services.reminders.offsets_of(event.event_id)
    return calendar_file(
        event,
        context.viewer.t.language,
        context.now(),
        context.bot.username,
        with_join_url=with_join_url,
        alarm=first_reminder(offsets),
    )


async def events_command(update: Update, context: BotContext) -> None:
    await show_list(context)


async def on_list_button(update: Update, context: BotContext, data: EventList) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    await show_list(context, data.topic, data.page, query)


async def on_topics_button(update: Update, context: BotContext, data: TopicsMenu) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    text, rows = topics_screen(context.viewer.t, await context.services.events.topics())
    await edit(query, context, text, rows)


async def on_card_button(update: Update, context: BotContext, data: EventCard) -> None:
    query = update.callback_query
    assert query is not None
    if not await open_card(context, data.code, data.back, query):
        await answer(query, context.viewer.t._("This event no longer exists."))
        return
    await answer(query)


async def on_calendar_button(update: Update, context: BotContext, data: CalendarFile) -> None:
    query = update.callback_query
    assert query is not None
    viewer = context.viewer
    card = await context.services.registrations.card(data.code, viewer.user_id)
    if card is None:
        await answer(query, viewer.t._("This event no longer exists."))
        return
    if card.event.is_cancelled:  # an old card's button: no invitation to a cancelled event
        await answer(query, viewer.t._("This event has been cancelled."))
        return
    await answer(query)
    event = card.event
    seated = card.status == RegistrationStatus.CONFIRMED  # the join link is for a seat
    name, ics = await calendar_for(context, event, with_join_url=seated)
    caption = viewer.t._(
        "Open this file to add “{title}” to your calendar.",
        title=user_text(event.title_in(viewer.t.language)),
    )
    await context.bot.send_document(
        chat_id=viewer.user_id,
        document=ics,
        filename=name,
        caption=viewer.t.directed(caption),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("events", events_command), group=GROUP_GENERAL)
    app.add_handler(on_press(EventList, on_list_button), group=GROUP_GENERAL)
    app.add_handler(on_press(TopicsMenu, on_topics_button), group=GROUP_GENERAL)
    app.add_handler(on_press(EventCard, on_card_button), group=GROUP_GENERAL)
    app.add_handler(on_press(CalendarFile, on_calendar_button), group=GROUP_GENERAL)
