"""Training courses made and changed in chat by organizers of the whole programme
(/newcourse, /editcourse): the sessions an answer names, a readable code, the course stored
with its sessions in one unit of work, and what a change means for the people in it.

The rules are the programme file's, from the same places: a title or a description
(`event_fields.parse_title`, `parse_description`), how many sessions complete a course
(`event_fields.parse_required_sessions`: at least one), a code (`event_codes.typed_code`:
the pattern, and no `verify-` prefix), and one namespace with the events: a code names an
event or a course, in any case. A session belongs to one course at most, and a cancelled
event joins none (one that is part of a course stays in it, as the programme file leaves it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.i18n import N_
from bot.models import Course, Event, EventText, InLanguages
from bot.problems import InputProblem
from bot.services import event_fields as fields
from bot.services.event_codes import title_slug, unique_code
from bot.services.event_fields import CODE_PATTERN, is_reserved

MAX_CODES = 100  # codes in one answer: far more than a course has sessions
# What people put between codes, on any keyboard: spaces, commas (Arabic and Chinese ones
# too), semicolons. A sign stuck to a code (or one space before it) adds or removes it.
_SEPARATORS = "\\s,;،，、؛"
_TOKEN = re.compile(f"([+\\-−]?)[{_SEPARATORS}]*([^{_SEPARATORS}+\\-−][^{_SEPARATORS}]*)")

TextKind = Literal["title", "description"]
ProblemReason = Literal["unknown", "cancelled", "taken", "absent", "empty"]


def course_title(raw: str) -> str:
    """A course's title as typed: the programme file's limit, and not empty."""
    title = fields.parse_title(raw)
    if not title:
        raise InputProblem(N_("The title cannot be empty."))
    return title


def course_description(raw: str) -> str:
    return fields.parse_description(raw)


def required_sessions(raw: str, sessions: int) -> int | None:
    """How many of a course's `sessions` complete it, as typed: at least one (the programme
    file's rule), at most as many as it has; None when that is all of them."""
    required = fields.parse_required_sessions(raw)
    if required is None or required == sessions:
        return None
    if required > sessions:
        raise InputProblem(
            N_("Please choose a number from 1 to {count}, the number of the course’s sessions."),
            count=sessions,
        )
    return required


@dataclass(frozen=True)
class TypedSessions:
    """The codes of an answer: a whole list, or sessions to add and to remove."""

    codes: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def read_session_codes(raw: str, changes: bool = False) -> TypedSessions:
    """Event codes separated by spaces or commas, as typed on any keyboard; with `changes`,
    `+code` and `-code` instead add a session to a course and remove one. InputProblem for
    an answer without codes, with too many, or mixing the two ways."""
    text = unicodedata.normalize("NFKC", raw)
    words = [(sign, code) for sign, code in _TOKEN.findall(text)]
    if not words:
        raise InputProblem(N_("Please send at least one event code."))
    if len(words) > MAX_CODES:
        raise InputProblem(N_("Please send at most {limit} codes at once."), limit=MAX_CODES)
    signed = [(sign, code) for sign, code in words if sign]
    if not changes or not signed:
        return TypedSessions(codes=tuple(dict.fromkeys(code for _, code in words)))
    if len(signed) != len(words):
        raise InputProblem(
            N_("Please send either +CODE and -CODE, or the whole new list of codes, not both.")
        )
    return TypedSessions(
        added=tuple(dict.fromkeys(code for sign, code in words if sign == "+")),
        removed=tuple(dict.fromkeys(code for sign, code in words if sign != "+")),
    )


@dataclass(frozen=True)
class SessionProblem:
    """Why a code of an answer cannot be one of the course's sessions."""

    code: str  # as typed ("" for "empty": no session would be left)
    reason: ProblemReason
    course: Course | None = None  # "taken": the course it is a session of


@dataclass(frozen=True)
class SessionChoice:
    """The course's sessions as an answer leaves them (soonest first), or its problems."""

    sessions: tuple[Event, ...] = ()
    added: tuple[Event, ...] = ()
    removed: tuple[Event, ...] = ()
    problems: tuple[SessionProblem, ...] = ()


@dataclass(frozen=True)
class NewCourse:
    """A course as an organizer described it, before it is stored."""

    code: str
    title: str
    description: str
    sessions: tuple[str, ...]  # codes of its events, as stored
    required_sessions: int | None  # None: all of them
    single_sessions: bool
    certificate: bool

    def as_course(self) -> Course:
        """The course this becomes: for the preview before it is saved."""
        return Course(
            0,
            self.code,
            self.title,
            self.description,
            {},
            required_sessions=self.required_sessions,
            single_sessions=self.single_sessions,
            certificate=self.certificate,
        )


@dataclass(frozen=True)
class CourseSheet:
    """A course as /editcourse shows it: its sessions that take place, soonest first."""

    course: Course
    sessions: tuple[Event, ...]


