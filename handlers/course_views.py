"""How a training course looks in a chat: its card, the answer to registering for all of it,
and its progress line in /my.

Pure functions from domain values to (text, buttons), like `handlers.event_views`, whose
helpers (seats, deep links, the share dialog) they reuse so a course reads like its sessions.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import Translator
from bot.models import Course, CourseProgress, Event, RegistrationStatus
from bot.services.course_registrations import (
    CourseSignUp,
    CourseView,
    SessionSignUp,
    SessionStanding,
)
from bot.services.registrations import SignUp
from handlers.buttons import CancelCourse, EventCard, RegisterCourse
from handlers.event_views import (
    FIRST_PAGE,
    MAX_BUTTON_TITLE,
    deep_link,
    register_rows,
    seats_text,
    share_url,
)
from handlers.html import bold, plain
from handlers.ui import Button


def _shorten(text: str, limit: int = MAX_BUTTON_TITLE) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rule_text(t: Translator, course: Course, sessions: int, certificate: bool = True) -> str:
    """How the course is completed, and (`certificate`) whether that earns a certificate."""
    required = course.required_of(sessions)
    if required < sessions:
        rule = t.ngettext(
            "Attend at least {count} of the {total} sessions to complete the course.",
            "Attend at least {count} of the {total} sessions to complete the course.",
            required,
            total=t.number(sessions),
        )
    else:
        # TRANSLATORS: {count} is there for every form that needs it.
        rule = t.ngettext(
            "Attend the session to complete the course.",
            "Attend all {count} sessions to complete the course.",
            sessions,
        )
    if certificate and course.certificate:
        rule = t.sentences(rule, t._("A certificate is issued when you complete it."))
    return rule


def _standing_text(t: Translator, session: SessionStanding, now: datetime) -> str:
    """Where the viewer stands in one session of the course, or its seats."""
    event, status = session.event, session.status
    if session.attended:
        return "✅ " + t._("attended")
    if event.starts_at <= now < event.ends_at:
        if status == RegistrationStatus.CONFIRMED:
            return t._("registered, happening now")
        # TRANSLATORS: a session of a course, in its list: it is running now.
        return t._("happening now")
    if event.ends_at <= now:
        if status == RegistrationStatus.CONFIRMED:
            return t._("no attendance recorded")
        if status == RegistrationStatus.WAITLISTED:
            return t._("stayed on the waitlist")
        # TRANSLATORS: a session of a course, in its list: it has ended.
        return t._("over")
    if status == RegistrationStatus.CONFIRMED:
        return "✅ " + t._("registered")
    if status == RegistrationStatus.WAITLISTED:
        position = t.number(session.position or 0)
        return "⏳ " + t._("waitlist, number {position}", position=position)
    return seats_text(t, session.listing)


def _where_you_stand(t: Translator, view: CourseView) -> list[str]:
    progress = view.progress
    lines: list[str] = []
    if progress.completed:
        lines.append("✅ " + t._("You completed the course."))
    elif progress.attended_count:
        lines.append(
            t.ngettext(
                "Attended so far: {attended} of {count} session.",
                "Attended so far: {attended} of {count} sessions.",
                len(progress.sessions),
                attended=t.number(progress.attended_count),
            )
        )
    if view.whole_course:
        lines.append("✅ " + t._("You are registered for the whole course."))
    elif view.registered:
        lines.append(
            t.ngettext(
                "You are registered for {registered} of the {count} session still to come.",
                "You are registered for {registered} of the {count} sessions still to come.",
                len(view.open_sessions),
                registered=t.number(view.registered),
            )
        )
    elif view.sessions and not view.open_sessions and not progress.completed:
        lines.append(t._("Registration is closed: every session has started."))
    return lines


def course_screen(
    t: Translator,
    zone: str,
    view: CourseView,
    now: datetime,
    *,
    bot_username: str,
    for_organizer: bool,
    form: str | None = None,
) -> tuple[str, list[list[Button]]]:
    """The course's card; `form`: the Mini App form's address for this course, for a viewer
    who has no profile yet."""
    course = view.course
    title = course.title_in(t.language)
    count = len(view.sessions)
    lines = [bold(title)]
    if count:  # a course without sessions yet says so below
        lines.append(
            t.ngettext(
                "Training course, {count} session", "Training course, {count} sessions", count
            )
        )
    description = course.description_in(t.language)
    if description:
        lines += ["", plain(description)]
    rows: list[list[Button]] = []
    if not view.sessions:
        lines += ["", t._("No sessions are planned yet.")]
    else:
        lines += [
            "",
            t._("Times in {zone}", zone=t.timezone_label(zone, view.sessions[0].event.starts_at)),
        ]
        for number, session in enumerate(view.sessions, start=1):
            event = session.event
            lines.append(f"{t.number(number)}. <b>{plain(event.title_in(t.language))}</b>")
            when = t.when(event.starts_at, zone, "full")
            lines.append(f"    {when} · {_standing_text(t, session, now)}")
            if course.single_sessions and session.is_open:
                label = f"{t.number(number)}. {_shorten(event.title_in(t.language))}"
                rows.append([(label, EventCard(event.code, None, 0))])
        lines += ["", rule_text(t, course, count)]
    standing = _where_you_stand(t, view)
    if standing:
        lines += ["", *standing]
    actions: list[list[Button]] = []
    if view.open_sessions and not view.whole_course:
        label = t._("Register for the whole course")
        actions += register_rows(t, label, RegisterCourse(course.code), form)
    if view.registered:
        actions.append([(t._("Cancel my registration for the course"), CancelCourse(course.code))])
    if not course.single_sessions and view.open_sessions:
        lines += ["", t._("Its sessions are taken together: one registration covers them all.")]
    if for_organizer:
        link = deep_link(bot_username, course.code)
        lines += ["", t._("Code: {code}", code=course.code), t._("Link: {link}", link=link)]
    rows = [*actions, *rows]
    rows.append([(t._("Share"), share_url(bot_username, course.code, title))])
    rows.append([(t._("◀ Back to the list"), FIRST_PAGE)])
    return "\n".join(lines), rows


def _outcome_text(t: Translator, session: SessionSignUp) -> str:
    outcome = session.outcome
    position = t.number(session.position or 0)
    if outcome is SignUp.CONFIRMED:
        return "✅ " + t._("registered")
    if outcome is SignUp.WAITLISTED:
        return "⏳ " + t._("waitlist, number {position}", position=position)
    if outcome is SignUp.ALREADY_CONFIRMED:
        # TRANSLATORS: a session of a course after "Register for the whole course": the
        # participant had a seat before.
        return t._("already registered")
    if outcome is SignUp.ALREADY_WAITLISTED:
        return t._("already on the waitlist, number {position}", position=position)
    # TRANSLATORS: a session of a course after "Register for the whole course": it has begun,
    # so it was not joined.
    return t._("closed: it has started")


def signed_up_text(t: Translator, zone: str, result: CourseSignUp) -> str:
    """The answer to "Register for the whole course": each session still to come (or
    running) with what the registration gave it, what the calendar file holds, what
    happens next."""
    course = result.view.course
    title = f"<b>{plain(course.title_in(t.language))}</b>"
    current = result.sessions
    if not result.placed:
        return t._("Registration for “{title}” is closed: every session has started.", title=title)
    lines = [
        t._("Your registration for the training course “{title}”:", title=title),
        t._("Times in {zone}", zone=t.timezone_label(zone, current[0].event.starts_at)),
    ]
    for session in current:
        event = session.event
        lines.append(f"• <b>{plain(event.title_in(t.language))}</b>")
        lines.append(f"  {t.when(event.starts_at, zone, 'full')} · {_outcome_text(t, session)}")
    lines.append("")
    seated = len(result.seated)
    if seated:
        # TRANSLATORS: {count} is there for every form that needs it.
        lines.append(
            t.ngettext(
                "Open the calendar file to add the session to your calendar.",
                "Open the calendar file to add the {count} sessions to your calendar.",
                seated,
            )
        )
    if any(s.outcome in (SignUp.WAITLISTED, SignUp.ALREADY_WAITLISTED) for s in current):
        lines.append(
            t._(
                "For the sessions where you are on the waitlist, I will write to you as soon "
                "as a seat is free, with its calendar file."
            )
        )
    lines.append(
        t._("I will send each session’s join link with its reminders. To cancel, send /my.")
    )
    return "\n".join(lines)


def progress_text(
    t: Translator,
    zone: str,
    progress: CourseProgress,
    next_event: Event | None,
    to_come: int | None = None,
    certified: bool = False,
) -> str:
    """A course in /my: “Urban floods”: 3 of 4 sessions attended; 1 to go: the next one.
    `to_come`: its sessions not over yet; fewer than it takes, and it says so rather than
    promising a completion that can no longer come. `certified`: the reader holds its
    certificate (issued under the rule as it was, or by hand)."""
    title = f"<b>{plain(progress.course.title_in(t.language))}</b>"
    attended = t.ngettext(
        "{attended} of {count} session attended",
        "{attended} of {count} sessions attended",
        len(progress.sessions),
        attended=t.number(progress.attended_count),
    )
    if progress.completed or certified:  # a certificate says it, whatever the rule is now
        # TRANSLATORS: a course in /my; {attended} is "3 of 4 sessions attended".
        return "✅ " + t._("“{title}”: {attended}; completed", title=title, attended=attended)
    if to_come is not None and progress.to_go > to_come:
        # TRANSLATORS: a course in /my that too few sessions remain to complete.
        return t._(
            "“{title}”: {attended}; too few sessions remain to complete it",
            title=title,
            attended=attended,
        )
    # TRANSLATORS: sessions still to attend to complete a course ("1 to go").
    to_go = t.ngettext("{count} to go", "{count} to go", progress.to_go)
    if next_event is None:
        return t._("“{title}”: {attended}; {to_go}", title=title, attended=attended, to_go=to_go)
    # TRANSLATORS: the next session of a course in /my: its title and when it starts.
    upcoming = t._(
        "“{title}”, {when}",
        title=plain(next_event.title_in(t.language)),
        when=t.when(next_event.starts_at, zone),
    )
    # TRANSLATORS: a course in /my: “Urban floods”: 3 of 4 sessions attended; 1 to go: the
    # next session.
    return t._(
        "“{title}”: {attended}; {to_go}; next: {next}",
        title=title,
        attended=attended,
        to_go=to_go,
        next=upcoming,
    )
