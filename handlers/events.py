"""/events, the topic filter, event cards, calendar files and deep links to an event."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.services.calendar import calendar_file
from bot.services.event_fields import CODE_PATTERN
from handlers.context import BotContext
from handlers.event_views import (
    CALENDAR,
    CARD,
    LIST,
    TOPICS_MENU,
    card_screen,
    list_screen,
    topic_from_key,
    topics_screen,
)
from handlers.ui import answer, edit, send, user_text
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
    if notice:
        text = f"{notice}\n\n{text}"
    if query is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)


async def open_card(
    context: BotContext,
    code: str,
    back: str = f"{LIST}:-:0",
    query: CallbackQuery | None = None,
) -> bool:
    """Show an event's card; False when there is no such event."""
    listing = await context.services.events.find(code) if CODE_PATTERN.match(code) else None
    if listing is None:
        return False
    viewer = context.viewer
    status, position = await context.services.registrations.status(listing.event, viewer.user_id)
    text, rows = card_screen(
        viewer.t,
        viewer.timezone,
        listing,
        now=context.now(),
        bot_username=context.bot.username,
        back=back,
        for_organizer=viewer.is_organizer,
        status=status,
        position=position,
    )
    if query is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)
    return True


async def open_from_link(context: BotContext, code: str) -> None:
    """A deep link's event, or a kind word and the list when it does not exist."""
    if not await open_card(context, code):
        t = context.viewer.t
        notice = t._(
            "I could not find the event “{code}”. Here are the upcoming ones.",
            code=user_text(code[:64]),
        )
        await show_list(context, notice=notice)


async def events_command(update: Update, context: BotContext) -> None:
    await show_list(context)


async def on_list_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    try:
        _, _, key, page = query.data.split(":")
        topic = topic_from_key(key)
        number = int(page)
    except ValueError:
        await answer(query, context.viewer.t._("This button is no longer active."))
        return
    await answer(query)
    await show_list(context, topic, number, query)


async def on_topics_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    text, rows = topics_screen(context.viewer.t, await context.services.events.topics())
    await edit(query, context, text, rows)


async def on_card_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    try:
        code, key, page = parts[2], parts[3], int(parts[4])
        topic_from_key(key)
    except (IndexError, ValueError):
        code, key, page = "", "-", 0
    if not code or not await open_card(context, code, f"{LIST}:{key}:{page}", query):
        await answer(query, context.viewer.t._("This event no longer exists."))
        return
    await answer(query)


async def on_calendar_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.removeprefix(f"{CALENDAR}:")
    services = context.services
    listing = await services.events.find(code) if CODE_PATTERN.match(code) else None
    if listing is None or listing.event.is_cancelled:
        await answer(query, context.viewer.t._("This event no longer exists."))
        return
    await answer(query)
    viewer = context.viewer
    event = listing.event
    seated = await services.events.has_seat(event, viewer.user_id)
    name, ics = calendar_file(
        event, viewer.t.language, context.now(), context.bot.username, with_join_url=seated
    )
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
    app.add_handler(CallbackQueryHandler(on_list_button, pattern=f"^{LIST}:"), group=GROUP_GENERAL)
    app.add_handler(
        CallbackQueryHandler(on_topics_button, pattern=f"^{TOPICS_MENU}$"), group=GROUP_GENERAL
    )
    app.add_handler(CallbackQueryHandler(on_card_button, pattern=f"^{CARD}:"), group=GROUP_GENERAL)
    app.add_handler(
        CallbackQueryHandler(on_calendar_button, pattern=f"^{CALENDAR}:"), group=GROUP_GENERAL
    )
