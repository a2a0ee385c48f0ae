"""Registering for a whole training course, and a course as one participant sees it.

One press registers for every session of the course still to come, each exactly as a single
sign-up would (`take_place`: a seat while there is one, else the waitlist), all in one unit of
work: nobody is overbooked, a second press changes nothing, places the participant had already
are left as they are, and sessions that have started are skipped (a course is joined from its
next session). Giving the course up gives up every place still to come, and each waitlist moves
up as after any cancellation, in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.metrics import NoMetrics, Observer
from bot.models import (
    ACTIVE_STATUSES,
    Course,
    CourseProgress,
    Event,
    EventListing,
    RegistrationStatus,
)
from bot.services.registrations import (
    Promotion,
    SignUp,
    closed_reason,
    fill_seats,
    take_place,
)

# What a registration for the whole course gave each session.
NEW_PLACES = frozenset({SignUp.CONFIRMED, SignUp.WAITLISTED})
KEPT_PLACES = frozenset({SignUp.ALREADY_CONFIRMED, SignUp.ALREADY_WAITLISTED})
SEATS = frozenset({SignUp.CONFIRMED, SignUp.ALREADY_CONFIRMED})


@dataclass(frozen=True)
class SessionStanding:
    """One session of a course as the participant stands in it."""

    listing: EventListing
    status: RegistrationStatus | None
    position: int | None  # on the waitlist, 1 = next in line
    attended: bool
    is_open: bool  # not started: places can be taken and given up

    @property
    def event(self) -> Event:
        return self.listing.event

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class CourseView:
    """A course as one participant sees it: its sessions that take place, soonest first."""

    course: Course
    sessions: tuple[SessionStanding, ...]

    @property
    def progress(self) -> CourseProgress:
        attended = frozenset(s.event.event_id for s in self.sessions if s.attended)
        return CourseProgress(self.course, tuple(s.event for s in self.sessions), attended)

    @property
    def open_sessions(self) -> tuple[SessionStanding, ...]:
        return tuple(session for session in self.sessions if session.is_open)

    @property
    def registered(self) -> int:
        """How many of the sessions still to come the participant has a place in."""
        return sum(1 for session in self.open_sessions if session.is_active)

    @property
    def whole_course(self) -> bool:
        """A place in every session still to come (there is at least one)."""
        return bool(self.open_sessions) and self.registered == len(self.open_sessions)


@dataclass(frozen=True)
class SessionSignUp:
    """What registering for the course did for one of its sessions."""

    event: Event
    outcome: SignUp
    position: int | None  # on the waitlist


@dataclass(frozen=True)
class CourseSignUp:
    sessions: tuple[SessionSignUp, ...]  # those not over yet, soonest first
    view: CourseView  # the course as it stands after, read in the same unit of work

    @property
    def seated(self) -> list[Event]:
        """The sessions where the participant has a seat: what their calendar gets."""
        return [s.event for s in self.sessions if s.outcome in SEATS]

    @property
    def placed(self) -> bool:
        """Whether the participant has a place (new or kept) in any session."""
        return any(s.outcome in NEW_PLACES | KEPT_PLACES for s in self.sessions)


def _nothing() -> None:
    return None


def _seats_ignored(listing: EventListing) -> None:
    return None


def read_view(uow: UnitOfWork, course: Course, user_id: int, now: datetime) -> CourseView:
    attended = uow.courses.attended(course.course_id, user_id)
    sessions: list[SessionStanding] = []
    for event_id in uow.courses.session_ids(course.course_id):
        code = uow.events.code_of(event_id)
        listing = uow.events.listing(code) if code else None
        if listing is None:
            continue
        event = listing.event
        status, position = uow.registrations.standing(event_id, user_id)
        is_open = closed_reason(event.status, event.starts_at, now) is None
        sessions.append(SessionStanding(listing, status, position, event_id in attended, is_open))
    return CourseView(course, tuple(sessions))


class CourseRegistrationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        wake_delivery: Callable[[], None] = _nothing,
        seats_changed: Callable[[EventListing], None] = _seats_ignored,
        observer: Observer | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._wake_delivery = wake_delivery
        self._seats_changed = seats_changed  # the programme's lists, kept for a moment
        self._observer = observer or NoMetrics()

    async def view(self, code: str, user_id: int) -> CourseView | None:
        """The course of `code` (in any case) as `user_id` sees it; None if there is none."""
        now = self._clock.now()

        def read(uow: UnitOfWork) -> CourseView | None:
            course = uow.courses.by_code(code)
            return read_view(uow, course, user_id, now) if course is not None else None

        return await self._db.read(read)

    async def can_join(self, code: str) -> bool:
        """Whether a session of the course is still to come: asked before the profile
        questions, so nobody answers them for a course that can no longer be joined."""
        now = self._clock.now()

        def read(uow: UnitOfWork) -> bool:
            course = uow.courses.by_code(code)
            if course is None:
                return False
            found = uow.events.by_id
            sessions = (found(event_id) for event_id in uow.courses.session_ids(course.course_id))
            return any(event is not None and event.starts_at > now for event in sessions)

        return await self._db.read(read)

    async def sign_up(self, user_id: int, code: str) -> CourseSignUp | None:
        """Register `user_id` for every session of the course still to come, in one unit of
        work; None if there is no such course."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> CourseSignUp | None:
            course = uow.courses.by_code(code)
            if course is None:
                return None
            outcomes: list[SessionSignUp] = []
            for event_id in uow.courses.session_ids(course.course_id):
                event = uow.events.by_id(event_id)
                if event is None or event.ends_at <= now:  # over: history, not a place to take
                    continue
                outcome = take_place(uow, event.code, user_id, now, whole_course=True)
                position = uow.registrations.standing(event_id, user_id)[1]
                outcomes.append(SessionSignUp(event, outcome, position))
            return CourseSignUp(tuple(outcomes), read_view(uow, course, user_id, now))

        result = await self._db.write(work)
        if result is not None:
            changed = {s.event.event_id for s in result.sessions if s.outcome in NEW_PLACES}
            for taken in result.sessions:  # counted per session, as single sign-ups are
                if taken.outcome in NEW_PLACES:
                    self._observer.signed_up(taken.outcome.value)
            for session in result.view.sessions:
                if session.event.event_id in changed:
                    self._seats_changed(session.listing)
        return result

    async def cancel(self, user_id: int, code: str) -> tuple[list[Event], CourseView] | None:
        """Give up every place of the course still to come (sessions that have started keep
        theirs: who was registered is what attendance is compared with); the sessions given
        up, and the course as it stands after. None if there is no such course."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[list[Event], list[Promotion], CourseView] | None:
            course = uow.courses.by_code(code)
            if course is None:
                return None
            given_up: list[Event] = []
            promoted: list[Promotion] = []
            for session in read_view(uow, course, user_id, now).open_sessions:
                if not session.is_active:
                    continue
                event = session.event
                uow.registrations.set_status(
                    event.event_id, user_id, RegistrationStatus.CANCELLED, now
                )
                promoted += fill_seats(uow, event.event_id, event.code, now)
                given_up.append(event)
            return given_up, promoted, read_view(uow, course, user_id, now)

        result = await self._db.write(work)
        if result is None:
            return None
        given_up, promoted, view = result
        cancelled = {event.event_id for event in given_up}
        for session in view.sessions:
            if session.event.event_id in cancelled:
                self._seats_changed(session.listing)
        if promoted:
            self._wake_delivery()
        return given_up, view
