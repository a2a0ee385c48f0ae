"""/newevent: an organizer creates one event in chat, one question at a time.

Each answer is checked with the same validators as the CSV import; a bad answer is explained
and the same question stays open. The last question is the event's code: one made of whole
words of the title is proposed (or of its topic and month, for a title without Latin words),
and the organizer may type their own. Nothing is stored until the organizer presses Save on
the preview. /cancel leaves at any step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, SUPPORTED_LANGUAGES, Translator
from bot.models import EventDraft, EventListing, EventView
from bot.problems import InputProblem
from bot.services import event_fields as fields
from bot.services.event_codes import typed_code
from bot.services.events import CodeTaken
from bot.topics import TOPIC_SLUGS, TOPICS
from handlers.buttons import (
    ButtonData,
    NewEventDiscard,
    NewEventLanguage,
    NewEventNoDescription,
    NewEventNoLimit,
    NewEventNoLink,
    NewEventSave,
    NewEventTopic,
    NewEventUseCode,
)
from handlers.context import BotContext
from handlers.event_views import FIRST_PAGE, card_screen, deep_link
from handlers.html import plain, user_text
from handlers.organizers import require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, pop_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_NEW_EVENT, build_wizard

(TITLE, TOPIC, START, DURATION, CAPACITY, LANGUAGE, LINK, DESCRIPTION, CONFIRM) = range(9)
CODE = 9  # asked after the description, numbered last so the others keep their numbers
END = ConversationHandler.END


@dataclass(frozen=True)
class NewEventDraft:
    """The answers so far, each None until given. None is also the capacity's answer "no
    limit", but its question comes before the language's: a draft with a language has it."""

    title: str | None = None
    topic: str | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    capacity: int | None = None
    language: str | None = None
    join_url: str | None = None
    description: str | None = None
    code: str | None = None
    proposed: str | None = None  # the code the question offered with its "Use" button
    asking: int = TITLE  # the open question

    def complete(self) -> EventDraft | None:
        """The event to save, once every question has its answer."""
        if (
            self.code is None
            or self.title is None
            or self.topic is None
            or self.starts_at is None
            or self.duration_minutes is None
            or self.language is None
            or self.join_url is None
            or self.description is None
        ):
            return None
        return EventDraft(
            code=self.code,
            topic=self.topic,
            starts_at=self.starts_at,
            duration_minutes=self.duration_minutes,
            capacity=self.capacity,
            language=self.language,
            join_url=self.join_url,
            title=self.title,
            description=self.description,
            texts={},
        )


def _draft(context: BotContext) -> NewEventDraft:
    return get_state(context, NewEventDraft) or NewEventDraft()


def topic_rows(t: Translator, button: Callable[[str], ButtonData]) -> list[list[Button]]:
    """A button per topic, one a row; `button` makes a topic's data."""
    return [[(t._(TOPICS[slug]), button(slug))] for slug in TOPIC_SLUGS]


def language_rows(t: Translator, button: Callable[[str], ButtonData]) -> list[list[Button]]:
    """A button per language of the bot, three a row; `button` makes a language's data."""
    buttons: list[Button] = [(t.language_label(code), button(code)) for code in SUPPORTED_LANGUAGES]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def start_prompt(t: Translator, zone: str, now: datetime) -> str:
    return t._(
        "When does it start? Write the date and time in your time zone ({zone}) as "
        "YYYY-MM-DD HH:MM.",
        zone=t.timezone_label(zone, now),
    )


def start_echo(t: Translator, moment: datetime, zone: str) -> str:
    return t._("That is {when}.", when=t.when_zoned(moment, zone, "full"))


# A question: asked with `notice` first (why an answer was not taken), with its buttons.
Ask = Callable[[BotContext, str | None], Awaitable[int]]


async def _ask(
    context: BotContext,
    step: int,
    notice: str | None,
    question: str,
    rows: list[list[Button]] | None = None,
) -> int:
    """Put `step`'s question (remembered as the open one, for `ask_again`)."""
    set_state(context, replace(_draft(context), asking=step))
    await send(context, f"{notice}\n\n{question}" if notice else question, rows or ())
    return step


async def begin(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context, programme=True):
        return END
    set_state(context, NewEventDraft())
    return await ask_title(
        context, context.viewer.t._("Let’s create an event. Send /cancel at any time to stop.")
    )


