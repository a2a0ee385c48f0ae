"""What a programme file's courses do to the stored ones: checked, shown, then written.

Course and event codes are one namespace (`/start <code>` names either), so a file is refused
when a course of it has the code of a stored event, or an event of it the code of a stored
course (in any case, as codes are looked up). Otherwise each course the file creates or
changes becomes a `CoursePlan`: its values as they will be, the sessions joining and leaving
it, and how many it will have; the sessions of a course are counted without the cancelled
ones, as completion counts them. The plans are part of the import's preview (and of its
fingerprint), and `write_courses` applies them in the unit of work that writes the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.db import UnitOfWork
from bot.i18n import N_, SUPPORTED_LANGUAGES, Translator
from bot.models import Course, Event, EventDraft, EventText
from bot.problems import Problem
from bot.services import programme_courses as columns
from bot.services.programme_courses import CourseDraft, CourseValue, FileCourses

CODES_LISTED = 10  # event codes named on one line of the preview
SHORT = 40  # characters of a text value shown


@dataclass(frozen=True)
class CourseChange:
    column: str  # the programme file's column: course_required, course_title_fr...
    old: CourseValue
    new: CourseValue


@dataclass(frozen=True)
class CoursePlan:
    """What the file does to one course."""

    course: Course  # as it will be (course_id 0: not stored yet)
    new: bool
    sessions: int  # how many it will have (not cancelled)
    added: tuple[str, ...]  # codes of the sessions joining it
    leaving: tuple[str, ...]  # codes of the sessions leaving it (in no course, or another)
    changes: tuple[CourseChange, ...]  # a stored course: its own values, old → new

    @property
    def too_few(self) -> bool:
        """It asks for more sessions than it has: completing it means attending them all."""
        wanted = self.course.required_sessions
        return wanted is not None and wanted > self.sessions


@dataclass(frozen=True)
class CoursesPreview:
    plans: tuple[CoursePlan, ...] = ()
    certificates: tuple[tuple[str, bool], ...] = ()  # events whose own certificate is set so
    published: bool = False  # a stored course or a stored event's course or certificate changes

    @property
    def created(self) -> int:
        return sum(1 for plan in self.plans if plan.new)

    @property
    def updated(self) -> int:
        return sum(1 for plan in self.plans if not plan.new)


def code_problems(
    uow: UnitOfWork, drafts: Sequence[EventDraft], file: FileCourses
) -> list[tuple[int, Problem]]:
    """The file's codes that clash with stored ones (an event of the file with a course's
    code, a course of the file with an event's), and its new courses without a title, by row."""
    stored = {code.lower(): code for code in uow.courses.codes()}
    found: list[tuple[int, Problem]] = []
    for draft in drafts:
        holder = stored.get(draft.code.lower())
        if holder is not None:
            problem = Problem(
                N_(
                    "The code {code} is the code of the course {course}: a link names only "
                    "one of them. Choose another code for this event."
                ),
                {"code": draft.code, "course": holder},
            )
            found.append((file.event_rows.get(draft.code, 0), problem))
    in_file = {draft.code.lower() for draft in drafts}
    for course in file.courses:
        if course.code.lower() in stored:
            continue
        if course.code.lower() not in in_file and uow.courses.code_taken_by_event(course.code):
            problem = Problem(
                N_(
                    "The course code {code} is the code of an event already: a link names "
                    "only one of them. Choose another code for the course."
                ),
                {"code": course.code},
            )
            found.append((course.line, problem))
        elif not course.title:
            problem = Problem(
                N_(
                    "The new course {code} has no title: write it in the course_title column "
                    "on one of its rows."
                ),
                {"code": course.code},
            )
            found.append((course.line, problem))
    return sorted(found, key=lambda item: item[0])


def course_after(draft: CourseDraft, before: Course | None) -> Course:
    """The course as the file leaves it: the values it gives over the stored ones (or the
    defaults of a new course); the stored code is kept, in the case it was first written."""
    base = before or Course(0, draft.code, draft.title, "", {})
    values = draft.values
    texts: dict[str, EventText] = {}
    for language in SUPPORTED_LANGUAGES:
        old = base.texts.get(language, EventText(""))
        title = values.get(f"course_title_{language}", old.title)
        description = values.get(f"course_description_{language}", old.description)
        if title or description:
            texts[language] = EventText(str(title or ""), str(description or ""))
    texts |= {lang: text for lang, text in base.texts.items() if lang not in SUPPORTED_LANGUAGES}
    required = values.get(columns.REQUIRED, base.required_sessions)
    return Course(
        course_id=base.course_id,
        code=base.code,
        title=str(values.get(columns.TITLE) or base.title),
        description=str(values.get(columns.DESCRIPTION, base.description)),
        texts=texts,
        required_sessions=required if isinstance(required, int) else None,
        single_sessions=bool(values.get(columns.SINGLE_SESSIONS, base.single_sessions)),
        certificate=bool(values.get(columns.CERTIFICATE, base.certificate)),
    )


