"""/editevent CODE changes one field of an event; /cancelevent CODE cancels it after a yes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, Translator
from bot.models import Event
from bot.offsets import parse_offsets
from bot.problems import InputProblem
from bot.services import event_fields as fields
from bot.services.events import Cancelling, EventCancelled
from handlers.buttons import (
    CancelEvent,
    EditEventField,
    EditEventHalfMinimum,
    EditEventLanguage,
    EditEventNoLimit,
    EditEventNoLink,
    EditEventTopic,
    EventField,
    KeepEvent,
    KeepThisEvent,
)
from handlers.context import BotContext
from handlers.event_wizard import language_rows, start_echo, start_prompt, topic_rows
from handlers.events import open_card
from handlers.html import plain, user_text
from handlers.organizers import event_from_args, require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_EDIT_EVENT, GROUP_GENERAL, build_wizard

CHOOSE, VALUE = range(2)
END = ConversationHandler.END

# field -> its button's label
FIELDS: dict[EventField, str] = {
    "title": N_("Title"),
    "topic": N_("Topic"),
    "starts_at": N_("Start"),
    "duration_minutes": N_("Duration"),
    "capacity": N_("Seats"),
    "language": N_("Language"),
    "join_url": N_("Join link"),
    "description": N_("Description"),
    "min_attendance_minutes": N_("Minimum attendance"),
}


@dataclass(frozen=True)
class EditingEvent:
    """The event being changed, and the field chosen (None until a button names one)."""

    code: str
    field: EventField | None = None


def _parser(field: EventField, zone: str, now: datetime) -> Callable[[str], object]:
    def title(raw: str) -> str:
        value = fields.parse_title(raw)
        if not value:
            raise InputProblem(N_("The title cannot be empty."))
        return value

    parsers: dict[EventField, Callable[[str], object]] = {
        "title": title,
        "starts_at": lambda raw: fields.parse_local_start(raw, zone, now),
        "duration_minutes": fields.parse_duration,
        "capacity": fields.parse_capacity,
        "language": fields.parse_language,
        "join_url": fields.parse_url,
        "description": fields.parse_description,
        "min_attendance_minutes": fields.parse_min_attendance,
    }
    return parsers[field]


async def begin_edit(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context):
        return END
    event = await event_from_args(context, "/editevent CODE")
    if event is None:
        return END
    t = context.viewer.t
    if event.is_cancelled:
        await send(context, cancelled_text(t))
        return END
    set_state(context, EditingEvent(event.code))
    buttons: list[Button] = [(t._(label), EditEventField(key)) for key, label in FIELDS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    title = user_text(event.title_in(t.language))
    await send(context, t._("What do you want to change in “{title}”?", title=title), rows)
    return CHOOSE


def cancelled_text(t: Translator) -> str:
    return t._("This event has been cancelled.")


async def _editing(context: BotContext) -> tuple[Event, EventField | None] | None:
    """The event being changed (None if it is gone) and the field chosen."""
    state = get_state(context, EditingEvent)
    if state is None:
        return None
    event = await context.services.events.find(state.code)
    return (event.event, state.field) if event else None


async def on_field(update: Update, context: BotContext, data: EditEventField) -> int:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return END
    field = data.field
    current = await _editing(context)
    t = context.viewer.t
    if current is None:
        await no_longer_active(query, context)
        return END
    await answer(query)
    if current[0].is_cancelled:  # by another organizer since /editevent
        clear_state(context, EditingEvent)
        await edit(query, context, cancelled_text(t))
        return END
    state = get_state(context, EditingEvent)
    assert state is not None  # `current` was read from it
    set_state(context, replace(state, field=field))
    await edit(query, context, t._(FIELDS[field]))
    prompts: dict[EventField, tuple[str, list[list[Button]]]] = {
        "title": (t._("Send the new title."), []),
        "topic": (t._("Which topic?"), topic_rows(t, EditEventTopic)),
        "starts_at": (start_prompt(t, context.viewer.timezone, context.now()), []),
        "duration_minutes": (t._("How long does it last, in minutes?"), []),
        "capacity": (
            t._("How many seats? Send a number, or choose:"),
            [[(t._("No limit"), EditEventNoLimit())]],
        ),
        "language": (
            t._("In which language is it given? Choose, or send a language code such as pt or sw."),
            language_rows(t, EditEventLanguage),
        ),
        "join_url": (
            t._("What is the link to join it (https://…)?"),
            [[(t._("I will add it later"), EditEventNoLink())]],
        ),
        "description": (t._("Describe it in a few sentences."), []),
        "min_attendance_minutes": (
            t._(
                "How many minutes must someone be in the session to count as present in an "
                "attendance report? Send a number, or choose:"
            ),
            [[(t._("Half of the duration"), EditEventHalfMinimum())]],
        ),
    }
    text, rows = prompts[field]
    await send(context, text, rows)
    return VALUE


async def _save(update: Update, context: BotContext, value: object) -> int:
    current = await _editing(context)
    if current is None or current[1] is None:
        return END
    event, field = current[0], current[1]
    t = context.viewer.t
    clear_state(context, EditingEvent)
    try:
        changed = await context.services.events.change(
            event, field, value, context.viewer.user_id, language=t.language
        )
    except EventCancelled:  # by another organizer while the value was being chosen
        await send(context, cancelled_text(t))
        return END
    saved = t._("Saved.")
    if field == "starts_at":
        saved += "\n" + start_echo(t, changed.starts_at, context.viewer.timezone)
    await send(context, saved)
    await open_card(context, changed.code)
    return END


async def on_value(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_organizer(update, context):
        return END
    current = await _editing(context)
    field = current[1] if current is not None else None
    if field is None or field == "topic":
        if current is not None:
            await send(context, context.viewer.t._("Please choose one of the buttons."))
        return VALUE if current is not None else END
    parse = _parser(field, context.viewer.timezone, context.now())
    try:
        value = parse(message.text)
    except InputProblem as problem:
        await send(context, plain(problem.problem.render(context.viewer.t)))
        return VALUE
    return await _save(update, context, value)


async def on_topic(update: Update, context: BotContext, data: EditEventTopic) -> int:
    return await _chosen(update, context, "topic", data.topic)


async def on_language(update: Update, context: BotContext, data: EditEventLanguage) -> int:
    return await _chosen(update, context, "language", data.language)


async def on_no_limit(update: Update, context: BotContext, data: EditEventNoLimit) -> int:
    return await _chosen(update, context, "capacity", None)


async def on_no_link(update: Update, context: BotContext, data: EditEventNoLink) -> int:
    return await _chosen(update, context, "join_url", "")


async def on_half_minimum(update: Update, context: BotContext, data: EditEventHalfMinimum) -> int:
    return await _chosen(update, context, "min_attendance_minutes", None)


async def _chosen(update: Update, context: BotContext, field: EventField, value: object) -> int:
    """A value chosen with a button: saved if it answers the question open now."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return END
    current = await _editing(context)
    if current is None or current[1] != field:
        await no_longer_active(query, context)
        return VALUE if current else END
    await answer(query)
    return await _save(update, context, value)