async def ask_title(context: BotContext, notice: str | None = None) -> int:
    return await _ask(context, TITLE, notice, context.viewer.t._("What is its title?"))


async def _text_step(
    update: Update,
    context: BotContext,
    read: Callable[[NewEventDraft, str], NewEventDraft],
    ask_next: Ask,
    ask_again: Ask,
) -> int:
    """A typed answer: the draft with it, then the next question; a bad one (`read` raises
    InputProblem) is explained and its question put again, with its buttons."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        draft = read(_draft(context), message.text)
    except InputProblem as problem:
        return await ask_again(context, plain(problem.problem.render(context.viewer.t)))
    set_state(context, draft)
    return await ask_next(context, None)


async def on_title(update: Update, context: BotContext) -> int:
    def parse(raw: str) -> str:
        title = fields.parse_title(raw)
        if not title:
            raise InputProblem(N_("The title cannot be empty."))
        return title

    return await _text_step(
        update, context, lambda draft, raw: replace(draft, title=parse(raw)), ask_topic, ask_title
    )


async def ask_topic(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    return await _ask(context, TOPIC, notice, t._("Which topic?"), topic_rows(t, NewEventTopic))


async def on_topic(update: Update, context: BotContext, data: NewEventTopic) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    set_state(context, replace(_draft(context), topic=data.topic))
    await edit(query, context, context.viewer.t._(TOPICS[data.topic]))
    return await ask_start(context)


async def ask_start(context: BotContext, notice: str | None = None) -> int:
    viewer = context.viewer
    return await _ask(
        context, START, notice, start_prompt(viewer.t, viewer.timezone, context.now())
    )


async def on_start(update: Update, context: BotContext) -> int:
    viewer = context.viewer

    def parse(raw: str) -> datetime:
        return fields.parse_local_start(raw, viewer.timezone, context.now())

    return await _text_step(
        update,
        context,
        lambda draft, raw: replace(draft, starts_at=parse(raw)),
        after_start,
        ask_start,
    )


async def after_start(context: BotContext, notice: str | None = None) -> int:
    """The next question, or the preview again when the start was asked again at Save."""
    if _draft(context).complete() is not None:
        return await show_preview(context)
    return await ask_duration(context)


async def ask_duration(context: BotContext, notice: str | None = None) -> int:
    """Right after the start: what the start was read as comes first (the notice instead,
    when an answer was not taken)."""
    viewer = context.viewer
    t = viewer.t
    starts_at = _draft(context).starts_at
    assert starts_at is not None  # the answer given before
    echo = notice or start_echo(t, starts_at, viewer.timezone)
    return await _ask(context, DURATION, echo, t._("How long does it last, in minutes?"))


async def on_duration(update: Update, context: BotContext) -> int:
    def read(draft: NewEventDraft, raw: str) -> NewEventDraft:
        return replace(draft, duration_minutes=fields.parse_duration(raw))

    return await _text_step(update, context, read, ask_capacity, ask_duration)


async def ask_capacity(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    return await _ask(
        context,
        CAPACITY,
        notice,
        t._("How many seats? Send a number, or choose:"),
        [[(t._("No limit"), NewEventNoLimit())]],
    )


async def on_capacity(update: Update, context: BotContext) -> int:
    def parse(raw: str) -> int | None:
        if not raw.strip():
            raise InputProblem(N_("Please send a number of seats."))
        return fields.parse_capacity(raw)

    return await _text_step(
        update,
        context,
        lambda draft, raw: replace(draft, capacity=parse(raw)),
        ask_language,
        ask_capacity,
    )


async def on_no_limit(update: Update, context: BotContext, data: NewEventNoLimit) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    set_state(context, replace(_draft(context), capacity=None))
    return await ask_language(context)


async def ask_language(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    return await _ask(
        context,
        LANGUAGE,
        notice,
        t._("In which language is it given? Choose, or send a language code such as pt or sw."),
        language_rows(t, NewEventLanguage),
    )


async def on_language_text(update: Update, context: BotContext) -> int:
    def read(draft: NewEventDraft, raw: str) -> NewEventDraft:
        return replace(draft, language=fields.parse_language(raw))

    return await _text_step(update, context, read, ask_link, ask_language)


async def on_language_button(update: Update, context: BotContext, data: NewEventLanguage) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    set_state(context, replace(_draft(context), language=data.language))
    return await ask_link(context)


async def ask_link(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    return await _ask(
        context,
        LINK,
        notice,
        t._("What is the link to join it (https://…)?"),
        [[(t._("I will add it later"), NewEventNoLink())]],
    )


async def on_link(update: Update, context: BotContext) -> int:
    def read(draft: NewEventDraft, raw: str) -> NewEventDraft:
        return replace(draft, join_url=fields.parse_url(raw))

    return await _text_step(update, context, read, ask_description, ask_link)


async def on_no_link(update: Update, context: BotContext, data: NewEventNoLink) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    set_state(context, replace(_draft(context), join_url=""))
    return await ask_description(context)


async def ask_description(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    return await _ask(
        context,
        DESCRIPTION,
        notice,
        t._("Describe it in a few sentences."),
        [[(t._("Skip"), NewEventNoDescription())]],
    )


async def on_description(update: Update, context: BotContext) -> int:
    def read(draft: NewEventDraft, raw: str) -> NewEventDraft:
        return replace(draft, description=fields.parse_description(raw))

    return await _text_step(update, context, read, ask_code, ask_description)


async def on_no_description(
    update: Update, context: BotContext, data: NewEventNoDescription
) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    set_state(context, replace(_draft(context), description=""))
    return await ask_code(context)


async def ask_code(context: BotContext, notice: str | None = None) -> int:
    """A code proposed from the title (free when asked), with a button to use it; the
    organizer may send their own instead."""
    viewer = context.viewer
    t = viewer.t
    draft = _draft(context)
    assert draft.title is not None and draft.topic is not None and draft.starts_at is not None
    month = draft.starts_at.astimezone(ZoneInfo(viewer.timezone))
    proposed = await context.services.events.propose_code(draft.title, draft.topic, month)
    set_state(context, replace(draft, code=None, proposed=proposed))
    return await _ask(
        context,
        CODE,
        notice,
        t._(
            "Every event has a code: it is part of the event’s link and of commands such as "
            "/editevent. Use {code}, or send your own (letters, digits, - or _).",
            code=proposed,
        ),
        [[(t._("Use {code}", code=proposed), NewEventUseCode())]],
    )


async def _take_code(context: BotContext, code: str) -> int:
    """The code chosen: the preview, or, when an event has it, the question again."""
    t = context.viewer.t
    holder = await context.services.events.holder_of(code)
    if holder is not None:
        return await ask_code(context, taken_text(t, code, holder.title_in(t.language)))
    course = await context.services.courses.by_code(code)  # a link names either
    if course is not None:
        return await ask_code(context, taken_text(t, code, course.title_in(t.language)))
    set_state(context, replace(_draft(context), code=code))
    return await show_preview(context)


def taken_text(t: Translator, code: str, title: str) -> str:
    return t._(
        "The code {code} is already used by “{title}”. Please choose another one.",
        code=code,
        title=user_text(title),
    )


async def on_code(update: Update, context: BotContext) -> int:
    """The organizer's own code, as typed on any keyboard (full-width, upper case)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        code = typed_code(message.text)
    except InputProblem as problem:
        return await ask_code(context, plain(problem.problem.render(context.viewer.t)))
    return await _take_code(context, code)


