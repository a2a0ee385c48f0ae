"""/my: the participant's registrations, upcoming (with a cancel button each) and past, and
the training courses they are in, each with its progress and its sessions grouped under it."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.models import CourseProgress, Event, Registration, RegistrationStatus
from handlers.buttons import CancelRegistration, CheckInHere, CourseCard
from handlers.context import BotContext
from handlers.course_views import progress_text
from handlers.html import bold, plain
from handlers.messages import join_now_text
from handlers.ui import Button, send
from handlers.wizards import GROUP_GENERAL

MAX_PAST = 10
MAX_BUTTON_TITLE = 30


def _state(t: Translator, registration: Registration, now: datetime) -> str:
    event = registration.event
    if event.is_cancelled:
        return t._("cancelled by the organizers")
    if registration.status == RegistrationStatus.WAITLISTED:
        if event.starts_at <= now:
            return t._("stayed on the waitlist")
        return t._("waitlist, number {position}", position=t.number(registration.position or 0))
    if event.starts_at <= now < event.ends_at:
        if registration.attended:
            return t._("registered, happening now") + " · ✅ " + t._("You are checked in.")
        return t._("registered, happening now")
    if event.ends_at <= now:  # what counts now is whether they were there
        return "✅ " + t._("attended") if registration.attended else t._("no attendance recorded")
    return t._("registered")


def _running_for(registration: Registration, now: datetime) -> bool:
    """A confirmed registration whose session is running: its link is what counts now."""
    event = registration.event
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and not event.is_cancelled
        and event.starts_at <= now < event.ends_at
    )


def _line(t: Translator, zone: str, registration: Registration, now: datetime) -> str:
    event = registration.event
    title = plain(event.title_in(t.language))
    when = t.when(event.starts_at, zone)
    line = f"• <b>{title}</b>\n  {when} · {_state(t, registration, now)}"
    if _running_for(registration, now):
        line += f"\n  {join_now_text(t, event)}"
    return line


def _short(title: str) -> str:
    return title if len(title) <= MAX_BUTTON_TITLE else title[: MAX_BUTTON_TITLE - 1] + "…"


async def _courses_of(
    context: BotContext, registrations: list[Registration]
) -> list[CourseProgress]:
    """The courses of these registrations, in the order their sessions come (the next one
    first), with where the viewer stands in each."""
    found: list[CourseProgress] = []
    ids = (r.event.course_id for r in registrations if r.event.course_id is not None)
    for course_id in dict.fromkeys(ids):
        progress = await context.services.courses.progress(course_id, context.viewer.user_id)
        if progress is not None and progress.sessions:
            found.append(progress)
    return found


def _next_session(
    progress: CourseProgress, registrations: list[Registration], now: datetime
) -> Event | None:
    """The course's next session: the next one the viewer has a place in, else its next."""
    mine = (r.event for r in registrations if r.event.course_id == progress.course.course_id)
    return next((e for e in mine if e.starts_at > now), None) or next(
        (e for e in progress.sessions if e.starts_at > now), None
    )


def _course_lines(
    t: Translator,
    zone: str,
    courses: list[CourseProgress],
    registrations: list[Registration],
    now: datetime,
    certified: set[int],
) -> list[str]:
    """Each course's progress, and its sessions the viewer registered for, soonest first."""
    lines = [bold(t._("Your training courses"))]
    for number, progress in enumerate(courses):
        if number:
            lines.append("")
        to_come = sum(1 for event in progress.sessions if event.ends_at > now)
        lines.append(
            progress_text(
                t,
                zone,
                progress,
                _next_session(progress, registrations, now),
                to_come,
                certified=progress.course.course_id in certified,
            )
        )
        sessions = [r for r in registrations if r.event.course_id == progress.course.course_id]
        for registration in sorted(sessions, key=lambda r: r.event.starts_at):
            lines.append(_line(t, zone, registration, now))
    return lines


async def my_registrations(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    t = viewer.t
    upcoming, past = await context.services.registrations.of_user(viewer.user_id)
    if not upcoming and not past:
        await send(context, t._("You have no registrations yet. Send /events to find a session."))
        return
    now = context.now()
    # The zone once, at the top: every time below is in it.
    lines: list[str] = [t._("Times in {zone}", zone=t.timezone_label(viewer.timezone, now)), ""]
    rows: list[list[Button]] = []
    courses = await _courses_of(context, [*upcoming, *past])
    grouped = {progress.course.course_id for progress in courses}  # listed under their course
    single = [r for r in upcoming if r.event.course_id not in grouped]
    if single:
        lines.append(bold(t._("Your upcoming sessions")))
        lines += [_line(t, viewer.timezone, registration, now) for registration in single]
    if courses:
        if single:
            lines.append("")
        held = await context.services.certificates.held(viewer.user_id)
        certified = {paper.course_id for paper, _ in held if paper.course_id is not None}
        lines += _course_lines(t, viewer.timezone, courses, [*upcoming, *past], now, certified)
    for registration in upcoming:  # a session of a course may be given up alone too
        if _running_for(registration, now) and not registration.attended:
            title = _short(registration.event.title_in(t.language))
            label = t._("Check in: {title}", title=title)
            rows.append([(label, CheckInHere(registration.event.event_id))])
        if not context.services.registrations.can_cancel(registration.event):
            continue
        short = _short(registration.event.title_in(t.language))
        label = (
            t._("Leave the waitlist: {title}", title=short)
            if registration.status == RegistrationStatus.WAITLISTED
            else t._("Cancel: {title}", title=short)
        )
        rows.append([(label, CancelRegistration(registration.event.code))])
    for progress in courses:
        label = t._("Training course: {title}", title=_short(progress.course.title_in(t.language)))
        rows.append([(label, CourseCard(progress.course.code))])
    past = [r for r in past if r.event.course_id not in grouped]
    if past:
        if single or courses:
            lines.append("")
        lines.append(bold(t._("Past sessions")))
        lines += [_line(t, viewer.timezone, r, now) for r in past[:MAX_PAST]]
    await send(context, "\n".join(lines), rows)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("my", my_registrations), group=GROUP_GENERAL)
