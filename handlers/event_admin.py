"""/editevent CODE changes one field of an event; /cancelevent CODE cancels it after a yes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from babel.dates import format_timedelta
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, SUPPORTED_LANGUAGES, Translator
from bot.models import Event
from bot.offsets import parse_offsets
from bot.problems import InputProblem
from bot.services import event_fields as fields
from bot.topics import TOPIC_SLUGS
from handlers.context import BotContext
from handlers.event_wizard import language_rows, start_echo, start_prompt, topic_rows
from handlers.events import open_card
from handlers.organizers import event_from_args, require_organizer
from handlers.ui import Button, answer, edit, plain, send, user_text
from handlers.wizards import (
    GROUP_EDIT_EVENT,
    GROUP_GENERAL,
    AnyHandler,
    Step,
    build_wizard,
    step_button,
)

CHOOSE, VALUE = range(2)
END = ConversationHandler.END
EDITING = "edit_event"  # session key: {"code": ..., "field": ...}
PREFIX = "ed"
CANCEL_PREFIX = "cx"

# field -> (button label, how to read a typed value: (raw, zone, now) -> value)
FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "topic": N_("Topic"),
    "starts_at": N_("Start"),
    "duration_minutes": N_("Duration"),
    "capacity": N_("Seats"),
    "language": N_("Language"),
    "join_url": N_("Join link"),
    "description": N_("Description"),
}


def _parser(field: str, zone: str, now: datetime) -> Callable[[str], object]:
    def title(raw: str) -> str:
        value = fields.parse_title(raw)
        if not value:
            raise InputProblem(N_("The title cannot be empty."))
        return value

    parsers: dict[str, Callable[[str], object]] = {
        "title": title,
        "starts_at": lambda raw: fields.parse_local_start(raw, zone, now),
        "duration_minutes": fields.parse_duration,
        "capacity": fields.parse_capacity,
        "language": fields.parse_language,
        "join_url": fields.parse_url,
        "description": fields.parse_description,
    }
    return parsers[field]


async def begin_edit(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context):
        return END
    event = await event_from_args(context, "/editevent CODE")
    if event is None:
        return END
    context.session[EDITING] = {"code": event.code}
    t = context.viewer.t
    buttons: list[Button] = [(t._(label), f"{PREFIX}:f:{key}") for key, label in FIELDS.items()]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    title = user_text(event.title_in(t.language))
    await send(context, t._("What do you want to change in “{title}”?", title=title), rows)
    return CHOOSE


async def _editing(context: BotContext) -> tuple[Event, str] | None:
    state = context.session.get(EDITING)
    if not isinstance(state, dict) or "code" not in state:
        return None
    event = await context.services.events.find(state["code"])
    return (event.event, str(state.get("field", ""))) if event else None


async def on_field(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    field = query.data.rsplit(":", 1)[-1]
    current = await _editing(context)
    t = context.viewer.t
    if field not in FIELDS or current is None:
        await answer(query, t._("This button is no longer active."))
        return END if current is None else CHOOSE
    await answer(query)
    context.session[EDITING]["field"] = field
    await edit(query, context, t._(FIELDS[field]))
    prompts: dict[str, tuple[str, list[list[Button]]]] = {
        "title": (t._("Send the new title."), []),
        "topic": (t._("Which topic?"), topic_rows(t, f"{PREFIX}:topic")),
        "starts_at": (start_prompt(t, context.viewer.timezone, context.now()), []),
        "duration_minutes": (t._("How long does it last, in minutes?"), []),
        "capacity": (
            t._("How many seats? Send a number, or choose:"),
            [[(t._("No limit"), f"{PREFIX}:cap:none")]],
        ),
        "language": (
            t._("In which language is it given? Choose, or send a language code such as pt or sw."),
            language_rows(t, f"{PREFIX}:lang"),
        ),
        "join_url": (
            t._("What is the link to join it (https://…)?"),
            [[(t._("I will add it later"), f"{PREFIX}:link:none")]],
        ),
        "description": (t._("Describe it in a few sentences."), []),
    }
    text, rows = prompts[field]
    await send(context, text, rows)
    return VALUE


async def _save(update: Update, context: BotContext, value: object) -> int:
    current = await _editing(context)
    if current is None or not current[1]:
        return END
    event, field = current
    changed = await context.services.events.change(
        event, field, value, context.viewer.user_id, language=context.viewer.t.language
    )
    context.session.pop(EDITING, None)
    t = context.viewer.t
    saved = t._("Saved.")
    if field == "starts_at":
        saved += "\n" + start_echo(t, changed.starts_at, context.viewer.timezone)
    await send(context, saved)
    await open_card(context, changed.code)
    return END


async def on_value(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    current = await _editing(context)
    if current is None or current[1] in ("", "topic"):
        if current is not None:
            await send(context, context.viewer.t._("Please choose one of the buttons."))
        return VALUE if current is not None else END
    parse = _parser(current[1], context.viewer.timezone, context.now())
    try:
        value = parse(message.text)
    except InputProblem as problem:
        await send(context, plain(problem.problem.render(context.viewer.t)))
        return VALUE
    return await _save(update, context, value)


async def on_value_button(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, kind, choice = query.data.split(":", 2)
    value: object
    if kind == "topic" and choice.isdecimal() and int(choice) < len(TOPIC_SLUGS):
        value = TOPIC_SLUGS[int(choice)]
    elif kind == "lang" and choice in SUPPORTED_LANGUAGES:
        value = choice
    elif kind == "cap" and choice == "none":
        value = None
    elif kind == "link" and choice == "none":
        value = ""
    else:
        await answer(query, context.viewer.t._("This button is no longer active."))
        return VALUE
    current = await _editing(context)
    expected = {"topic": "topic", "lang": "language", "cap": "capacity", "link": "join_url"}
    if current is None or current[1] != expected[kind]:
        await answer(query, context.viewer.t._("This button is no longer active."))
        return VALUE if current else END
    await answer(query)
    return await _save(update, context, value)


async def stop_editing(update: Update, context: BotContext) -> int:
    context.session.pop(EDITING, None)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


async def ask_cancel(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    event = await event_from_args(context, "/cancelevent CODE")
    if event is None:
        return
    t = context.viewer.t
    if event.is_cancelled:
        await send(context, t._("This event has been cancelled."))
        return
    question = t._(
        "Cancel “{title}” on {when}? Its registrants will be told.",
        title=user_text(event.title_in(t.language)),
        when=t.when(event.starts_at, context.viewer.timezone),
    )
    await send(
        context,
        question,
        [
            [
                (t._("Yes, cancel it"), f"{CANCEL_PREFIX}:yes:{event.code}"),
                (t._("No, keep it"), f"{CANCEL_PREFIX}:no"),
            ]
        ],
    )


async def on_cancel_answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    parts = query.data.split(":", 2)
    if parts[1] == "no":
        await answer(query)
        await edit(query, context, t._("The event was not cancelled."))
        return
    listing = await context.services.events.find(parts[2]) if len(parts) == 3 else None
    if parts[1] != "yes" or listing is None or listing.event.is_cancelled:
        await answer(query, t._("This button is no longer active."))
        return
    await answer(query)
    event = await context.services.events.cancel(listing.event, context.viewer.user_id)
    await edit(
        query, context, t._("“{title}” is cancelled.", title=user_text(event.title_in(t.language)))
    )


def _offsets_text(t: Translator, minutes: list[int]) -> str:
    return ", ".join(
        format_timedelta(timedelta(minutes=m), threshold=10, locale=t.locale) for m in minutes
    )


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
    def button(step: Step, pattern: str) -> AnyHandler:
        return step_button(PREFIX, step, pattern)

    wizard = build_wizard(
        "edit-event",
        entry_points=[CommandHandler("editevent", begin_edit)],
        states={
            CHOOSE: [button(on_field, "f:")],
            VALUE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_value),
                button(on_value_button, "(topic|lang|cap|link):"),
            ],
        },
        on_cancel=stop_editing,
        scratch=EDITING,
    )
    app.add_handler(wizard, group=GROUP_EDIT_EVENT)
    app.add_handler(CommandHandler("cancelevent", ask_cancel), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("reminders", reminders), group=GROUP_GENERAL)
    app.add_handler(
        CallbackQueryHandler(on_cancel_answer, pattern=f"^{CANCEL_PREFIX}:"), group=GROUP_GENERAL
    )