async def on_use_code(update: Update, context: BotContext, data: NewEventUseCode) -> int:
    query = update.callback_query
    assert query is not None
    proposed = _draft(context).proposed
    if proposed is None:
        await no_longer_active(query, context)
        return CODE
    await answer(query)
    return await _take_code(context, proposed)


async def show_preview(context: BotContext, notice: str | None = None) -> int:
    viewer = context.viewer
    t = viewer.t
    draft = _draft(context).complete()
    assert draft is not None  # the last question was just answered
    event = draft.as_event()
    preview = EventView(
        EventListing(event, 0), None, None, context.services.registrations.is_open(event)
    )
    text, _ = card_screen(
        t,
        viewer.timezone,
        preview,
        bot_username=context.bot.username,
        back=FIRST_PAGE,
        for_organizer=False,
    )
    link = (
        t._("Join link: {link}", link=plain(draft.join_url))
        if draft.join_url
        else t._("Join link: to be added later")
    )
    code = t._("Code: {code}", code=draft.code)
    return await _ask(
        context,
        CONFIRM,
        notice,
        t._("Please check the event:") + f"\n\n{text}\n{code}\n{link}",
        [[(t._("Save"), NewEventSave()), (t._("Cancel"), NewEventDiscard())]],
    )


async def on_save(update: Update, context: BotContext, data: NewEventSave) -> int:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return END
    answers = pop_state(context, NewEventDraft)
    draft = answers.complete() if answers is not None else None
    if answers is None or draft is None:
        await no_longer_active(query, context)
        return END
    await answer(query)
    t = context.viewer.t
    if draft.starts_at <= context.now():  # the start came while the preview waited
        set_state(context, replace(answers, starts_at=None))
        shown = t.when_zoned(draft.starts_at, context.viewer.timezone)
        await edit(query, context, t._("The start “{value}” is in the past.", value=shown))
        return await ask_start(context)
    try:
        event = await context.services.events.create(draft, context.viewer.user_id)
    except CodeTaken as taken:  # by another event since the code was chosen
        set_state(context, replace(answers, code=None))
        title = taken.holder.title_in(t.language)
        await edit(query, context, taken_text(t, taken.code, title))
        return await ask_code(context)
    await edit(
        query,
        context,
        t._(
            "Saved. The event’s code is {code} and its link is {link}",
            code=event.code,
            link=deep_link(context.bot.username, event.code),
        ),
    )
    return END


