"""/newcourse: an organizer of the whole programme makes a training course in chat, one
question at a time: its title, description, sessions (codes of events already published),
what completes it, whether its sessions may be taken one by one, whether it gives a
certificate, and its code.

Each answer is checked with the programme file's rules (`bot.services.course_admin`); a bad
answer is explained and the same question put again with its buttons. Every question but the
first has Back. Nothing is stored until Save on the preview, which shows the course's card as
participants will see it and its link; /cancel leaves at any step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.models import Course
from bot.problems import InputProblem
from bot.services import course_admin
from bot.services.course_admin import (
    CodeTaken,
    NewCourse,
    SessionsTaken,
    read_session_codes,
)
from bot.services.course_registrations import CourseView, SessionStanding
from bot.services.event_codes import typed_code
from bot.services.registrations import closed_reason
from handlers.buttons import (
    NewCourseAllSessions,
    NewCourseAtLeast,
    NewCourseBack,
    NewCourseCertificate,
    NewCourseDiscard,
    NewCourseNoDescription,
    NewCourseSave,
    NewCourseSingleSessions,
    NewCourseUseCode,
)
from handlers.context import BotContext
from handlers.course_texts import (
    Rows,
    certificate_question,
    description_question,
    problems_text,
    rule_question,
    rule_rows,
    saved_text,
    sessions_example,
    single_question,
    yes_no_label,
    yes_no_rows,
)
from handlers.course_views import course_screen
from handlers.event_views import deep_link
from handlers.event_wizard import taken_text
from handlers.html import bold, plain
from handlers.organizers import require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, pop_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_NEW_COURSE, AnyHandler, build_wizard

TITLE, DESCRIPTION, SESSIONS, RULE, SINGLE, CERTIFICATE, CODE, CONFIRM = range(8)
END = ConversationHandler.END


@dataclass(frozen=True)
class NewCourseDraft:
    """The answers so far, each None until given (`sessions` empty)."""

    title: str | None = None
    description: str | None = None
    sessions: tuple[str, ...] = ()  # codes of its events as stored, soonest first
    first_start: datetime | None = None  # of its first session: a code for a title in Arabic
    required: int | None = None  # None: all of its sessions
    rule_given: bool = False
    single_sessions: bool | None = None
    certificate: bool | None = None
    code: str | None = None
    proposed: str | None = None  # the code the question offered with its "Use" button
    asking: int = TITLE  # the open question

    def steps(self) -> list[int]:
        """The questions this organizer is asked, in order: a course of one session is
        completed by it, so what completes it is not asked."""
        rule = [] if len(self.sessions) == 1 else [RULE]
        return [TITLE, DESCRIPTION, SESSIONS, *rule, SINGLE, CERTIFICATE, CODE]

    def complete(self) -> NewCourse | None:
        """The course to save, once every question has its answer."""
        if (
            self.title is None
            or self.description is None
            or not self.sessions
            or not (self.rule_given or len(self.sessions) == 1)
            or self.single_sessions is None
            or self.certificate is None
            or self.code is None
        ):
            return None
        return NewCourse(
            code=self.code,
            title=self.title,
            description=self.description,
            sessions=self.sessions,
            required_sessions=self.required,
            single_sessions=self.single_sessions,
            certificate=self.certificate,
        )


def _draft(context: BotContext) -> NewCourseDraft:
    return get_state(context, NewCourseDraft) or NewCourseDraft()


def _progress(t: Translator, draft: NewCourseDraft, step: int) -> str:
    steps = draft.steps()
    return t.ngettext(
        "Question {number} of {count}",
        "Question {number} of {count}",
        len(steps),
        number=t.number(steps.index(step) + 1),
    )


async def _question(context: BotContext, step: int) -> tuple[str, Rows]:
    """The question of `step` and the buttons that answer it (without Back)."""
    t = context.viewer.t
    draft = _draft(context)
    if step == TITLE:
        return t._("What is the course’s title?"), []
    if step == DESCRIPTION:
        skip: Button = (t._("Skip"), NewCourseNoDescription())
        return description_question(t), [[skip]]
    if step == SESSIONS:
        question = t._(
            "Which sessions make up the course? Send the codes of their events, separated "
            "by spaces or commas (for example: {example}).",
            example=sessions_example(),
        )
        return question, []
    if step == RULE:
        count = len(draft.sessions)
        return rule_question(t, count), rule_rows(
            t, count, NewCourseAllSessions(), NewCourseAtLeast
        )
    if step == SINGLE:
        return single_question(t), yes_no_rows(t, NewCourseSingleSessions)
    if step == CERTIFICATE:
        return certificate_question(t), yes_no_rows(t, NewCourseCertificate)
    assert draft.title is not None and draft.first_start is not None
    proposed = await context.services.course_admin.propose_code(draft.title, draft.first_start)
    set_state(context, replace(draft, code=None, proposed=proposed))
    question = t._(
        "Every course has a code: it is part of the course’s link and of commands such as "
        "/editcourse. Use {code}, or send your own (letters, digits, - or _).",
        code=proposed,
    )
    return question, [[(t._("Use {code}", code=proposed), NewCourseUseCode())]]


async def ask(
    context: BotContext,
    step: int,
    notice: str | None = None,
    query: CallbackQuery | None = None,
) -> int:
    """Put `step`'s question (remembered as the open one), its number and its buttons, after
    `notice` (why an answer was not taken); in place of the pressed message for Back."""
    if step == CONFIRM:
        return await show_preview(context, notice)
    t = context.viewer.t
    set_state(context, replace(_draft(context), asking=step))
    question, rows = await _question(context, step)
    text = f"{question}\n<i>{_progress(t, _draft(context), step)}</i>"
    if notice:
        text = f"{notice}\n\n{text}"
    if step != TITLE:
        rows = [*rows, [(t._("◀ Back"), NewCourseBack())]]
    if query is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)
    return step


async def ask_again(context: BotContext, notice: str) -> int:
    """The open question again after `notice`, with its buttons."""
    return await ask(context, _draft(context).asking, notice)


async def _next(context: BotContext, draft: NewCourseDraft, notice: str | None = None) -> int:
    """The question after the one `draft` answered, or the preview after the last."""
    set_state(context, draft)
    steps = draft.steps()
    following = steps[steps.index(draft.asking) + 1 :] if draft.asking in steps else []
    return await ask(context, following[0] if following else CONFIRM, notice)


async def _chosen(query: CallbackQuery, context: BotContext, label: str) -> None:
    """The pressed question keeps its text, with the answer chosen under it."""
    await answer(query)
    question, _ = await _question(context, _draft(context).asking)
    await edit(query, context, f"{question}\n{bold(label)}")


def _typed(update: Update) -> str:
    message = update.effective_message
    assert message is not None and message.text is not None
    return message.text


async def begin(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context, programme=True):
        return END
    set_state(context, NewCourseDraft())
    t = context.viewer.t
    intro = t._("Let’s create a training course. Send /cancel at any time to stop.")
    return await ask(context, TITLE, intro)


async def on_title(update: Update, context: BotContext) -> int:
    try:
        title = course_admin.course_title(_typed(update))
    except InputProblem as problem:
        return await ask_again(context, plain(problem.problem.render(context.viewer.t)))
    return await _next(context, replace(_draft(context), title=title))


async def on_description(update: Update, context: BotContext) -> int:
    try:
        description = course_admin.course_description(_typed(update))
    except InputProblem as problem:
        return await ask_again(context, plain(problem.problem.render(context.viewer.t)))
    return await _next(context, replace(_draft(context), description=description))


async def on_no_description(
    update: Update, context: BotContext, data: NewCourseNoDescription
) -> int:
    query = update.callback_query
    assert query is not None
    await _chosen(query, context, context.viewer.t._("Skip"))
    return await _next(context, replace(_draft(context), description=""))


async def on_sessions(update: Update, context: BotContext) -> int:
    t = context.viewer.t
    try:
        typed = read_session_codes(_typed(update))
    except InputProblem as problem:
        return await ask_again(context, plain(problem.problem.render(t)))
    choice = await context.services.course_admin.sessions_from(typed)
    if choice.problems:
        return await ask_again(context, problems_text(t, choice.problems))
    draft = replace(
        _draft(context),
        sessions=tuple(event.code for event in choice.sessions),
        first_start=choice.sessions[0].starts_at,
        required=None,
        rule_given=False,
    )
    return await _next(context, draft)


def _rule_answer(draft: NewCourseDraft, required: int | None) -> NewCourseDraft:
    return replace(draft, required=required, rule_given=True)


async def on_all_sessions(update: Update, context: BotContext, data: NewCourseAllSessions) -> int:
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    count = len(_draft(context).sessions)
    await _chosen(query, context, t.ngettext("All {count} session", "All {count} sessions", count))
    return await _next(context, _rule_answer(_draft(context), None))


async def on_at_least(update: Update, context: BotContext, data: NewCourseAtLeast) -> int:
    query = update.callback_query
    assert query is not None
    if data.count >= len(_draft(context).sessions):  # forged, or of a longer list before Back
        await no_longer_active(query, context)
        return RULE
    t = context.viewer.t
    await _chosen(query, context, t.ngettext("At least {count}", "At least {count}", data.count))
    return await _next(context, _rule_answer(_draft(context), data.count))


async def on_rule_typed(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    try:
        required = course_admin.required_sessions(_typed(update), len(draft.sessions))
    except InputProblem as problem:
        return await ask_again(context, plain(problem.problem.render(context.viewer.t)))
    return await _next(context, _rule_answer(draft, required))


async def on_single(update: Update, context: BotContext, data: NewCourseSingleSessions) -> int:
    query = update.callback_query
    assert query is not None
    allowed = data.answer == "yes"
    await _chosen(query, context, yes_no_label(context.viewer.t, allowed))
    return await _next(context, replace(_draft(context), single_sessions=allowed))


async def on_certificate(update: Update, context: BotContext, data: NewCourseCertificate) -> int:
    query = update.callback_query
    assert query is not None
    certificate = data.answer == "yes"
    await _chosen(query, context, yes_no_label(context.viewer.t, certificate))
    return await _next(context, replace(_draft(context), certificate=certificate))


async def _take_code(context: BotContext, code: str) -> int:
    """The code chosen: the preview, or, when an event or a course has it, the question
    again."""
    t = context.viewer.t
    holder = await context.services.course_admin.holder_of(code)
    if holder is not None:
        return await ask(context, CODE, taken_text(t, code, holder.title_in(t.language)))
    return await _next(context, replace(_draft(context), code=code))


async def on_code(update: Update, context: BotContext) -> int:
    """The organizer's own code, as typed on any keyboard (full-width, upper case)."""
    try:
        code = typed_code(_typed(update))
    except InputProblem as problem:
        return await ask(context, CODE, plain(problem.problem.render(context.viewer.t)))
    return await _take_code(context, code)