async def stop_editing(update: Update, context: BotContext) -> int:
    clear_state(context, EditingEvent)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


async def ask_cancel(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    event = await event_from_args(context, "/cancelevent CODE")
    if event is None:
        return
    t = context.viewer.t
    refusal = context.services.events.cancel_refusal(event)
    if refusal is not None:
        await send(context, refusal_text(t, refusal))
        return
    title = user_text(event.title_in(t.language))
    when = t.when_zoned(event.starts_at, context.viewer.timezone)
    told = await context.services.events.people_to_tell(event)
    question = (
        t.ngettext(
            "Cancel “{title}” on {when}? The {count} person signed up will be told.",
            "Cancel “{title}” on {when}? The {count} people signed up will be told.",
            told,
            title=title,
            when=when,
        )
        if told
        else t._(
            "Cancel “{title}” on {when}? Nobody has signed up, so nobody will be told.",
            title=title,
            when=when,
        )
    )
    await send(
        context,
        question,
        [
            [
                (t._("Yes, cancel it"), CancelEvent(event.code)),
                (t._("No, keep it"), KeepThisEvent(event.code)),
            ]
        ],
    )


def refusal_text(t: Translator, refusal: Cancelling) -> str:
    """Why an event is not cancelled: it was already, or its session is over."""
    if refusal is Cancelling.ALREADY:
        return cancelled_text(t)
    return t._("This session is over.")


async def on_keep_event(
    update: Update, context: BotContext, data: KeepEvent | KeepThisEvent
) -> None:
    """No, keep it: the event stays, unless someone cancelled it meanwhile (another organizer,
    or the Yes of another question), which is said instead (older questions' buttons do not
    name the event)."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    await answer(query)
    if isinstance(data, KeepThisEvent):
        listing = await context.services.events.find(data.code)
        if listing is not None and listing.event.is_cancelled:
            await edit(query, context, cancelled_text(t))
            return
    await edit(query, context, t._("The event was not cancelled."))


async def on_cancel_event(update: Update, context: BotContext, data: CancelEvent) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    listing = await context.services.events.find(data.code)
    if listing is None:
        await no_longer_active(query, context)
        return
    await answer(query)
    cancellation = await context.services.events.cancel(listing.event, context.viewer.user_id)
    if cancellation.outcome is not Cancelling.DONE:
        await edit(query, context, refusal_text(t, cancellation.outcome))
        return
    title = user_text(cancellation.event.title_in(t.language))
    await edit(query, context, t._("“{title}” is cancelled.", title=title))


def _offsets_text(t: Translator, minutes: list[int]) -> str:
    return ", ".join(t.duration(m) for m in minutes)  # as given: 2d is "2 days", not 48 hours


async def reminders(update: Update, context: BotContext) -> None:
    """/reminders CODE shows an event's reminder times; /reminders CODE 2d,1h,15m sets them."""
    if not await require_organizer(update, context):
        return
    event = await event_from_args(context, "/reminders CODE 1d,1h")
    if event is None:
        return
    t = context.viewer.t
    assert context.args is not None
    if len(context.args) > 1:
        try:
            minutes = parse_offsets(" ".join(context.args[1:]))
        except InputProblem as problem:
            await send(context, plain(problem.problem.render(t)))
            return
        await context.services.events.set_reminders(event, minutes, context.viewer.user_id)
    minutes = await context.services.events.reminder_offsets(event)
    default = [int(o.total_seconds() // 60) for o in context.services.settings.reminder_offsets]
    title = user_text(event.title_in(t.language))
    await send(
        context,
        t._(
            "Reminders for “{title}” go out {offsets} before the start.",
            title=title,
            offsets=_offsets_text(t, minutes or default),
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "edit-event",
        entry_points=[CommandHandler("editevent", begin_edit)],
        states={
            CHOOSE: [on_press(EditEventField, on_field)],
            VALUE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_value),
                on_press(EditEventTopic, on_topic),
                on_press(EditEventLanguage, on_language),
                on_press(EditEventNoLimit, on_no_limit),
                on_press(EditEventNoLink, on_no_link),
                on_press(EditEventHalfMinimum, on_half_minimum),
            ],
        },
        on_cancel=stop_editing,
        state=EditingEvent,
    )
    app.add_handler(wizard, group=GROUP_EDIT_EVENT)
    app.add_handler(CommandHandler("cancelevent", ask_cancel), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("reminders", reminders), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelEvent, on_cancel_event), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepEvent, on_keep_event), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepThisEvent, on_keep_event), group=GROUP_GENERAL)