async def on_discard(update: Update, context: BotContext, data: NewEventDiscard) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    clear_state(context, NewEventDraft)
    await edit(query, context, context.viewer.t._("The event was not saved."))
    return END


async def cancel(update: Update, context: BotContext) -> int:
    clear_state(context, NewEventDraft)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


async def ask_again(context: BotContext, notice: str) -> int:
    """The open question again after `notice`, with its buttons (a photo where words are
    expected, words where a button is)."""
    asks: dict[int, Ask] = {
        TITLE: ask_title,
        TOPIC: ask_topic,
        START: ask_start,
        DURATION: ask_duration,
        CAPACITY: ask_capacity,
        LANGUAGE: ask_language,
        LINK: ask_link,
        DESCRIPTION: ask_description,
        CODE: ask_code,
    }
    step = _draft(context).asking
    if step == CONFIRM:
        return await show_preview(context, notice)
    return await asks[step](context, notice)


async def on_text_for_buttons(update: Update, context: BotContext) -> int:
    """Words where a button is expected: a topic typed as its button reads ("climate
    change") is that topic; anything else, the question again."""
    message = update.effective_message
    t = context.viewer.t
    typed = " ".join((message.text or "").casefold().split()) if message else ""
    if _draft(context).asking == TOPIC:
        for slug in TOPIC_SLUGS:
            if typed in (slug, t._(TOPICS[slug]).casefold()):
                set_state(context, replace(_draft(context), topic=slug))
                return await ask_start(context)
    return await ask_again(context, t._("Please choose one of the buttons."))


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    wizard = build_wizard(
        "new-event",
        entry_points=[CommandHandler("newevent", begin)],
        states={
            TITLE: [MessageHandler(text, on_title)],
            TOPIC: [on_press(NewEventTopic, on_topic), MessageHandler(text, on_text_for_buttons)],
            START: [MessageHandler(text, on_start)],
            DURATION: [MessageHandler(text, on_duration)],
            CAPACITY: [MessageHandler(text, on_capacity), on_press(NewEventNoLimit, on_no_limit)],
            LANGUAGE: [
                MessageHandler(text, on_language_text),
                on_press(NewEventLanguage, on_language_button),
            ],
            LINK: [MessageHandler(text, on_link), on_press(NewEventNoLink, on_no_link)],
            DESCRIPTION: [
                MessageHandler(text, on_description),
                on_press(NewEventNoDescription, on_no_description),
            ],
            CODE: [MessageHandler(text, on_code), on_press(NewEventUseCode, on_use_code)],
            CONFIRM: [
                on_press(NewEventSave, on_save),
                on_press(NewEventDiscard, on_discard),
                MessageHandler(text, on_text_for_buttons),
            ],
        },
        on_cancel=cancel,
        state=NewEventDraft,
        repeat=ask_again,
    )
    app.add_handler(wizard, group=GROUP_NEW_EVENT)