async def on_use_code(update: Update, context: BotContext, data: NewCourseUseCode) -> int:
    query = update.callback_query
    assert query is not None
    proposed = _draft(context).proposed
    if proposed is None:
        await no_longer_active(query, context)
        return CODE
    await answer(query)
    return await _take_code(context, proposed)


async def on_back(update: Update, context: BotContext, data: NewCourseBack) -> int:
    """The question before the open one, in place of the pressed message; the answers
    given stay until they are given again."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    steps = draft.steps()
    if draft.asking not in steps[1:]:
        await no_longer_active(query, context)
        return draft.asking
    await answer(query)
    return await ask(context, steps[steps.index(draft.asking) - 1], query=query)


async def preview_text(context: BotContext, course: Course, codes: Sequence[str]) -> str:
    """The course's card as participants will see it, its code and its link."""
    viewer = context.viewer
    t = viewer.t
    now = context.now()
    sessions: list[SessionStanding] = []
    for code in codes:
        listing = await context.services.events.find(code)
        if listing is not None:
            event = listing.event
            is_open = closed_reason(event.status, event.starts_at, now) is None
            sessions.append(SessionStanding(listing, None, None, False, is_open))
    card, _ = course_screen(
        t,
        viewer.timezone,
        CourseView(course, tuple(sessions)),
        now,
        bot_username=context.bot.username,
        for_organizer=False,
    )
    link = deep_link(context.bot.username, course.code)
    lines = [card, "", t._("Code: {code}", code=course.code), t._("Link: {link}", link=link)]
    return "\n".join(lines)