@dataclass(frozen=True)
class CourseImpact:
    """What changing a course's sessions or rule means for the people in it."""

    registered: int  # people with a place in one of its sessions
    certificates: int  # its certificates standing (issued, not revoked or withdrawn)
    completed_before: int  # people who completed it as it is
    completed_after: int  # ...and as the change leaves it
    leaving_registered: int  # people with a place in a session that leaves it

    @property
    def concerns_people(self) -> bool:
        """Whether anyone is registered or holds a certificate: then it is asked first."""
        return bool(self.registered or self.certificates)


class CodeTaken(Exception):
    """An event or a course has the code (in any case)."""

    def __init__(self, code: str, holder: InLanguages) -> None:
        super().__init__(code)
        self.code = code
        self.holder = holder


class SessionsTaken(Exception):
    """A session chosen was cancelled, or joined another course, since it was chosen."""

    def __init__(self, problems: tuple[SessionProblem, ...]) -> None:
        super().__init__(", ".join(problem.code for problem in problems))
        self.problems = problems


class CourseGone(Exception):
    """The course no longer exists."""


def code_holder(uow: UnitOfWork, code: str) -> InLanguages | None:
    """The event, else the course, whose code is `code` in any case."""
    return uow.events.holder_of(code) or uow.courses.by_code(code)


def _sessions(uow: UnitOfWork, course_id: int) -> list[Event]:
    found = (uow.events.by_id(event_id) for event_id in uow.courses.session_ids(course_id))
    return [event for event in found if event is not None]


def _soonest_first(events: Sequence[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=lambda event: (event.starts_at, event.event_id)))


def _choose(uow: UnitOfWork, typed: TypedSessions, course: Course | None) -> SessionChoice:
    current = _sessions(uow, course.course_id) if course is not None else []
    problems: list[SessionProblem] = []
    found: dict[int, Event] = {}
    for code in typed.codes or typed.added:
        listing = uow.events.listing_typed(code) if CODE_PATTERN.match(code) else None
        event = listing.event if listing is not None else None
        if event is None:
            problems.append(SessionProblem(code, "unknown"))
        elif event.is_cancelled:
            problems.append(SessionProblem(code, "cancelled"))
        elif event.course_id not in (None, course.course_id if course else None):
            assert event.course_id is not None
            problems.append(SessionProblem(code, "taken", uow.courses.by_id(event.course_id)))
        else:
            found[event.event_id] = event
    kept = {event.event_id: event for event in current}
    by_code = {event.code.lower(): event for event in current}
    for code in typed.removed:
        leaving = by_code.get(code.lower())
        if leaving is None:
            problems.append(SessionProblem(code, "absent"))
        else:
            kept.pop(leaving.event_id, None)
    after = found if typed.codes else kept | found
    if not problems and not after:
        problems.append(SessionProblem("", "empty"))
    before = {event.event_id for event in current}
    return SessionChoice(
        _soonest_first(list(after.values())),
        _soonest_first([event for event in after.values() if event.event_id not in before]),
        _soonest_first([event for event in current if event.event_id not in after]),
        tuple(problems),
    )


def _completed(counts: dict[int, int], required: int) -> int:
    return sum(1 for count in counts.values() if required and count >= required)