def course_changes(before: Course, after: Course) -> tuple[CourseChange, ...]:
    """The values of a stored course the file changes, as its columns name them."""
    pairs: list[tuple[str, CourseValue, CourseValue]] = [
        (columns.TITLE, before.title, after.title),
        (columns.DESCRIPTION, before.description, after.description),
    ]
    for language in SUPPORTED_LANGUAGES:
        old = before.texts.get(language, EventText(""))
        new = after.texts.get(language, EventText(""))
        for kind in columns.TEXT_KINDS:
            pairs.append((f"course_{kind}_{language}", getattr(old, kind), getattr(new, kind)))
    pairs += [
        (columns.REQUIRED, before.required_sessions, after.required_sessions),
        (columns.SINGLE_SESSIONS, before.single_sessions, after.single_sessions),
        (columns.CERTIFICATE, before.certificate, after.certificate),
    ]
    return tuple(CourseChange(name, old, new) for name, old, new in pairs if old != new)


@dataclass
class _Plan:
    before: Course | None
    after: Course
    stored_sessions: int
    added: list[str] = field(default_factory=list)
    leaving: list[str] = field(default_factory=list)


def plan_courses(
    uow: UnitOfWork, file: FileCourses, existing: Mapping[str, Event]
) -> CoursesPreview:
    """What the file does to courses, read in this unit of work (`existing`: the file's
    events that are stored, by code). Cancelled events are left as they are, in their course."""
    plans: dict[str, _Plan] = {}
    stored_by_id: dict[int, Course] = {}

    def plan_of(course: Course | None, draft: CourseDraft | None) -> _Plan:
        key = (course.code if course else draft.code if draft else "").lower()
        if key not in plans:
            after = course_after(draft, course) if draft is not None else course
            assert after is not None
            count = len(uow.courses.session_ids(course.course_id)) if course else 0
            plans[key] = _Plan(course, after, count)
        return plans[key]

    def stored(course_id: int) -> Course:
        if course_id not in stored_by_id:
            found = uow.courses.by_id(course_id)
            assert found is not None  # events.course_id references it
            stored_by_id[course_id] = found
        return stored_by_id[course_id]

    drafts = {draft.code.lower(): draft for draft in file.courses}
    for draft in file.courses:
        plan_of(uow.courses.by_code(draft.code), draft)
    published = False
    for code, target in file.course_of.items():
        event = existing.get(code)
        if event is not None and event.is_cancelled:
            continue
        current = stored(event.course_id) if event and event.course_id is not None else None
        target_key = target.lower() if target is not None else None
        if (current.code.lower() if current else None) == target_key:
            continue
        published = published or event is not None
        if current is not None:
            plan_of(current, drafts.get(current.code.lower())).leaving.append(code)
        if target_key is not None:
            plans[target_key].added.append(code)
    certificates: list[tuple[str, bool]] = []
    for code, own in file.certificates.items():
        event = existing.get(code)
        if event is None and own:
            certificates.append((code, own))
        elif event is not None and not event.is_cancelled and event.certificate != own:
            certificates.append((code, own))
            published = True
    found: list[CoursePlan] = []
    for plan in plans.values():
        changes = course_changes(plan.before, plan.after) if plan.before else ()
        if plan.before is not None and not (changes or plan.added or plan.leaving):
            continue  # the file says what is stored already
        published = published or plan.before is not None
        sessions = plan.stored_sessions + len(plan.added) - len(plan.leaving)
        found.append(
            CoursePlan(
                plan.after,
                plan.before is None,
                sessions,
                tuple(plan.added),
                tuple(plan.leaving),
                changes,
            )
        )
    return CoursesPreview(tuple(found), tuple(certificates), published)


