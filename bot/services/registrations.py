"""Signing up, the waitlist, cancelling, and forgetting a user.

Every decision about a seat is taken inside one unit of work (`BEGIN IMMEDIATE`): the count of
confirmed seats is read and the new registration written with no other write in between, so a
burst of sign-ups never confirms more people than the event has seats, and a double tap
registers once. When a confirmed place frees up, the first person on the waitlist takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db import Database, UnitOfWork, to_db
from bot.metrics import NoMetrics, Observer
from bot.models import (
    ACTIVE_STATUSES,
    Audience,
    AudienceKind,
    CampaignKind,
    CoursePlace,
    Event,
    EventListing,
    EventStatus,
    EventView,
    Registration,
    RegistrationStatus,
)

EXPIRED_BATCH = 200  # people erased per unit of work by the retention rule


class SignUp(Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_CONFIRMED = "already-confirmed"
    ALREADY_WAITLISTED = "already-waitlisted"
    CLOSED = "closed"  # the session has started and has no free seat
    OVER = "over"  # the session has ended
    CANCELLED_EVENT = "cancelled-event"
    NO_SUCH_EVENT = "no-such-event"
    COURSE_ONLY = "course-only"  # a session of a course that is taken as a whole only


@dataclass(frozen=True)
class SignUpResult:
    outcome: SignUp
    position: int | None  # on the waitlist
    card: EventView | None  # the event as it stands after the sign-up, read in the same unit


class RegistrationClosed(Exception):
    """The session has started: registrations for it no longer change."""


@dataclass(frozen=True)
class Promotion:
    """Someone who moved from the waitlist to a confirmed seat and must be told."""

    user_id: int
    event_code: str


def _nothing() -> None:
    return None


def _seats_ignored(listing: EventListing) -> None:
    return None


class RegistrationService:
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

    async def sign_up(self, user_id: int, code: str) -> SignUpResult:
        """Register `user_id`: the outcome, the waitlist position, and the event's card as it
        stands now, all in one unit of work."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> SignUpResult:
            outcome = take_place(uow, code, user_id, now)
            card = read_card(uow, code, user_id, now)
            position = card.position if card is not None else None
            return SignUpResult(outcome, position, card)

        result = await self._db.write(work)
        if result.outcome in (SignUp.CONFIRMED, SignUp.WAITLISTED):
            self._observer.signed_up(result.outcome.value)
        if result.card is not None:
            self._seats_changed(result.card.listing)
        return result

    async def card(self, code: str, user_id: int) -> EventView | None:
        """An event as `user_id` sees it, in one read."""
        now = self._clock.now()
        return await self._db.read(lambda uow: read_card(uow, code, user_id, now))

    def is_open(self, event: Event) -> bool:
        """Whether people can sign up for (or give up a place at) the event now."""
        return closed_reason(event.status, event.starts_at, self._clock.now()) is None

    def can_cancel(self, event: Event) -> bool:
        """Places are given up before the session only, and not once the organizers cancelled
        it themselves: who was registered is what attendance is compared with."""
        return self.is_open(event)

    async def closed_reason(self, code: str) -> SignUp | None:
        """Why nobody can sign up for `code` now (gone, cancelled, over, started and full),
        None if one can: asked before the profile questions, so nobody answers eight of them
        in vain."""
        now = self._clock.now()

        def read(uow: UnitOfWork) -> SignUp | None:
            state = uow.registrations.seat_state(code)
            if state is None:
                return SignUp.NO_SUCH_EVENT
            refusal = signup_refusal(
                state.status, state.starts_at, state.ends_at, now, state.seat_free
            )
            if refusal is None and course_only(uow, state.course_id):
                return SignUp.COURSE_ONLY
            return refusal

        return await self._db.read(read)

    async def cancel(self, user_id: int, code: str) -> RegistrationStatus | None:
        """Give up a place; returns the status the user had, None if they had none.

        Raises RegistrationClosed once the session has started: who was registered is then
        part of the record that attendance is compared with.
        """
        now = self._clock.now()

        def work(
            uow: UnitOfWork,
        ) -> tuple[RegistrationStatus | None, list[Promotion], EventListing | None]:
            repo = uow.registrations
            state = repo.seat_state(code)
            if state is None:
                return None, [], None
            if closed_reason(state.status, state.starts_at, now) is not None:
                # started, or cancelled by the organizers (an old Yes button): as can_cancel
                # says, read again inside the unit of work
                raise RegistrationClosed(code)
            current = repo.status_of(state.event_id, user_id)
            if current not in ACTIVE_STATUSES:
                return None, [], None
            repo.set_status(state.event_id, user_id, RegistrationStatus.CANCELLED, now)
            promoted = fill_seats(uow, state.event_id, code, now)
            return current, promoted, uow.events.listing(code)

        previous, promoted, listing = await self._db.write(work)
        if listing is not None:
            self._seats_changed(listing)
        self._notify(promoted)
        return previous

    def _notify(self, promotions: list[Promotion]) -> None:
        if promotions:
            self._wake_delivery()

    async def of_user(self, user_id: int) -> tuple[list[Registration], list[Registration]]:
        """The user's active registrations: (upcoming, past), soonest and latest first."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Registration]:
            rows = uow.registrations.of_user(user_id)
            events = uow.events.by_codes(row[0] for row in rows)
            return [
                Registration(events[code], status, registered_at, position, attended)
                for code, status, registered_at, position, attended in rows
                if code in events
            ]

        registrations = await self._db.read(work)
        upcoming = [r for r in registrations if r.event.ends_at > now]
        past = [r for r in registrations if r.event.ends_at <= now]
        return upcoming, list(reversed(past))

    async def forget(self, user_id: int) -> None:
        """Erase a user's personal data; their registrations survive only as counts."""
        await self._forget([user_id])

    async def forget_expired(self, retention: timedelta, keep: frozenset[int]) -> int:
        """Erase the personal data of people whose last session ended more than `retention`
        ago (organizers in `keep` excepted); how many were erased. In batches, so the bot
        keeps answering between them."""
        cutoff = self._clock.now() - retention
        erased = 0
        while batch := await self._db.read(
            lambda uow: uow.users.expired(cutoff, keep, EXPIRED_BATCH), heavy=True
        ):
            await self._forget(batch)
            erased += len(batch)
        return erased

    async def _forget(self, user_ids: list[int]) -> None:
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Promotion]:
            promoted: list[Promotion] = []
            for user_id in user_ids:
                freed = uow.registrations.forget_user(user_id, now)
                uow.certificates.withdraw_of_user(user_id, now)  # no name left to verify
                uow.users.erase(user_id)
                for event_id in freed:
                    code = uow.events.code_of(event_id)
                    if code:
                        promoted += fill_seats(uow, event_id, code, now)
            return promoted

        self._notify(await self._db.write(work, heavy=len(user_ids) > 1))
        await self._db.flush_log()


