"""/editcourse CODE: an organizer of the whole programme changes one thing of a training
course: its title or description (in the organizer's language when the course has its own
text there, else the default one), its title and description in another language, its
sessions, what completes it, whether its sessions may be taken one by one, its certificate.

A change that concerns people is said before it is saved, with Confirm and Keep, as
/editevent does: new sessions or a new rule for a course with registrations or certificates
issued (how many completed it before and will have after; certificates issued stay valid).
Any other change is saved at once, and the course's card shown as it now reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.i18n import N_, Translator, language_name
from bot.models import Course, Event
from bot.problems import InputProblem
from bot.services import course_admin
from bot.services.course_admin import (
    CourseGone,
    CourseSheet,
    SessionsTaken,
    read_session_codes,
)
from bot.services.event_fields import CODE_PATTERN
from handlers.buttons import (
    ConfirmCourseChange,
    CourseField,
    EditCourseAllSessions,
    EditCourseAnswer,
    EditCourseAtLeast,
    EditCourseField,
    EditCourseLanguage,
    EditCourseNoDescription,
    KeepCourseAsItIs,
)
from handlers.context import BotContext
from handlers.course_texts import (
    Rows,
    certificate_question,
    impact_text,
    problems_text,
    rule_label,
    single_question,
    summary_text,
    value_question,
    yes_no_label,
)
from handlers.courses import show_course
from handlers.html import bold, plain, user_text
from handlers.organizers import require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_EDIT_COURSE, AnyHandler, build_wizard

CHOOSE, VALUE, CONFIRM = range(3)
# TRANSLATORS: how the command is written: keep the command, translate the rest.
USAGE = N_("/editcourse CODE")
END = ConversationHandler.END

# field -> its button's label
FIELDS: dict[CourseField, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "language": N_("Another language"),
    "sessions": N_("Sessions"),
    "rule": N_("Completion rule"),
    "single": N_("Single sessions"),
    "certificate": N_("Certificate"),
}


@dataclass(frozen=True)
class PendingCourseChange:
    """New sessions or a new rule whose consequences were said: saved by Confirm under that
    question only (an older question's Confirm must not save an answer typed since)."""

    sessions: tuple[str, ...]  # codes of its sessions after the change
    required: int | None
    message_id: int


@dataclass(frozen=True)
class EditingCourse:
    """The course being changed, the field chosen (None until a button names one), and for
    another language: the language chosen, then the title typed for it."""

    code: str
    field: CourseField | None = None
    language: str | None = None
    title: str | None = None
    pending: PendingCourseChange | None = None


def _field_rows(t: Translator) -> Rows:
    buttons: list[Button] = [(t._(label), EditCourseField(key)) for key, label in FIELDS.items()]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def begin_edit(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context, programme=True):
        return END
    t = context.viewer.t
    code = context.args[0] if context.args else ""
    if not code:
        await send(context, t._("Please add the course’s code: {usage}", usage=t._(USAGE)))
        return END
    valid = CODE_PATTERN.match(code) is not None
    sheet = await context.services.course_admin.sheet(code) if valid else None
    if sheet is None:
        event = await context.services.events.find(code) if valid else None
        if event is not None:
            await send(
                context,
                t._(
                    "{code} is an event, not a training course: to change it, send "
                    "/editevent {code}",
                    code=event.event.code,
                ),
            )
        else:
            await send(
                context,
                t._("There is no training course with the code {code}.", code=user_text(code[:64])),
            )
        return END
    set_state(context, EditingCourse(sheet.course.code))
    await send(context, summary_text(t, sheet, context.viewer.timezone), _field_rows(t))
    return CHOOSE


async def _editing(context: BotContext) -> tuple[EditingCourse, CourseSheet] | None:
    """The edit under way and its course as it is stored now (None: the course is gone)."""
    state = get_state(context, EditingCourse)
    if state is None:
        return None
    sheet = await context.services.course_admin.sheet(state.code)
    return (state, sheet) if sheet is not None else None


def gone_text(t: Translator) -> str:
    return t._("This training course no longer exists.")


async def on_field(update: Update, context: BotContext, data: EditCourseField) -> int:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return END
    current = await _editing(context)
    t = context.viewer.t
    if current is None:
        await no_longer_active(query, context)
        return END
    state, sheet = current
    await answer(query)
    if data.field == "rule" and len(sheet.sessions) <= 1:
        await edit(query, context, t._(FIELDS["rule"]))
        await send(
            context,
            t._("The course has a single session: attending it completes the course."),
        )
        clear_state(context, EditingCourse)
        return END
    state = EditingCourse(state.code, data.field)
    set_state(context, state)
    await edit(query, context, t._(FIELDS[data.field]))
    await ask_value(context, state, sheet)
    return VALUE


async def ask_value(
    context: BotContext, state: EditingCourse, sheet: CourseSheet, notice: str | None = None
) -> None:
    """The question open in `state`, with its buttons, after `notice` (why the last answer
    was not taken)."""
    assert state.field is not None
    t = context.viewer.t
    text, rows = value_question(t, state.field, sheet, state.language, state.title)
    await send(context, f"{notice}\n\n{text}" if notice else text, rows)


async def _stored(context: BotContext, course: Course, query: CallbackQuery | None = None) -> int:
    """The change is saved: said (in place of the Confirm question if there was one), and
    the course's card as it now reads."""
    clear_state(context, EditingCourse)
    saved = context.viewer.t._("Saved.")
    if query is not None:
        await edit(query, context, saved)
    else:
        await send(context, saved)
    view = await context.services.course_registrations.view(course.code, context.viewer.user_id)
    if view is not None:
        await show_course(context, view)
    return END


async def _unchanged(context: BotContext, query: CallbackQuery | None = None) -> int:
    clear_state(context, EditingCourse)
    text = context.viewer.t._("Nothing was changed.")
    if query is not None:
        await edit(query, context, text)
    else:
        await send(context, text)
    return END


async def _gone(context: BotContext) -> int:
    clear_state(context, EditingCourse)
    await send(context, gone_text(context.viewer.t))
    return END


async def on_value(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_organizer(update, context, programme=True):
        return END
    current = await _editing(context)
    if current is None:
        return await _gone(context) if get_state(context, EditingCourse) else END
    state, sheet = current
    t = context.viewer.t
    if state.field is None:
        await send(context, t._("Please choose one of the buttons."))
        return _open_step(context)
    buttons_only = state.field in ("single", "certificate") or (
        state.field == "language" and state.language is None
    )
    if buttons_only:
        await ask_value(context, state, sheet, t._("Please choose one of the buttons."))
        return _open_step(context)
    try:
        return await _typed(context, state, sheet, message.text)
    except InputProblem as problem:
        await ask_value(context, state, sheet, plain(problem.problem.render(t)))
        return _open_step(context)


async def _typed(context: BotContext, state: EditingCourse, sheet: CourseSheet, raw: str) -> int:
    """A typed answer to the open question (InputProblem: not taken)."""
    services = context.services.course_admin
    course = sheet.course
    user_id = context.viewer.user_id
    language = context.viewer.t.language
    try:
        if state.field == "title":
            title = course_admin.course_title(raw)
            changed = await services.set_text(course, "title", title, user_id, language)
            return await _stored(context, changed)
        if state.field == "description":
            description = course_admin.course_description(raw)
            changed = await services.set_text(course, "description", description, user_id, language)
            return await _stored(context, changed)
        chosen, typed_title = state.language, state.title
        if state.field == "language" and chosen is not None and typed_title is None:
            asking = replace(state, title=course_admin.course_title(raw))
            set_state(context, asking)
            await ask_value(context, asking, sheet)
            return VALUE
        if state.field == "language" and chosen is not None and typed_title is not None:
            description = course_admin.course_description(raw)
            changed = await services.set_translation(
                course, chosen, typed_title, description, user_id
            )
            return await _stored(context, changed)
    except CourseGone:
        return await _gone(context)
    if state.field == "sessions":
        return await _sessions_typed(context, state, sheet, raw)
    required = course_admin.required_sessions(raw, len(sheet.sessions))
    return await _propose(context, sheet, sheet.sessions, required)


async def _sessions_typed(
    context: BotContext, state: EditingCourse, sheet: CourseSheet, raw: str
) -> int:
    typed = read_session_codes(raw, changes=True)
    choice = await context.services.course_admin.sessions_from(typed, sheet.course)
    if choice.problems:
        await ask_value(context, state, sheet, problems_text(context.viewer.t, choice.problems))
        return _open_step(context)
    if not choice.added and not choice.removed:
        return await _unchanged(context)
    return await _propose(context, sheet, choice.sessions, sheet.course.required_sessions)


async def _propose(
    context: BotContext, sheet: CourseSheet, sessions: Sequence[Event], required: int | None
) -> int:
    """New sessions or a new rule: saved at once when nobody is registered and no
    certificate was issued; otherwise what it means is said first, with Confirm and Keep."""
    course = sheet.course
    codes = tuple(event.code for event in sessions)
    if codes == _codes(sheet) and required == course.required_sessions:
        return await _unchanged(context)
    ids = [event.event_id for event in sessions]
    impact = await context.services.course_admin.impact(course, ids, required)
    if not impact.concerns_people:
        return await _store(context, sheet, codes, required)
    t = context.viewer.t
    question = await send(
        context,
        impact_text(t, sheet, codes, required, impact),
        [
            [
                (t._("Confirm"), ConfirmCourseChange(course.code)),
                (t._("Keep as it is"), KeepCourseAsItIs(course.code)),
            ]
        ],
    )
    state = get_state(context, EditingCourse) or EditingCourse(course.code)
    pending = PendingCourseChange(codes, required, question.message_id)
    set_state(context, replace(state, pending=pending))
    return CONFIRM


def _codes(sheet: CourseSheet) -> tuple[str, ...]:
    return tuple(event.code for event in sheet.sessions)


async def _store(
    context: BotContext,
    sheet: CourseSheet,
    codes: tuple[str, ...],
    required: int | None,
    query: CallbackQuery | None = None,
) -> int:
    """Save new sessions (`codes`, when they are not the course's) or a new rule."""
    services = context.services.course_admin
    user_id = context.viewer.user_id
    course = sheet.course
    try:
        if codes != _codes(sheet):
            course = await services.set_sessions(course, codes, user_id)
        else:
            course = await services.set_rule(course, required, user_id)
    except CourseGone:
        return await _gone(context)
    except SessionsTaken as taken:  # cancelled, or put in another course, meanwhile
        clear_state(context, EditingCourse)
        text = problems_text(context.viewer.t, taken.problems)
        if query is not None:
            await edit(query, context, text)
        else:
            await send(context, text)
        return END
    return await _stored(context, course, query)


def _open_step(context: BotContext) -> int:
    """Where a wrong answer leaves the edit: waiting for a value, or still for Confirm when
    a question asked it (its buttons stay valid)."""
    state = get_state(context, EditingCourse)
    if state is None:
        return END
    if state.pending is not None:
        return CONFIRM
    return VALUE if state.field is not None else CHOOSE


async def _pressed(
    update: Update, context: BotContext, *fields: CourseField
) -> tuple[CallbackQuery, EditingCourse, CourseSheet] | None:
    """A button answering the question open now (of one of `fields`), to be answered by the
    caller; None (and the press answered) for any other."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context, programme=True):
        return None
    current = await _editing(context)
    if current is None or current[0].field not in fields:
        await no_longer_active(query, context)
        return None
    return query, current[0], current[1]


async def on_language(update: Update, context: BotContext, data: EditCourseLanguage) -> int:
    pressed = await _pressed(update, context, "language")
    if pressed is None:
        return _open_step(context)
    query, state, sheet = pressed
    if state.language is not None:  # an old picker: the language was chosen already
        await no_longer_active(query, context)
        return _open_step(context)
    await answer(query)
    state = replace(state, language=data.language)
    set_state(context, state)
    question = context.viewer.t._("Add a title in which language?")
    await edit(query, context, f"{question}\n{bold(language_name(data.language))}")
    await ask_value(context, state, sheet)
    return VALUE


async def on_no_description(
    update: Update, context: BotContext, data: EditCourseNoDescription
) -> int:
    pressed = await _pressed(update, context, "language")
    if pressed is None:
        return _open_step(context)
    query, state, sheet = pressed
    if state.language is None or state.title is None:
        await no_longer_active(query, context)
        return _open_step(context)
    await answer(query)
    await edit(query, context, context.viewer.t._("Skip"))
    try:
        changed = await context.services.course_admin.set_translation(
            sheet.course, state.language, state.title, None, context.viewer.user_id
        )
    except CourseGone:
        return await _gone(context)
    return await _stored(context, changed)


async def _rule_chosen(update: Update, context: BotContext, required: int | None) -> int:
    pressed = await _pressed(update, context, "rule")
    if pressed is None:
        return _open_step(context)
    query, _, sheet = pressed
    count = len(sheet.sessions)
    if required is not None and required >= count:  # forged, or from a longer list of sessions
        await no_longer_active(query, context)
        return _open_step(context)
    await answer(query)
    await edit(query, context, rule_label(context.viewer.t, required, count))
    return await _propose(context, sheet, sheet.sessions, required)


async def on_all_sessions(update: Update, context: BotContext, data: EditCourseAllSessions) -> int:
    return await _rule_chosen(update, context, None)


async def on_at_least(update: Update, context: BotContext, data: EditCourseAtLeast) -> int:
    return await _rule_chosen(update, context, data.count)


async def on_answer(update: Update, context: BotContext, data: EditCourseAnswer) -> int:
    pressed = await _pressed(update, context, "single", "certificate")
    if pressed is None:
        return _open_step(context)
    query, state, sheet = pressed
    await answer(query)
    t = context.viewer.t
    value = data.answer == "yes"
    question = single_question(t) if state.field == "single" else certificate_question(t)
    await edit(query, context, f"{question}\n{bold(yes_no_label(t, value))}")
    services = context.services.course_admin
    course = sheet.course
    current = course.single_sessions if state.field == "single" else course.certificate
    if value == current:
        return await _unchanged(context)
    try:
        if state.field == "single":
            changed = await services.set_single_sessions(course, value, context.viewer.user_id)
        else:
            changed = await services.set_certificate(course, value, context.viewer.user_id)
    except CourseGone:
        return await _gone(context)
    return await _stored(context, changed)


async def _pending(
    update: Update, context: BotContext, code: str
) -> tuple[CallbackQuery, PendingCourseChange] | None:
    """The change the pressed Confirm or Keep belongs to: that of the question it is under,
    still open; None (and "no longer active") for any other press."""
    query = update.callback_query
    assert query is not None
    state = get_state(context, EditingCourse)
    pending = state.pending if state is not None else None
    pressed = query.message.message_id if query.message is not None else None
    if state is None or pending is None or state.code != code or pending.message_id != pressed:
        await no_longer_active(query, context)
        return None
    return query, pending


async def on_confirm(update: Update, context: BotContext, data: ConfirmCourseChange) -> int:
    if not await require_organizer(update, context, programme=True):
        return END
    found = await _pending(update, context, data.code)
    if found is None:
        return _open_step(context)
    query, pending = found
    await answer(query)
    current = await _editing(context)
    if current is None:
        clear_state(context, EditingCourse)
        await edit(query, context, gone_text(context.viewer.t))
        return END
    return await _store(context, current[1], pending.sessions, pending.required, query)


async def on_keep(update: Update, context: BotContext, data: KeepCourseAsItIs) -> int:
    if not await require_organizer(update, context, programme=True):
        return END
    found = await _pending(update, context, data.code)
    if found is None:
        return _open_step(context)
    await answer(found[0])
    return await _unchanged(context, found[0])


async def stop_editing(update: Update, context: BotContext) -> int:
    clear_state(context, EditingCourse)
    await send(context, context.viewer.t._("Stopped. Nothing was saved."))
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    def values() -> list[AnyHandler]:  # a handler belongs to one state: built for each
        return [
            MessageHandler(filters.TEXT & ~filters.COMMAND, on_value),
            on_press(EditCourseLanguage, on_language),
            on_press(EditCourseNoDescription, on_no_description),
            on_press(EditCourseAllSessions, on_all_sessions),
            on_press(EditCourseAtLeast, on_at_least),
            on_press(EditCourseAnswer, on_answer),
        ]

    wizard = build_wizard(
        "edit-course",
        entry_points=[CommandHandler("editcourse", begin_edit)],
        states={
            CHOOSE: [
                on_press(EditCourseField, on_field),
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_value),
            ],
            VALUE: values(),
            # The question before Confirm: another value may still be typed or chosen instead.
            CONFIRM: [
                on_press(ConfirmCourseChange, on_confirm),
                on_press(KeepCourseAsItIs, on_keep),
                *values(),
            ],
        },
        on_cancel=stop_editing,
        state=EditingCourse,
    )
    app.add_handler(wizard, group=GROUP_EDIT_COURSE)
