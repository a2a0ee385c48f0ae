"""/editevent CODE changes one field of an event; /reminders CODE sets when its reminders go
out. (/cancelevent and /restoreevent are in handlers.event_cancel, registered from here.)

A change that concerns people is said before it is saved, with Confirm and Keep: a move (how
many will be told, the old and new time), a capacity under the number confirmed (nobody loses
a seat, the waitlist waits), a capacity that gives people on the waitlist a seat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import CallbackQuery, Update
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
from bot.services.events import (
    ChangeImpact,
    EventCancelled,
    SessionOver,
    StartPassed,
)
from handlers import event_cancel
from handlers.buttons import (
    ConfirmEventChange,
    EditEventField,
    EditEventHalfMinimum,
    EditEventLanguage,
    EditEventNoLimit,
    EditEventNoLink,
    EditEventTopic,
    EventField,
    KeepEventAsItIs,
)
from handlers.context import BotContext
from handlers.event_cancel import cancelled_text
from handlers.event_wizard import language_rows, start_echo, start_prompt, topic_rows
from handlers.events import open_card
from handlers.html import plain, user_text
from handlers.organizers import event_from_args, require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_EDIT_EVENT, GROUP_GENERAL, AnyHandler, build_wizard

CHOOSE, VALUE, CONFIRM = range(3)
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
class Pending:
    """A value whose consequences were said: saved by Confirm under that question only (an
    older question's Confirm must not save a value typed since)."""

    value: object
    message_id: int


@dataclass(frozen=True)
class EditingEvent:
    """The event being changed, the field chosen (None until a button names one) and the
    value waiting for Confirm, if any."""

    code: str
    field: EventField | None = None
    pending: Pending | None = None


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
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/editevent CODE"))
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
    event = current[0]
    if (
        field == "starts_at" and not event.is_cancelled and context.services.events.is_over(event)
    ):  # the other fields can still be chosen: the join link of a session held, say
        await answer(query, over_text(t), alert=True)
        return CHOOSE
    await answer(query)
    if event.is_cancelled:  # by another organizer since /editevent
        clear_state(context, EditingEvent)
        await edit(query, context, cancelled_text(t))
        return END
    state = get_state(context, EditingEvent)
    assert state is not None  # `current` was read from it
    set_state(context, replace(state, field=field))
    await edit(query, context, t._(FIELDS[field]))
    await ask_value(context, field)
    return VALUE


async def ask_value(context: BotContext, field: EventField, notice: str | None = None) -> None:
    """The question for a new value of `field`, with its buttons (after `notice`: why the
    last answer was not taken)."""
    t = context.viewer.t
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
    await send(context, f"{notice}\n\n{text}" if notice else text, rows)


def over_text(t: Translator) -> str:
    return t._("This session is over, so it can no longer be moved.")


async def _save(update: Update, context: BotContext, value: object) -> int:
    """A valid value: saved at once, or, when it concerns people, their consequences said
    first with Confirm and Keep."""
    current = await _editing(context)
    state = get_state(context, EditingEvent)
    if current is None or current[1] is None or state is None:
        return END
    event, field = current[0], current[1]
    t = context.viewer.t
    events = context.services.events
    if event.is_cancelled:  # by another organizer while the value was being chosen
        clear_state(context, EditingEvent)
        await send(context, cancelled_text(t))
        return END
    if field == "starts_at" and events.is_over(event):
        clear_state(context, EditingEvent)
        await send(context, over_text(t))
        return END
    impact = await events.impact(event, field, value)
    if impact is None:
        return await _store(context, event, field, value)
    question = await send(
        context,
        impact_text(t, event, impact, context.viewer.timezone),
        [
            [
                (t._("Confirm"), ConfirmEventChange(event.code)),
                (t._("Keep as it is"), KeepEventAsItIs(event.code)),
            ]
        ],
    )
    set_state(context, replace(state, pending=Pending(value, question.message_id)))
    return CONFIRM


async def _store(
    context: BotContext,
    event: Event,
    field: EventField,
    value: object,
    query: CallbackQuery | None = None,
) -> int:
    """Save the value; the answer replaces the Confirm question when there was one."""
    t = context.viewer.t
    clear_state(context, EditingEvent)

    async def say(text: str) -> None:
        if query is not None:
            await edit(query, context, text)
        else:
            await send(context, text)

    try:
        changed = await context.services.events.change(
            event, field, value, context.viewer.user_id, language=t.language
        )
    except EventCancelled:  # by another organizer while the value was being chosen
        await say(cancelled_text(t))
        return END
    except SessionOver:  # while the question waited
        await say(over_text(t))
        return END
    except StartPassed:
        assert isinstance(value, datetime)
        shown = t.when_zoned(value, context.viewer.timezone)
        await say(t._("The start “{value}” is in the past.", value=shown))
        return END
    saved = t._("Saved.")
    if field == "starts_at":
        saved += "\n" + start_echo(t, changed.starts_at, context.viewer.timezone)
    await say(saved)
    await open_card(context, changed.code)
    return END


def impact_text(t: Translator, event: Event, impact: ChangeImpact, zone: str) -> str:
    """The consequences of a change, as the question before Confirm says them."""
    title = user_text(event.title_in(t.language))
    people = impact.signed_up
    if impact.column == "starts_at":
        assert isinstance(impact.value, datetime)
        return "\n".join(
            [
                t._("Move “{title}”?", title=title),
                t._("From: {when}", when=t.when_zoned(event.starts_at, zone)),
                t._("To: {when}", when=t.when_zoned(impact.value, zone)),
                told_text(t, people.told),
            ]
        )
    capacity = impact.value
    assert capacity is None or isinstance(capacity, int)
    lines = [
        t._("Remove the seat limit of “{title}”?", title=title)
        if capacity is None
        else t.ngettext(
            "Set “{title}” to {count} seat?",
            "Set “{title}” to {count} seats?",
            capacity,
            title=title,
        ),
        t.ngettext(
            "{count} person is confirmed.", "{count} people are confirmed.", people.confirmed
        ),
    ]
    if impact.below_confirmed:
        assert capacity is not None
        lines.append(
            t.ngettext(
                "Nobody loses their seat, but nobody new gets one until fewer than {count} "
                "person is confirmed: new sign-ups join the waitlist.",
                "Nobody loses their seat, but nobody new gets one until fewer than {count} "
                "people are confirmed: new sign-ups join the waitlist.",
                capacity,
            )
        )
    if impact.promoted:
        lines.append(
            t.ngettext(
                "{count} person on the waitlist will get a seat and be told.",
                "{count} people on the waitlist will get a seat and be told.",
                impact.promoted,
            )
        )
    if impact.stays_waiting:
        lines.append(
            t.ngettext(
                "{count} person on the waitlist stays waiting.",
                "{count} people on the waitlist stay waiting.",
                impact.stays_waiting,
            )
        )
    return "\n".join(lines)


def told_text(t: Translator, told: int) -> str:
    """How many people a notice about the event reaches."""
    if not told:
        return t._("Nobody has signed up, so nobody will be told.")
    return t.ngettext(
        "The {count} person signed up will be told.",
        "The {count} people signed up will be told.",
        told,
    )


async def _pending(
    update: Update, context: BotContext, code: str
) -> tuple[CallbackQuery, EditingEvent, Pending] | None:
    """The change the pressed Confirm or Keep belongs to: that of the question it is under,
    still open; None (and "no longer active") for any other press."""
    query = update.callback_query
    assert query is not None
    state = get_state(context, EditingEvent)
    pending = state.pending if state is not None else None
    pressed = query.message.message_id if query.message is not None else None
    if state is None or pending is None or state.code != code or pending.message_id != pressed:
        await no_longer_active(query, context)
        return None
    return query, state, pending


async def on_confirm_change(update: Update, context: BotContext, data: ConfirmEventChange) -> int:
    if not await require_organizer(update, context):
        return END
    found = await _pending(update, context, data.code)
    if found is None:
        return CONFIRM
    query, state, pending = found
    await answer(query)
    current = await _editing(context)
    if current is None or state.field is None:  # the event is gone
        clear_state(context, EditingEvent)
        await edit(query, context, context.viewer.t._("Nothing was changed."))
        return END
    return await _store(context, current[0], state.field, pending.value, query)


async def on_keep_change(update: Update, context: BotContext, data: KeepEventAsItIs) -> int:
    if not await require_organizer(update, context):
        return END
    found = await _pending(update, context, data.code)
    if found is None:
        return CONFIRM
    query = found[0]
    await answer(query)
    clear_state(context, EditingEvent)
    await edit(query, context, context.viewer.t._("Nothing was changed."))
    return END


async def on_value(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_organizer(update, context):
        return END
    current = await _editing(context)
    field = current[1] if current is not None else None
    t = context.viewer.t
    if field == "topic":
        await ask_value(context, field, t._("Please choose one of the buttons."))
        return _open_step(context)
    if field is None:
        if current is not None:
            await send(context, t._("Please choose one of the buttons."))
        return _open_step(context) if current is not None else END
    parse = _parser(field, context.viewer.timezone, context.now())
    try:
        value = parse(message.text)
    except InputProblem as problem:
        await ask_value(context, field, plain(problem.problem.render(t)))
        return _open_step(context)
    return await _save(update, context, value)


def _open_step(context: BotContext) -> int:
    """Where a wrong answer leaves the edit: waiting for a value, or still for Confirm when
    a question asked it (its buttons stay valid)."""
    state = get_state(context, EditingEvent)
    return CONFIRM if state is not None and state.pending is not None else VALUE


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
        return _open_step(context) if current else END
    await answer(query)
    return await _save(update, context, value)


async def stop_editing(update: Update, context: BotContext) -> int:
    clear_state(context, EditingEvent)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


def _offsets_text(t: Translator, minutes: list[int]) -> str:
    return ", ".join(t.duration(m) for m in minutes)  # as given: 2d is "2 days", not 48 hours


async def reminders(update: Update, context: BotContext) -> None:
    """/reminders CODE shows an event's reminder times; /reminders CODE 2d,1h,15m sets them."""
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/reminders CODE 1d,1h"))
    if event is None:
        return
    t = context.viewer.t
    assert context.args is not None
    if event.starts_at <= context.now() or event.is_cancelled:
        await send(
            context,
            t._("This session has started or is cancelled: it has no reminders to send."),
        )
        return
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
    def values() -> list[AnyHandler]:  # a handler belongs to one state: built for each
        return [
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_value),
            on_press(EditEventTopic, on_topic),
            on_press(EditEventLanguage, on_language),
            on_press(EditEventNoLimit, on_no_limit),
            on_press(EditEventNoLink, on_no_link),
            on_press(EditEventHalfMinimum, on_half_minimum),
        ]

    wizard = build_wizard(
        "edit-event",
        entry_points=[CommandHandler("editevent", begin_edit)],
        states={
            CHOOSE: [on_press(EditEventField, on_field)],
            VALUE: values(),
            # The question before Confirm: another value may still be typed or chosen instead.
            CONFIRM: [
                on_press(ConfirmEventChange, on_confirm_change),
                on_press(KeepEventAsItIs, on_keep_change),
                *values(),
            ],
        },
        on_cancel=stop_editing,
        state=EditingEvent,
    )
    app.add_handler(wizard, group=GROUP_EDIT_EVENT)
    event_cancel.register(app)  # /cancelevent and /restoreevent, with the event commands
    app.add_handler(CommandHandler("reminders", reminders), group=GROUP_GENERAL)