async def show_preview(context: BotContext, notice: str | None = None) -> int:
    t = context.viewer.t
    draft = replace(_draft(context), asking=CONFIRM)
    set_state(context, draft)
    new = draft.complete()
    assert new is not None  # the last question was just answered
    text = (
        t._("Please check the course:")
        + "\n\n"
        + await preview_text(context, new.as_course(), new.sessions)
    )
    if notice:
        text = f"{notice}\n\n{text}"
    await send(
        context, text, [[(t._("Save"), NewCourseSave()), (t._("Discard"), NewCourseDiscard())]]
    )
    return CONFIRM


async def on_save(update: Update, context: BotContext, data: NewCourseSave) -> int:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return END
    answers = pop_state(context, NewCourseDraft)
    new = answers.complete() if answers is not None else None
    if answers is None or new is None:
        await no_longer_active(query, context)
        return END
    await answer(query)
    t = context.viewer.t
    try:
        course = await context.services.course_admin.create(new, context.viewer.user_id)
    except CodeTaken as taken:  # by another organizer since the code was chosen
        set_state(context, replace(answers, code=None))
        await edit(query, context, taken_text(t, taken.code, taken.holder.title_in(t.language)))
        return await ask(context, CODE)
    except SessionsTaken as taken:  # a session cancelled, or put in another course, meanwhile
        set_state(context, replace(answers, sessions=(), rule_given=False))
        await edit(query, context, problems_text(t, taken.problems))
        return await ask(context, SESSIONS)
    await edit(query, context, saved_text(t, course, deep_link(context.bot.username, course.code)))
    return END