def closed_reason(status: str, starts_at: datetime, now: datetime) -> SignUp | None:
    """Whether places change hands now (cancelling, the waitlist moving up): before the
    start only, and not once the organizers cancelled the event themselves. Who was
    registered at the start is what attendance is compared with."""
    if status == EventStatus.CANCELLED:
        return SignUp.CANCELLED_EVENT
    if starts_at <= now:
        return SignUp.CLOSED
    return None


def signup_refusal(
    status: str, starts_at: datetime, ends_at: datetime, now: datetime, seat_free: bool
) -> SignUp | None:
    """The one rule of whether someone may sign up now: before the start (on the waitlist
    when full), and while the session runs if a seat is free, so a late joiner who finds it
    gets the link; never once it is over."""
    if status == EventStatus.CANCELLED:
        return SignUp.CANCELLED_EVENT
    if now < starts_at:
        return None
    if now >= ends_at:
        return SignUp.OVER
    return None if seat_free else SignUp.CLOSED


def take_place(
    uow: UnitOfWork, code: str, user_id: int, now: datetime, *, whole_course: bool = False
) -> SignUp:
    """The one decision of a sign-up, inside the caller's unit of work: a seat while the
    event has one, else a place on its waitlist, or why neither. A place the user has already
    is left as it is. `whole_course`: one session of a registration for its whole course, to
    which the course's "whole course only" rule does not apply and which is skipped once it
    has started (a course is joined from its next session, never late into a running one)."""
    repo = uow.registrations
    state = repo.seat_state(code)
    if state is None:
        return SignUp.NO_SUCH_EVENT
    current = repo.status_of(state.event_id, user_id)
    if current == RegistrationStatus.CONFIRMED:
        return SignUp.ALREADY_CONFIRMED
    if current == RegistrationStatus.WAITLISTED:
        return SignUp.ALREADY_WAITLISTED
    late_seat = state.seat_free and not whole_course
    refusal = signup_refusal(state.status, state.starts_at, state.ends_at, now, late_seat)
    if refusal is not None:
        return refusal
    if not whole_course and course_only(uow, state.course_id):
        return SignUp.COURSE_ONLY
    if state.seat_free:
        repo.put(state.event_id, user_id, RegistrationStatus.CONFIRMED, now)
        return SignUp.CONFIRMED
    repo.put(state.event_id, user_id, RegistrationStatus.WAITLISTED, now)
    return SignUp.WAITLISTED