class CourseAdminService:
    def __init__(self, db: Database, clock: Clock, changed: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._changed = changed  # the programme's lists kept for a moment name courses

    async def sessions_from(
        self, typed: TypedSessions, course: Course | None = None
    ) -> SessionChoice:
        """The sessions an answer names: a new course's (or `course`'s whole new list), or
        `course`'s with the sessions it adds and removes; every code that cannot be named."""
        return await self._db.read(lambda uow: _choose(uow, typed, course))

    async def propose_code(self, title: str, first_start: datetime) -> str:
        """A readable code that no event or course has: whole words of the title, else
        "course" and the month of its first session ("course-2026-12")."""
        slug = title_slug(title)
        base = slug if slug and not is_reserved(slug) else f"course-{first_start:%Y-%m}"
        taken = await self._db.read(
            lambda uow: uow.events.codes_like(base) | uow.courses.codes_like(base)
        )
        return unique_code(base, taken)

    async def holder_of(self, code: str) -> InLanguages | None:
        """The event or course that has this code, in any case."""
        return await self._db.read(lambda uow: code_holder(uow, code))

    async def create(self, new: NewCourse, admin_id: int) -> Course:
        """Store the course and make its events its sessions, in one unit of work; CodeTaken
        or SessionsTaken when another organizer took the code or a session meanwhile."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> Course:
            holder = code_holder(uow, new.code)
            if holder is not None:
                raise CodeTaken(new.code, holder)
            choice = _choose(uow, TypedSessions(codes=new.sessions), None)
            if choice.problems:
                raise SessionsTaken(choice.problems)
            course_id = uow.courses.save(new.as_course(), now)
            for event in choice.sessions:
                uow.courses.attach(event.event_id, course_id)
            codes = " ".join(event.code for event in choice.sessions)
            uow.audit.record(admin_id, "new-course", f"{new.code} {codes}", now)
            course = uow.courses.by_id(course_id)
            assert course is not None
            return course

        course = await self._db.write(work)
        self._changed()
        return course

    async def sheet(self, code: str) -> CourseSheet | None:
        """The course of `code` (in any case) and its sessions that take place."""

        def read(uow: UnitOfWork) -> CourseSheet | None:
            course = uow.courses.by_code(code)
            if course is None:
                return None
            return CourseSheet(course, tuple(_sessions(uow, course.course_id)))

        return await self._db.read(read)

    async def impact(
        self, course: Course, sessions: Sequence[int], required: int | None
    ) -> CourseImpact:
        """What giving `course` these sessions (event ids) and this rule would mean."""

        def read(uow: UnitOfWork) -> CourseImpact:
            current = uow.courses.session_ids(course.course_id)
            fresh = uow.courses.by_id(course.course_id) or course
            after = replace(fresh, required_sessions=required)
            leaving = [event_id for event_id in current if event_id not in sessions]
            return CourseImpact(
                registered=uow.courses.registered(current),
                certificates=len(uow.certificates.of_subject(course_id=course.course_id)),
                completed_before=_completed(
                    uow.courses.attendance_counts_in(current), fresh.required_of(len(current))
                ),
                completed_after=_completed(
                    uow.courses.attendance_counts_in(sessions), after.required_of(len(sessions))
                ),
                leaving_registered=uow.courses.registered(leaving),
            )

        return await self._db.read(read)

    async def _update(
        self,
        course: Course,
        admin_id: int,
        what: str,
        change: Callable[[UnitOfWork, Course], Course],
    ) -> Course:
        """Change the course as it is stored now (CourseGone if it is not), with its audit
        entry, in one unit of work; the course as it is after."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> Course:
            fresh = uow.courses.by_id(course.course_id)
            if fresh is None:
                raise CourseGone(course.code)
            uow.courses.save(change(uow, fresh), now)
            uow.audit.record(admin_id, "edit-course", f"{fresh.code} {what}", now)
            after = uow.courses.by_id(course.course_id)
            assert after is not None
            return after

        changed = await self._db.write(work)
        self._changed()
        return changed

    async def set_text(
        self, course: Course, kind: TextKind, value: str, admin_id: int, language: str
    ) -> Course:
        """Set the title or the description. It is changed in `language` (the organizer's)
        when the course has its own text of that kind in that language: that is the one the
        organizer was shown and meant; otherwise the default one."""

        def change(uow: UnitOfWork, fresh: Course) -> Course:
            own = fresh.texts.get(language)
            if own is not None and getattr(own, kind):
                text = (
                    replace(own, title=value)
                    if kind == "title"
                    else replace(own, description=value)
                )
                return replace(fresh, texts={**fresh.texts, language: text})
            if kind == "title":
                return replace(fresh, title=value)
            return replace(fresh, description=value)

        return await self._update(course, admin_id, kind, change)

    async def set_translation(
        self,
        course: Course,
        language: str,
        title: str,
        description: str | None,
        admin_id: int,
    ) -> Course:
        """The title (and the description; None: the one it has) in `language`."""

        def change(uow: UnitOfWork, fresh: Course) -> Course:
            own = fresh.texts.get(language, EventText(""))
            text = EventText(title, own.description if description is None else description)
            return replace(fresh, texts={**fresh.texts, language: text})

        return await self._update(course, admin_id, f"texts {language}", change)

    async def set_sessions(self, course: Course, codes: Sequence[str], admin_id: int) -> Course:
        """Make these events (codes as stored) the course's sessions; the others leave it.
        SessionsTaken when one was cancelled or joined another course meanwhile."""

        def change(uow: UnitOfWork, fresh: Course) -> Course:
            choice = _choose(uow, TypedSessions(codes=tuple(codes)), fresh)
            if choice.problems:
                raise SessionsTaken(choice.problems)
            for event in choice.removed:
                uow.courses.attach(event.event_id, None)
            for event in choice.added:
                uow.courses.attach(event.event_id, fresh.course_id)
            return fresh

        return await self._update(course, admin_id, "sessions", change)

    async def set_rule(self, course: Course, required: int | None, admin_id: int) -> Course:
        """How many of its sessions complete it (None: all of them)."""
        return await self._update(
            course,
            admin_id,
            "required_sessions",
            lambda uow, fresh: replace(fresh, required_sessions=required),
        )

    async def set_single_sessions(self, course: Course, allowed: bool, admin_id: int) -> Course:
        return await self._update(
            course,
            admin_id,
            "single_sessions",
            lambda uow, fresh: replace(fresh, single_sessions=allowed),
        )

    async def set_certificate(self, course: Course, certificate: bool, admin_id: int) -> Course:
        return await self._update(
            course,
            admin_id,
            "certificate",
            lambda uow, fresh: replace(fresh, certificate=certificate),
        )