def write_courses(uow: UnitOfWork, preview: CoursesPreview, now: datetime) -> None:
    """Apply the plans after the file's events are written: the courses saved, the sessions
    moved (leaving first, so a session moving from one course to another ends in the second),
    the events' own certificates set."""
    ids: dict[str, int] = {}
    for plan in preview.plans:
        course_id = plan.course.course_id
        if plan.new or plan.changes:
            course_id = uow.courses.save(plan.course, now)
        ids[plan.course.code] = course_id
    moved = [code for plan in preview.plans for code in (*plan.leaving, *plan.added)]
    events = uow.events.by_codes([*moved, *(code for code, _ in preview.certificates)])
    for plan in preview.plans:
        for code in plan.leaving:
            uow.courses.attach(events[code].event_id, None)
    for plan in preview.plans:
        for code in plan.added:
            uow.courses.attach(events[code].event_id, ids[plan.course.code])
    for code, own in preview.certificates:
        uow.courses.set_event_certificate(events[code].event_id, own)


# -- what the organizer reads ----------------------------------------------------------------


def course_counts(t: Translator, preview: CoursesPreview) -> list[str]:
    """The preview's counts of courses, when the file has any to create or change."""
    lines: list[str] = []
    if preview.created:
        lines.append(t.ngettext("{count} new course", "{count} new courses", preview.created))
    if preview.updated:
        lines.append(
            t.ngettext("{count} course changed", "{count} courses changed", preview.updated)
        )
    return lines


def course_items(t: Translator, preview: CoursesPreview) -> list[list[str]]:
    """Each course created or changed, with its sessions joining and leaving, its values
    changed, and a rule asking for more sessions than it has."""
    return [_plan_lines(t, plan) for plan in preview.plans]


def certificate_items(t: Translator, preview: CoursesPreview) -> list[list[str]]:
    """Each event whose own certificate of attendance is turned on or off."""
    return [[f"• {code}: {_value(t, own)}"] for code, own in preview.certificates]


def _plan_lines(t: Translator, plan: CoursePlan) -> list[str]:
    course = plan.course
    named = t._("{code} “{title}”", code=course.code, title=_short(course.title))
    details = [t.ngettext("{count} session", "{count} sessions", plan.sessions)]
    if course.required_sessions is None or course.required_sessions >= plan.sessions:
        details.append(t._("completed by attending all of them"))
    else:
        details.append(
            t.ngettext(
                "completed by attending {count} of them",
                "completed by attending {count} of them",
                course.required_sessions,
            )
        )
    rules = [t._("certificate on completion") if course.certificate else t._("no certificate")]
    if not course.single_sessions:
        rules.append(t._("registration for the whole course only"))
    summary = t.and_list([*details, *rules])  # as the language lists ("a、b和c")
    if plan.new:
        lines = ["• " + t._("New course {course}: {summary}", course=named, summary=summary)]
    else:
        lines = ["• " + t._("Course {course}: {summary}", course=named, summary=summary)]
    if plan.added and not plan.new:
        lines.append(
            "   "
            + t.ngettext(
                "{count} session added: {codes}",
                "{count} sessions added: {codes}",
                len(plan.added),
                codes=_codes(t, plan.added),
            )
        )
    if plan.leaving:
        lines.append(
            "   "
            + t.ngettext(
                "{count} session leaves the course: {codes}",
                "{count} sessions leave the course: {codes}",
                len(plan.leaving),
                codes=_codes(t, plan.leaving),
            )
        )
    for change in plan.changes:
        lines.append(f"   {change.column}: {_value(t, change.old)} → {_value(t, change.new)}")
    if plan.too_few:
        lines.append(
            "   "
            + t.ngettext(
                "course_required is {required}, but the course has {count} session: it is "
                "completed by attending it.",
                "course_required is {required}, but the course has {count} sessions: it is "
                "completed by attending all of them.",
                plan.sessions,
                required=course.required_sessions,
            )
        )
    return lines


def _codes(t: Translator, codes: Sequence[str]) -> str:
    shown = list(codes[:CODES_LISTED])
    if len(codes) > CODES_LISTED:
        shown.append("…")
    return t.and_list(shown)


def _value(t: Translator, value: CourseValue) -> str:
    if isinstance(value, bool):
        return t._("yes") if value else t._("no")
    if value is None:
        return t._("all")  # course_required empty: all of its sessions
    if value == "":
        return t._("(empty)")
    return _short(value) if isinstance(value, str) else str(value)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:SHORT] + ("…" if len(flat) > SHORT else "")
