"""Signing up, the waitlist, cancelling, and forgetting a user.

Every decision about a seat is taken inside one unit of work (`BEGIN IMMEDIATE`): the count of
confirmed seats is read and the new registration written with no other write in between, so a
burst of sign-ups never confirms more people than the event has seats, and a double tap
registers once. When a confirmed place frees up, the first person on the waitlist takes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import aiosqlite

from bot.clock import Clock
from bot.db import Database, to_db
from bot.models import Audience, Event, Registration


class SignUp(Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY_CONFIRMED = "already-confirmed"
    ALREADY_WAITLISTED = "already-waitlisted"
    CLOSED = "closed"  # the event has started
    CANCELLED_EVENT = "cancelled-event"
    NO_SUCH_EVENT = "no-such-event"


class RegistrationClosed(Exception):
    """The session has started: registrations for it no longer change."""


@dataclass(frozen=True)
class Promotion:
    """Someone who moved from the waitlist to a confirmed seat and must be told."""

    user_id: int
    event_code: str


def _nothing() -> None:
    return None


class RegistrationService:
    def __init__(
        self, db: Database, clock: Clock, wake_delivery: Callable[[], None] = _nothing
    ) -> None:
        self._db = db
        self._clock = clock
        self._wake_delivery = wake_delivery

    async def sign_up(self, user_id: int, code: str) -> tuple[SignUp, int | None]:
        """Register `user_id`; the outcome and, for the waitlist, the position in it."""
        now = self._clock.now()
        repo = self._db.registrations
        async with self._db.transaction() as conn:
            state = await repo.seat_state(conn, code)
            if state is None:
                return SignUp.NO_SUCH_EVENT, None
            current = await repo.current(conn, state.event_id, user_id)
            if current == "confirmed":
                return SignUp.ALREADY_CONFIRMED, None
            if current == "waitlisted":
                outcome = SignUp.ALREADY_WAITLISTED
            elif state.status == "cancelled":
                return SignUp.CANCELLED_EVENT, None
            elif state.starts_at <= now:
                return SignUp.CLOSED, None
            elif state.capacity is None or state.confirmed < state.capacity:
                await repo.put(conn, state.event_id, user_id, "confirmed", now)
                return SignUp.CONFIRMED, None
            else:
                await repo.put(conn, state.event_id, user_id, "waitlisted", now)
                outcome = SignUp.WAITLISTED
        return outcome, await repo.position(state.event_id, user_id)

    def can_cancel(self, event: Event) -> bool:
        """Places are given up before the session only, and not once the organizers cancelled
        it themselves: who was registered is what attendance is compared with."""
        return not event.is_cancelled and event.starts_at > self._clock.now()

    async def closed_reason(self, code: str) -> SignUp | None:
        """Why nobody can sign up for `code` now (gone, cancelled, started), None if one can:
        asked before the profile questions, so nobody answers eight of them in vain."""
        event = await self._db.events.by_code(code)
        if event is None:
            return SignUp.NO_SUCH_EVENT
        if event.is_cancelled:
            return SignUp.CANCELLED_EVENT
        if event.starts_at <= self._clock.now():
            return SignUp.CLOSED
        return None

    async def cancel(self, user_id: int, code: str) -> str | None:
        """Give up a place; returns the status the user had, None if they had none.

        Raises RegistrationClosed once the session has started: who was registered is then
        part of the record that attendance is compared with.
        """
        now = self._clock.now()
        repo = self._db.registrations
        async with self._db.transaction() as conn:
            state = await repo.seat_state(conn, code)
            if state is None:
                return None
            if state.starts_at <= now:  # as in can_cancel, read inside the unit of work
                raise RegistrationClosed(code)
            current = await repo.current(conn, state.event_id, user_id)
            if current not in ("confirmed", "waitlisted"):
                return None
            await repo.set_status(conn, state.event_id, user_id, "cancelled", now)
            promoted = await self._fill_seats(conn, state.event_id, code)
        self._notify(promoted)
        return current

    async def fill_freed_seats(self, code: str) -> list[Promotion]:
        """After an event gained seats (its capacity was raised), let the waitlist in."""
        async with self._db.transaction() as conn:
            state = await self._db.registrations.seat_state(conn, code)
            promoted = await self._fill_seats(conn, state.event_id, code) if state else []
        self._notify(promoted)
        return promoted

    async def _fill_seats(
        self, conn: aiosqlite.Connection, event_id: int, code: str
    ) -> list[Promotion]:
        repo = self._db.registrations
        state = await repo.seat_state(conn, code)
        if state is None or state.status == "cancelled" or state.starts_at <= self._clock.now():
            return []
        free = None if state.capacity is None else state.capacity - state.confirmed
        if free is not None and free <= 0:
            return []
        waiting = await repo.next_waiting(conn, event_id, free if free is not None else 1_000_000)
        now = self._clock.now()
        for waiting_user in waiting:
            await repo.set_status(conn, event_id, waiting_user, "confirmed", now)
            # The good news is queued in the same unit of work as the seat itself.
            await self._db.outbox.enqueue_in(
                conn,
                "promotion",
                f"promotion:{event_id}:{waiting_user}:{to_db(now)}",
                Audience("user", waiting_user),
                {},
                now,
                event_id=event_id,
            )
        return [Promotion(user, code) for user in waiting]

    def _notify(self, promotions: list[Promotion]) -> None:
        if promotions:
            self._wake_delivery()

    async def status(self, event: Event, user_id: int) -> tuple[str | None, int | None]:
        """The user's status for an event and their waitlist position, if any."""
        status = await self._db.registrations.status_of(event.event_id, user_id)
        if status == "waitlisted":
            return status, await self._db.registrations.position(event.event_id, user_id)
        return status, None

    async def of_user(self, user_id: int) -> tuple[list[Registration], list[Registration]]:
        """The user's active registrations: (upcoming, past), soonest and latest first."""
        now = self._clock.now()
        rows = await self._db.registrations.of_user(user_id)
        events = await self._db.events.by_codes(code for code, _, _, _ in rows)
        registrations = [
            Registration(events[code], status, registered_at, position)
            for code, status, registered_at, position in rows
            if code in events
        ]
        upcoming = [r for r in registrations if r.event.ends_at > now]
        past = [r for r in registrations if r.event.ends_at <= now]
        return upcoming, list(reversed(past))

    async def forget(self, user_id: int) -> None:
        """Erase a user's personal data; their registrations survive only as counts."""
        async with self._db.transaction() as conn:
            freed = await self._db.registrations.forget_user(conn, user_id)
            await self._db.users.erase(conn, user_id)
            promoted: list[Promotion] = []
            for event_id in freed:
                code = await self._db.events.code_of(conn, event_id)
                if code:
                    promoted += await self._fill_seats(conn, event_id, code)
        self._notify(promoted)