async def on_discard(update: Update, context: BotContext, data: NewCourseDiscard) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    clear_state(context, NewCourseDraft)
    await edit(query, context, context.viewer.t._("The course was not saved."))
    return END


async def cancel(update: Update, context: BotContext) -> int:
    clear_state(context, NewCourseDraft)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


async def on_text_for_buttons(update: Update, context: BotContext) -> int:
    """Words where a button is expected: the question again, with its buttons."""
    return await ask_again(context, context.viewer.t._("Please choose one of the buttons."))


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND

    def back() -> AnyHandler:  # a handler belongs to one state: built for each
        return on_press(NewCourseBack, on_back)

    wizard = build_wizard(
        "new-course",
        entry_points=[CommandHandler("newcourse", begin)],
        states={
            TITLE: [MessageHandler(text, on_title)],
            DESCRIPTION: [
                MessageHandler(text, on_description),
                on_press(NewCourseNoDescription, on_no_description),
                back(),
            ],
            SESSIONS: [MessageHandler(text, on_sessions), back()],
            RULE: [
                on_press(NewCourseAllSessions, on_all_sessions),
                on_press(NewCourseAtLeast, on_at_least),
                MessageHandler(text, on_rule_typed),
                back(),
            ],
            SINGLE: [
                on_press(NewCourseSingleSessions, on_single),
                MessageHandler(text, on_text_for_buttons),
                back(),
            ],
            CERTIFICATE: [
                on_press(NewCourseCertificate, on_certificate),
                MessageHandler(text, on_text_for_buttons),
                back(),
            ],
            CODE: [MessageHandler(text, on_code), on_press(NewCourseUseCode, on_use_code), back()],
            CONFIRM: [
                on_press(NewCourseSave, on_save),
                on_press(NewCourseDiscard, on_discard),
                MessageHandler(text, on_text_for_buttons),
            ],
        },
        on_cancel=cancel,
        state=NewCourseDraft,
        repeat=ask_again,
    )
    app.add_handler(wizard, group=GROUP_NEW_COURSE)