def course_only(uow: UnitOfWork, course_id: int | None) -> bool:
    """Whether the sessions of this course (None: of no course) are taken as a whole only."""
    if course_id is None:
        return False
    course = uow.courses.by_id(course_id)
    return course is not None and not course.single_sessions


def course_place(uow: UnitOfWork, event: Event) -> CoursePlace | None:
    """The course the event is a session of, and its number among the course's sessions."""
    if event.course_id is None:
        return None
    course = uow.courses.by_id(event.course_id)
    if course is None:
        return None
    sessions = uow.courses.session_ids(course.course_id)
    number = sessions.index(event.event_id) + 1 if event.event_id in sessions else None
    return CoursePlace(course, number, len(sessions))


def read_card(uow: UnitOfWork, code: str, user_id: int, now: datetime) -> EventView | None:
    listing = uow.events.listing(code)
    if listing is None:
        return None
    event = listing.event
    status, position = uow.registrations.standing(event.event_id, user_id)
    is_open = closed_reason(event.status, event.starts_at, now) is None
    in_progress = not event.is_cancelled and event.starts_at <= now < event.ends_at
    checked_in = in_progress and uow.attendance.attended(event.event_id, user_id)
    course = course_place(uow, event)
    return EventView(listing, status, position, is_open, in_progress, checked_in, course)


def fill_seats(uow: UnitOfWork, event_id: int, code: str, now: datetime) -> list[Promotion]:
    """Give freed seats to the first people on the waitlist, inside the caller's unit of work;
    the good news is queued in that same unit of work as the seat itself."""
    repo = uow.registrations
    state = repo.seat_state(code)
    if state is None or closed_reason(state.status, state.starts_at, now) is not None:
        return []
    free = None if state.capacity is None else state.capacity - state.confirmed
    if free is not None and free <= 0:
        return []
    waiting = repo.next_waiting(event_id, free if free is not None else 1_000_000)
    for waiting_user in waiting:
        repo.set_status(event_id, waiting_user, RegistrationStatus.CONFIRMED, now)
        uow.outbox.enqueue(
            CampaignKind.PROMOTION,
            f"promotion:{event_id}:{waiting_user}:{to_db(now)}",
            Audience(AudienceKind.USER, waiting_user),
            {},
            now,
            event_id=event_id,
        )
    return [Promotion(user, code) for user in waiting]
