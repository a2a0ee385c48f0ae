"""Training courses: a course's card (its deep link, or the button on one of its sessions),
registering for the whole course in one press, and giving it up.

Registering for the course takes the same road as registering for one session: the profile
questions first if the participant has none (`handlers.profile`, entered by either button),
then one message saying what each session got, with one calendar file holding every seat, and
the card pressed shows the new state.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import CallbackQuery, Update
from telegram.ext import Application

from bot.models import Event
from bot.services.calendar import first_reminder, sessions_file
from bot.services.course_registrations import CourseView
from bot.services.event_fields import CODE_PATTERN
from handlers.buttons import (
    CancelCourse,
    ConfirmCancelCourse,
    CourseCard,
    KeepRegistration,
)
from handlers.context import BotContext
from handlers.course_views import course_screen, signed_up_text
from handlers.events import form_for, open_event_from_link, remember_form_card, show_not_found
from handlers.html import user_text
from handlers.presses import on_press
from handlers.ui import Button, answer, edit, edit_message, send, send_with_file, show_screen
from handlers.wizards import GROUP_GENERAL


async def open_from_link(
    context: BotContext,
    code: str,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> None:
    """A deep link's event or course (their codes share links, in any case), or a kind word
    and the list when it names neither; in place of the pressed message (the language
    picker) if there is one."""
    if await open_event_from_link(context, code, query, notice):
        return
    if CODE_PATTERN.match(code):
        view = await context.services.course_registrations.view(code, context.viewer.user_id)
        if view is not None:
            await show_course(context, view, query, notice)
            return
    await show_not_found(context, code, query, notice)


def _screen(context: BotContext, view: CourseView) -> tuple[str, list[list[Button]]]:
    viewer = context.viewer
    return course_screen(
        viewer.t,
        viewer.timezone,
        view,
        context.now(),
        bot_username=context.bot.username,
        for_organizer=viewer.is_organizer,
        form=form(view.course.code) if (form := form_for(context, "course")) else None,
    )


async def show_course(
    context: BotContext,
    view: CourseView,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> None:
    """The course's card in place of the pressed message, or as a new one; a `notice`
    above it (a greeting, the language just chosen) saves a message of its own."""
    text, rows = _screen(context, view)
    shown = await show_screen(context, text, rows, query, notice)
    remember_form_card(context, "course", view.course.code, shown, rows)


async def _show_course_again(context: BotContext, view: CourseView, message_id: int) -> None:
    """After the profile questions: the message whose button started them is the course's
    card again, as it stands now (see `handlers.events.show_card_again`)."""
    text, rows = _screen(context, view)
    await edit_message(context, message_id, text, rows)


async def on_course_button(update: Update, context: BotContext, data: CourseCard) -> None:
    query = update.callback_query
    assert query is not None
    view = await context.services.course_registrations.view(data.code, context.viewer.user_id)
    if view is None:
        await answer(query, context.viewer.t._("This training course no longer exists."))
        return
    await answer(query)
    await show_course(context, view, query)


async def course_calendar(
    context: BotContext, code: str, events: Sequence[Event]
) -> tuple[str, bytes]:
    """One calendar file with every session given: each entry as its own file writes it,
    its alarm at the bot's first reminder of it."""
    reminders = context.services.reminders
    alarms = {e.event_id: first_reminder(await reminders.offsets_of(e.event_id)) for e in events}
    language = context.viewer.t.language
    return sessions_file(code, events, language, context.now(), context.bot.username, alarms)


async def sign_up_course(
    context: BotContext,
    code: str,
    query: CallbackQuery | None = None,
    preface: str | None = None,
    card_message: int | None = None,
) -> None:
    """Register the viewer (their profile exists) for every session of the course still to
    come, and tell them what each got in one message (after `preface`, if any), with one
    calendar file of their seats; then the card pressed (or the message `card_message`,
    where the card was before the profile questions) shows the course as it stands."""
    viewer = context.viewer
    t = viewer.t
    result = await context.services.course_registrations.sign_up(viewer.user_id, code)
    if result is None:
        text = t._("This training course no longer exists.")
        await send(context, f"{preface}\n\n{text}" if preface else text)
        return
    text = signed_up_text(t, viewer.timezone, result)
    if preface:
        text = f"{preface}\n\n{text}"
    pressed = query is not None and query.message is not None
    if not result.placed and pressed and preface is None:
        # Nothing can be joined any more: the card pressed says so, in place.
        await show_course(context, result.view, query, notice=text)
        return
    if result.seated:
        ics = await course_calendar(context, result.view.course.code, result.seated)
        await send_with_file(context.bot, viewer.user_id, t.directed(text), ics)
    else:
        await send(context, text)
    context.answer_delivered()  # the card below is cosmetic: not worth the answer twice
    if pressed:
        await show_course(context, result.view, query)
    elif card_message is not None:
        await _show_course_again(context, result.view, card_message)


def _no_place_text(context: BotContext, title: str) -> str:
    return context.viewer.t._(
        "You have no place in a session of “{title}” still to come.", title=title
    )


async def on_cancel_button(update: Update, context: BotContext, data: CancelCourse) -> None:
    """Ask before giving the course up: a mis-tap must not cost someone all their seats."""
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    view = await context.services.course_registrations.view(data.code, context.viewer.user_id)
    if view is None:
        await answer(query, t._("This training course no longer exists."))
        return
    await answer(query)
    title = user_text(view.course.title_in(t.language))
    if not view.registered:  # given up meanwhile, or every session has started
        await send(context, _no_place_text(context, title))
        return
    # TRANSLATORS: {count} is there for every form that needs it.
    question = t.ngettext(
        "Give up your place in the session of “{title}” still to come?",
        "Give up your places in the {count} sessions of “{title}” still to come?",
        view.registered,
        title=title,
    )
    yes = (t._("Yes, cancel my registration"), ConfirmCancelCourse(data.code))
    await send(context, question, [[yes, (t._("No, keep it"), KeepRegistration())]])


async def on_confirm_cancel(update: Update, context: BotContext, data: ConfirmCancelCourse) -> None:
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    result = await context.services.course_registrations.cancel(context.viewer.user_id, data.code)
    if result is None:
        await answer(query, t._("This training course no longer exists."))
        return
    await answer(query)
    given_up, view = result
    title = user_text(view.course.title_in(t.language))
    if not given_up:  # an old button: nothing left to give up
        await edit(query, context, _no_place_text(context, title))
        return
    done = t.ngettext(
        "Your registration for “{title}” is cancelled: {count} session given up.",
        "Your registration for “{title}” is cancelled: {count} sessions given up.",
        len(given_up),
        title=title,
    )
    await edit(query, context, done)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(on_press(CourseCard, on_course_button), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelCourse, on_cancel_button), group=GROUP_GENERAL)
    app.add_handler(on_press(ConfirmCancelCourse, on_confirm_cancel), group=GROUP_GENERAL)
