"""Registrations: who signed up for which event, confirmed or waitlisted.

Reads and writes run in the registration service's unit of work, so the seat count it reads
is the one its write relies on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.repository import Repository
from bot.db.times import from_db, to_db
from bot.models import EventStatus, RegistrationStatus


@dataclass(frozen=True)
class SeatState:
    """What a sign-up decision needs to know about an event, read inside the transaction."""

    event_id: int
    status: EventStatus
    starts_at: datetime
    capacity: int | None
    confirmed: int
    duration_minutes: int
    course_id: int | None = None  # the course it is a session of, if any

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def seat_free(self) -> bool:
        return self.capacity is None or self.confirmed < self.capacity


@dataclass(frozen=True)
class ExportRow:
    event_code: str
    event_title: str
    event_status: EventStatus
    event_starts_at: datetime
    full_name: str
    country: str
    city: str
    organization: str
    role: str
    email: str
    language: str
    status: str
    registered_at: str  # ISO 8601 in UTC, as stored
    position: int | None
    checked_in_at: str
    checkin_method: str
    attended: bool  # marked present: checked in, from a report or by hand (an attendance row)
    rating: int | None
    comment: str


class RegistrationRepository(Repository):
    def status_of(self, event_id: int, user_id: int) -> RegistrationStatus | None:
        """None if the user never signed up."""
        return self.standing(event_id, user_id)[0]

    def standing(self, event_id: int, user_id: int) -> tuple[RegistrationStatus | None, int | None]:
        """The user's status for an event and, on the waitlist, their place in line."""
        row = self._one(
            """
            SELECT r.status, CASE WHEN r.status = 'waitlisted' THEN
                       (SELECT COUNT(*) FROM registrations w WHERE w.event_id = r.event_id
                        AND w.status = 'waitlisted' AND w.seq <= r.seq) END
            FROM registrations r WHERE r.event_id = ? AND r.user_id = ?
            """,
            (event_id, user_id),
        )
        if row is None:
            return None, None
        return RegistrationStatus(row[0]), row[1]

    def of_user(
        self, user_id: int
    ) -> list[tuple[str, RegistrationStatus, datetime, int | None, bool]]:
        """(event code, status, registered at, waitlist position, marked present) of every
        active sign-up."""
        rows = self._all(
            """
            SELECT e.code, r.status, r.created_at,
                   CASE WHEN r.status = 'waitlisted' THEN
                       (SELECT COUNT(*) FROM registrations w WHERE w.event_id = r.event_id
                        AND w.status = 'waitlisted' AND w.seq <= r.seq) END AS position,
                   EXISTS (SELECT 1 FROM attendance a
                           WHERE a.event_id = r.event_id AND a.user_id = r.user_id)
            FROM registrations r JOIN events e ON e.event_id = r.event_id
            WHERE r.user_id = ? AND r.status IN ('confirmed', 'waitlisted')
            ORDER BY e.starts_at
            """,
            (user_id,),
        )
        return [(r[0], RegistrationStatus(r[1]), from_db(r[2]), r[3], bool(r[4])) for r in rows]

    def counts(self, event_id: int) -> dict[str, int]:
        rows = self._all(
            "SELECT status, COUNT(*) FROM registrations WHERE event_id = ? GROUP BY status",
            (event_id,),
        )
        return {row[0]: int(row[1]) for row in rows}

    def seat_state(self, code: str) -> SeatState | None:
        row = self._one(
            """
            SELECT e.event_id, e.status, e.starts_at, e.capacity,
                   (SELECT COUNT(*) FROM registrations r
                    WHERE r.event_id = e.event_id AND r.status = 'confirmed'),
                   e.duration_minutes, e.course_id
            FROM events e WHERE e.code = ?
            """,
            (code,),
        )
        if row is None:
            return None
        return SeatState(
            row[0], EventStatus(row[1]), from_db(row[2]), row[3], int(row[4]), int(row[5]), row[6]
        )

    def put(
        self,
        event_id: int,
        user_id: int,
        status: RegistrationStatus,
        now: datetime,
    ) -> None:
        """Sign up (or sign up again after cancelling): at the end of any queue."""
        self._run(
            """
            INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)
            VALUES (:event_id, :user_id, :status, :now, :now,
                    (SELECT COALESCE(MAX(seq), 0) + 1 FROM registrations))
            ON CONFLICT (event_id, user_id) DO UPDATE SET
                status = excluded.status, created_at = excluded.created_at,
                updated_at = excluded.updated_at, seq = excluded.seq
            """,
            {"event_id": event_id, "user_id": user_id, "status": status, "now": to_db(now)},
        )

    def set_status(
        self,
        event_id: int,
        user_id: int,
        status: RegistrationStatus,
        now: datetime,
    ) -> None:
        self._run(
            "UPDATE registrations SET status = ?, updated_at = ?"
            " WHERE event_id = ? AND user_id = ?",
            (status, to_db(now), event_id, user_id),
        )

    def next_waiting(self, event_id: int, limit: int) -> list[int]:
        """The users first in line on the waitlist, in order of arrival."""
        rows = self._all(
            "SELECT user_id FROM registrations WHERE event_id = ? AND status = 'waitlisted'"
            " ORDER BY seq LIMIT ?",
            (event_id, limit),
        )
        return [int(row[0]) for row in rows]

    def forget_user(self, user_id: int, now: datetime) -> list[int]:
        """Turn a user's registrations of sessions that have begun (or that they attended)
        into anonymous counts: what happened stays in the figures. A place in a session still
        to come is given up as by a cancellation, so the figures never count a seat that is
        free again. Returns the events whose place they gave up."""
        happened = """
            FROM registrations r JOIN events e ON e.event_id = r.event_id
            WHERE r.user_id = :user AND {negation} (e.starts_at <= :now OR EXISTS (
                SELECT 1 FROM attendance a WHERE a.event_id = r.event_id AND a.user_id = :user))
        """
        params = {"user": user_id, "now": to_db(now)}
        self._run(
            "INSERT INTO forgotten_registrations (event_id, status, count)"
            f" SELECT r.event_id, r.status, COUNT(*) {happened.format(negation='')}"
            " GROUP BY r.event_id, r.status"
            " ON CONFLICT (event_id, status) DO UPDATE SET"
            " count = forgotten_registrations.count + excluded.count",
            params,
        )
        self._run(
            """
            INSERT INTO forgotten_registrations (event_id, status, count)
            SELECT event_id, 'attended', COUNT(*) FROM attendance WHERE user_id = ?
            GROUP BY event_id
            ON CONFLICT (event_id, status)
                DO UPDATE SET count = forgotten_registrations.count + excluded.count
            """,
            (user_id,),
        )
        rows = self._all(
            f"SELECT r.event_id {happened.format(negation='NOT')} AND r.status = 'confirmed'",
            params,
        )
        freed = [int(row[0]) for row in rows]
        self._run("DELETE FROM registrations WHERE user_id = ?", (user_id,))
        return freed

    def export_rows(
        self, event_code: str | None, event_ids: frozenset[int] | None = None
    ) -> Iterator[ExportRow]:
        """Every active registration with its event and the registrant's profile, streamed
        in batches; those of cancelled events too (who was told of the cancellation).
        `event_ids`: only these events (an event organizer's)."""
        where = "r.status IN ('confirmed', 'waitlisted')"
        params: list[str] = []
        if event_code is not None:
            where += " AND e.code = ?"
            params.append(event_code)
        if event_ids is not None:
            where += f" AND {self._dialect.in_json_ids('r.event_id', '?')}"
            params.append(json.dumps(sorted(event_ids)))
        # Attended is what /attendance and the statistics count: the person has a row in
        # `attendance`, whichever way it got there (check-in, report, organizer's mark).
        sql = f"""
            SELECT e.code, e.title, u.full_name, u.first_name, u.last_name, u.country, u.city,
                   u.organization, u.role, u.email, COALESCE(u.language, u.telegram_language),
                   r.status, r.created_at,
                   CASE WHEN r.status = 'waitlisted' THEN
                       ROW_NUMBER() OVER (PARTITION BY r.event_id, r.status ORDER BY r.seq)
                   END,
                   a.checked_in_at, a.method, f.rating, f.comment,
                   e.status, e.starts_at, a.user_id IS NOT NULL
            FROM registrations r
            JOIN events e ON e.event_id = r.event_id
            JOIN users u ON u.user_id = r.user_id
            LEFT JOIN attendance a ON a.event_id = r.event_id AND a.user_id = r.user_id
            LEFT JOIN feedback f ON f.event_id = r.event_id AND f.user_id = r.user_id
            WHERE {where}
            ORDER BY e.starts_at, e.event_id, r.status, r.seq
        """
        events: dict[str, tuple[EventStatus, datetime]] = {}  # read once per event
        for r in self._each(sql, params):
            name = r[2] or " ".join(p for p in (r[3], r[4]) if p)
            event = events.get(r[0])
            if event is None:
                event = events[r[0]] = (EventStatus(r[18]), from_db(r[19]))
            yield ExportRow(
                event_code=r[0],
                event_title=r[1],
                event_status=event[0],
                event_starts_at=event[1],
                full_name=name,
                country=r[5] or "",
                city=r[6] or "",
                organization=r[7] or "",
                role=r[8] or "",
                email=r[9] or "",
                language=r[10] or "",
                status=r[11],
                registered_at=r[12],
                position=r[13],
                checked_in_at=r[14] or "",
                checkin_method=r[15] or "",
                attended=bool(r[20]),
                rating=r[16],
                comment=r[17] or "",
            )
