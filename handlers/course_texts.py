"""How /newcourse and /editcourse read: their questions, the reasons a session is refused,
what completes a course, the course as organizers change it, and what a risky change means.

Pure functions from domain values to text (and buttons), like `handlers.course_views`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.i18n import SUPPORTED_LANGUAGES, Translator, language_name
from bot.models import Course
from bot.services.course_admin import CourseImpact, CourseSheet, SessionProblem
from handlers.buttons import (
    ButtonData,
    CourseField,
    EditCourseAllSessions,
    EditCourseAnswer,
    EditCourseAtLeast,
    EditCourseLanguage,
    EditCourseNoDescription,
    YesNo,
)
from handlers.html import bold, plain, user_text
from handlers.ui import Button

RULE_BUTTONS = 12  # "At least 1" to "At least 12"; a larger number is typed
Rows = list[list[Button]]


def problem_text(t: Translator, problem: SessionProblem) -> str:
    """Why a code typed as a session is refused."""
    code = user_text(problem.code[:64])
    if problem.reason == "unknown":
        return t._("There is no event with the code {code}.", code=code)
    if problem.reason == "cancelled":
        return t._(
            "The event {code} is cancelled: a cancelled event cannot join a course.", code=code
        )
    if problem.reason == "taken":
        course = problem.course
        return t._(
            "The event {code} is already a session of the course {course} (“{title}”).",
            code=code,
            course=plain(course.code) if course else "?",
            title=user_text(course.title_in(t.language)) if course else "",
        )
    if problem.reason == "absent":
        return t._("The event {code} is not a session of this course.", code=code)
    return t._("A course needs at least one session.")


def problems_text(t: Translator, problems: Sequence[SessionProblem]) -> str:
    return "\n".join(problem_text(t, problem) for problem in problems)


def rule_question(t: Translator, sessions: int) -> str:
    return t.ngettext(
        "The course has {count} session. How many must a participant attend to complete "
        "it? Choose, or send a number.",
        "The course has {count} sessions. How many must a participant attend to complete "
        "it? Choose, or send a number.",
        sessions,
    )


def rule_rows(
    t: Translator,
    sessions: int,
    every: ButtonData,
    at_least: Callable[[int], ButtonData],
) -> Rows:
    """The buttons of what completes a course: all its sessions, then "At least k" for
    fewer (as many as fit; a larger number is typed)."""
    rows: Rows = [[(t.ngettext("All {count} session", "All {count} sessions", sessions), every)]]
    fewer: list[Button] = [
        (t.ngettext("At least {count}", "At least {count}", k), at_least(k))
        for k in range(1, min(sessions, RULE_BUTTONS + 1))
    ]
    rows += [fewer[i : i + 4] for i in range(0, len(fewer), 4)]
    return rows


def rule_label(t: Translator, required: int | None, sessions: int) -> str:
    """What completes a course of `sessions`, as a sentence."""
    if required is None or required >= sessions:
        # TRANSLATORS: {count} is there for every form that needs it.
        return t.ngettext(
            "Completed by attending its session.",
            "Completed by attending all {count} sessions.",
            sessions,
        )
    return t.ngettext(
        "Completed by attending at least {required} of its {count} session.",
        "Completed by attending at least {required} of its {count} sessions.",
        sessions,
        required=t.number(required),
    )


def yes_no_rows(t: Translator, make: Callable[[YesNo], ButtonData]) -> Rows:
    return [[(t._("Yes"), make("yes")), (t._("No"), make("no"))]]


def yes_no_label(t: Translator, value: bool) -> str:
    return t._("Yes") if value else t._("No")


def description_question(t: Translator) -> str:
    return t._("Describe the course in a few sentences.")


def single_question(t: Translator) -> str:
    return t._(
        "May participants register for single sessions of the course? If not, they "
        "register for the whole course at once."
    )


def certificate_question(t: Translator) -> str:
    return t._("Does completing the course give a certificate?")


def sessions_example() -> str:
    return "flood-1, flood-2, flood-3"


def saved_text(t: Translator, course: Course, link: str) -> str:
    lines = [
        t._(
            "Saved. The course’s code is {code} and its link is {link}", code=course.code, link=link
        )
    ]
    if course.certificate:
        lines.append(
            t._(
                "/editcourse {code} adds titles in other languages; /certificates {code} "
                "preview shows a sample of its certificate.",
                code=course.code,
            )
        )
    else:
        lines.append(t._("/editcourse {code} adds titles in other languages.", code=course.code))
    return "\n".join(lines)


def titled_languages(course: Course) -> list[str]:
    return [code for code in SUPPORTED_LANGUAGES if (text := course.texts.get(code)) and text.title]


def summary_text(t: Translator, sheet: CourseSheet, zone: str) -> str:
    """The course as organizers change it: what each button below changes."""
    course = sheet.course
    count = len(sheet.sessions)
    languages = [language_name(code) for code in titled_languages(course)]
    lines = [
        bold(course.title_in(t.language)),
        t._("Code: {code}", code=course.code),
        t._("Titles in other languages: {languages}", languages=t.and_list(languages))
        if languages
        else t._("No titles in other languages yet."),
        "",
    ]
    if sheet.sessions:
        lines.append(t.ngettext("{count} session:", "{count} sessions:", count))
        for number, event in enumerate(sheet.sessions, start=1):
            title = plain(event.title_in(t.language))
            lines.append(
                f"{t.number(number)}. {title} · {event.code} · {t.when(event.starts_at, zone)}"
            )
    else:
        lines.append(t._("No sessions are planned yet."))
    lines += [
        "",
        rule_label(t, course.required_sessions, count),
        t._("Participants may register for single sessions.")
        if course.single_sessions
        else t._("Participants register for the whole course only."),
        t._("Completing it gives a certificate.")
        if course.certificate
        else t._("Completing it gives no certificate."),
        "",
        t._("What do you want to change?"),
    ]
    return "\n".join(lines)


def impact_text(
    t: Translator,
    sheet: CourseSheet,
    codes: tuple[str, ...],
    required: int | None,
    impact: CourseImpact,
) -> str:
    """What new sessions or a new rule mean, as the question before Confirm says it."""
    course = sheet.course
    title = user_text(course.title_in(t.language))
    before = [event.code for event in sheet.sessions]
    added = [code for code in codes if code not in before]
    leaving = [code for code in before if code not in codes]
    lines: list[str] = []
    if added or leaving:
        lines.append(t._("Change the sessions of “{title}”?", title=title))
        if added:
            lines.append(
                t.ngettext(
                    "{count} session added: {codes}",
                    "{count} sessions added: {codes}",
                    len(added),
                    codes=", ".join(added),
                )
            )
        if leaving:
            lines.append(
                t.ngettext(
                    "{count} session leaves the course: {codes}",
                    "{count} sessions leave the course: {codes}",
                    len(leaving),
                    codes=", ".join(leaving),
                )
            )
    else:
        lines += [
            t._("Change what completes “{title}”?", title=title),
            t._("Now: {value}", value=rule_label(t, course.required_sessions, len(before))),
            t._("After the change: {value}", value=rule_label(t, required, len(codes))),
        ]
    if impact.registered:
        lines.append(
            t.ngettext(
                "{count} person is registered for its sessions.",
                "{count} people are registered for its sessions.",
                impact.registered,
            )
        )
    if impact.leaving_registered:
        lines.append(
            t.ngettext(
                "{count} person registered for a session that leaves the course keeps their "
                "place in it, but that session no longer counts towards the course.",
                "{count} people registered for sessions that leave the course keep their "
                "places in them, but those sessions no longer count towards the course.",
                impact.leaving_registered,
            )
        )
    if added and impact.registered:
        lines.append(
            t._(
                "Nobody is registered for the new sessions yet: the course’s participants get "
                "them by pressing “Register for the whole course” again on its page."
            )
        )
    lines += [
        t.ngettext(
            "{count} participant has completed it as it is now.",
            "{count} participants have completed it as it is now.",
            impact.completed_before,
        ),
        t.ngettext(
            "After the change, {count} participant will have completed it.",
            "After the change, {count} participants will have completed it.",
            impact.completed_after,
        ),
    ]
    if impact.certificates:
        lines.append(
            t.ngettext(
                "{count} certificate has been issued: it stays valid.",
                "{count} certificates have been issued: they stay valid.",
                impact.certificates,
            )
        )
    if course.certificate and impact.completed_after > impact.completed_before:
        lines.append(
            t._(
                "/certificates {code} lists the certificates earned and not issued yet.",
                code=course.code,
            )
        )
    return "\n".join(lines)


def value_question(
    t: Translator,
    field: CourseField,
    sheet: CourseSheet,
    language: str | None = None,
    title: str | None = None,
) -> tuple[str, Rows]:
    """/editcourse's question for a new value of `field`, and its buttons; for another
    language: the language (None until chosen), then its title (None until typed)."""
    course = sheet.course
    count = len(sheet.sessions)
    rows: Rows = []
    if field == "title":
        text = t._("Send the new title.")
    elif field == "description":
        text = description_question(t)
    elif field == "language" and language is None:
        text = t._("Add a title in which language?")
        buttons: list[Button] = [
            (
                language_name(code) + (" ✓" if code in titled_languages(course) else ""),
                EditCourseLanguage(code),
            )
            for code in SUPPORTED_LANGUAGES
        ]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    elif field == "language" and language is not None and title is None:
        text = t._("Send the title in {language}.", language=t.language_in_text(language))
        own = course.texts.get(language)
        if own is not None and own.title:
            text += "\n" + t._("Now: {value}", value=user_text(own.title))
    elif field == "language" and language is not None:
        text = t._(
            "Send the description in {language}, or press Skip to leave it as it is.",
            language=t.language_in_text(language),
        )
        rows = [[(t._("Skip"), EditCourseNoDescription())]]
    elif field == "sessions":
        codes = ", ".join(event.code for event in sheet.sessions)
        text = "\n".join(
            [
                t._("Its sessions now: {codes}", codes=codes or "—"),
                t._(
                    "Send +CODE to add a session and -CODE to remove one (several at once, "
                    "separated by spaces or commas; for example: {example}), or send the "
                    "whole new list of codes.",
                    example="+flood-5 -flood-2",
                ),
            ]
        )
    elif field == "rule":
        now = t._("Now: {value}", value=rule_label(t, course.required_sessions, count))
        text = f"{now}\n{rule_question(t, count)}"
        rows = rule_rows(t, count, EditCourseAllSessions(), EditCourseAtLeast)
    elif field == "single":
        text = single_question(t)
        rows = yes_no_rows(t, EditCourseAnswer)
    else:
        text = certificate_question(t)
        rows = yes_no_rows(t, EditCourseAnswer)
    return text, rows
