"""Attendance, session codes, wrong-code counters and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import from_db, to_db

# The course of the session :event (NULL for a single event, which then matches nothing).
_COURSE_OF_EVENT = "(SELECT course_id FROM events WHERE event_id = :event)"


@dataclass(frozen=True)
class RosterLine:
    """A registrant as an organizer's attendance list shows them."""

    user_id: int
    name: str
    attended: bool


@dataclass(frozen=True)
class Registrant:
    """Someone signed up for an event, as an attendance report may name them."""

    user_id: int
    confirmed: bool  # False: on the waitlist
    email: str
    username: str
    full_name: str  # as given in the profile
    telegram_name: str  # first and last name in Telegram


@dataclass(frozen=True)
class ReportMarks:
    """What importing (or undoing) a report did to the session's marks."""

    report_id: int
    marked: int  # people the report now marks present
    newly: frozenset[int]  # of whom those not marked before
    unmarked: int  # marked by the report before, and no longer
    replaced: datetime | None  # when the report it replaced (or brought back) was imported


@dataclass(frozen=True)
class StandingReport:
    """The report whose marks stand for a session."""

    report_id: int
    imported_at: datetime


@dataclass(frozen=True)
class Failures:
    count: int
    first: datetime
    blocked_until: datetime | None


class AttendanceRepository(Repository):
    def record(self, event_id: int, user_id: int, method: str, now: datetime) -> bool:
        """Record attendance once; False if it was recorded before."""
        cursor = self._run(
            "INSERT INTO attendance (event_id, user_id, method, checked_in_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (event_id, user_id, method, to_db(now)),
        )
        return cursor.rowcount == 1

    def record_many(self, event_id: int, user_ids: list[int], method: str, now: datetime) -> int:
        return self._run_many(
            "INSERT INTO attendance (event_id, user_id, method, checked_in_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(event_id, user_id, method, to_db(now)) for user_id in user_ids],
        )

    def remove(self, event_id: int, user_id: int) -> None:
        self._run("DELETE FROM attendance WHERE event_id = ? AND user_id = ?", (event_id, user_id))

    def attendees(self, event_id: int) -> list[int]:
        """Who is marked present at the event (check-in, report or by hand)."""
        rows = self._all(
            "SELECT user_id FROM attendance WHERE event_id = ? ORDER BY user_id", (event_id,)
        )
        return [row[0] for row in rows]

    def attended(self, event_id: int, user_id: int) -> bool:
        row = self._one(
            "SELECT 1 FROM attendance WHERE event_id = ? AND user_id = ?", (event_id, user_id)
        )
        return row is not None

    def may_be_marked(self, event_id: int, user_id: int) -> bool:
        """Registered for the session, or (for a course's session) for another session of
        its course: a course's participants attend its sessions, those held before they
        could register (imported as held) included."""
        row = self._one(
            "SELECT 1 FROM registrations r JOIN events e ON e.event_id = r.event_id"
            " WHERE r.user_id = :user AND r.status IN ('confirmed', 'waitlisted')"
            f" AND (r.event_id = :event OR e.course_id = {_COURSE_OF_EVENT}) LIMIT 1",
            {"user": user_id, "event": event_id},
        )
        return row is not None

    def roster(self, event_id: int, offset: int, limit: int) -> tuple[list[RosterLine], int]:
        """Confirmed registrants (and anyone checked in), alphabetically, one page of them;
        for a course's session, the course's participants too (see `may_be_marked`)."""
        base = f"""
            FROM users u
            WHERE u.user_id IN (
                SELECT user_id FROM registrations WHERE event_id = :event AND status = 'confirmed'
                UNION SELECT user_id FROM attendance WHERE event_id = :event
                UNION SELECT r.user_id FROM registrations r JOIN events e USING (event_id)
                      WHERE e.course_id = {_COURSE_OF_EVENT} AND r.status = 'confirmed')
        """
        total_row = self._one(f"SELECT COUNT(*) {base}", {"event": event_id})
        rows = self._all(
            f"""SELECT u.user_id, COALESCE(NULLIF(u.full_name, ''), u.first_name),
                   EXISTS (SELECT 1 FROM attendance a
                           WHERE a.event_id = :event AND a.user_id = u.user_id)
                {base} ORDER BY lower(COALESCE(NULLIF(u.full_name, ''), u.first_name)), u.user_id
                LIMIT :limit OFFSET :offset""",
            {"event": event_id, "limit": limit, "offset": offset},
        )
        lines = [RosterLine(int(r[0]), str(r[1]), bool(r[2])) for r in rows]
        return lines, int(total_row[0]) if total_row else 0

    def registrants(self, event_id: int) -> list[Registrant]:
        """Everyone confirmed or waitlisted for the event, as a report may name them; for a
        course's session, the course's other participants as confirmed (see
        `may_be_marked`)."""
        rows = self._all(
            "SELECT u.user_id, COALESCE(MAX(CASE WHEN r.event_id = :event THEN r.status END),"
            " 'confirmed'), COALESCE(u.email, ''), COALESCE(u.username, ''),"
            " COALESCE(u.full_name, ''), TRIM(u.first_name || ' ' || COALESCE(u.last_name, ''))"
            " FROM registrations r JOIN users u ON u.user_id = r.user_id"
            " JOIN events e ON e.event_id = r.event_id"
            " WHERE r.status IN ('confirmed', 'waitlisted')"
            f" AND (r.event_id = :event OR e.course_id = {_COURSE_OF_EVENT})"
            " GROUP BY u.user_id",
            {"event": event_id},
        )
        return [
            Registrant(int(r[0]), r[1] == "confirmed", str(r[2]), str(r[3]), str(r[4]), str(r[5]))
            for r in rows
        ]

    # -- attendance reports ----------------------------------------------------------------

    def _import_marks(self, event_id: int) -> set[int]:
        rows = self._all(
            "SELECT user_id FROM attendance WHERE event_id = ? AND method = 'import'", (event_id,)
        )
        return {int(row[0]) for row in rows}

    def _standing_report(self, event_id: int) -> tuple[int, datetime] | None:
        row = self._one(
            "SELECT report_id, imported_at FROM attendance_reports"
            " WHERE event_id = ? AND undone_at IS NULL ORDER BY report_id DESC LIMIT 1",
            (event_id,),
        )
        return (int(row[0]), from_db(row[1])) if row else None

    def _apply_marks(self, event_id: int, user_ids: list[int], now: datetime) -> None:
        """The report's people marked present, unless a check-in or a mark by hand says so
        already (those are kept as they are)."""
        self._run("DELETE FROM attendance WHERE event_id = ? AND method = 'import'", (event_id,))
        self.record_many(event_id, user_ids, "import", now)

    def replace_report(
        self, event_id: int, user_ids: list[int], admin_id: int | None, now: datetime
    ) -> ReportMarks:
        """A new report for the session: its marks replace those of the previous one."""
        before = self._import_marks(event_id)
        previous = self._standing_report(event_id)
        row = self._one(
            "INSERT INTO attendance_reports (event_id, imported_by, imported_at) VALUES (?, ?, ?)"
            " RETURNING report_id",
            (event_id, admin_id, to_db(now)),
        )
        assert row is not None
        report_id = int(row[0])
        self._run_many(
            "INSERT INTO attendance_report_marks (report_id, user_id) VALUES (?, ?)"
            " ON CONFLICT DO NOTHING",
            [(report_id, user_id) for user_id in user_ids],
        )
        return self._marks_become(event_id, report_id, user_ids, before, previous, now)

    def undo_report(self, event_id: int, now: datetime) -> ReportMarks | None:
        """Undo the standing report: its marks go, those of the report before come back.
        None when no report stands."""
        standing = self._standing_report(event_id)
        if standing is None:
            return None
        report_id, _ = standing
        before = self._import_marks(event_id)
        self._run(
            "UPDATE attendance_reports SET undone_at = ? WHERE report_id = ?",
            (to_db(now), report_id),
        )
        previous = self._standing_report(event_id)
        restored: list[int] = []
        if previous is not None:
            rows = self._all(
                "SELECT user_id FROM attendance_report_marks WHERE report_id = ?", (previous[0],)
            )
            restored = [int(row[0]) for row in rows]
        return self._marks_become(event_id, report_id, restored, before, previous, now)

    def _marks_become(
        self,
        event_id: int,
        report_id: int,
        user_ids: list[int],
        before: set[int],
        other: tuple[int, datetime] | None,
        now: datetime,
    ) -> ReportMarks:
        """The report marks replaced by `user_ids`, and what that changed."""
        self._apply_marks(event_id, user_ids, now)
        after = self._import_marks(event_id)
        return ReportMarks(
            report_id,
            len(after),
            frozenset(after - before),
            len(before - after),
            other[1] if other else None,
        )

    def standing_report(self, event_id: int) -> StandingReport | None:
        """The report whose marks stand, and when it was imported; None if none does."""
        found = self._standing_report(event_id)
        return StandingReport(*found) if found else None

    # -- session codes and wrong guesses ---------------------------------------------------

    def set_code(self, event_id: int, code: str, admin_id: int, now: datetime) -> None:
        self._run(
            "INSERT INTO checkin_codes (event_id, code, created_by, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET code = excluded.code,"
            " created_by = excluded.created_by, created_at = excluded.created_at",
            (event_id, code, admin_id, to_db(now)),
        )

    def code_of(self, event_id: int) -> str | None:
        row = self._one("SELECT code FROM checkin_codes WHERE event_id = ?", (event_id,))
        return str(row[0]) if row else None

    def open_events_with_code(
        self, user_id: int, opens_before: int, now: datetime
    ) -> list[tuple[int, str, bool]]:
        """(event id, session code, whether they have a seat) of the events the user is
        confirmed or waitlisted for whose check-in is open, soonest first."""
        rows = self._all(
            """
            SELECT e.event_id, c.code, e.starts_at, e.duration_minutes, r.status
            FROM registrations r JOIN events e ON e.event_id = r.event_id
            JOIN checkin_codes c ON c.event_id = e.event_id
            WHERE r.user_id = ? AND r.status IN ('confirmed', 'waitlisted')
              AND e.status = 'scheduled'
            ORDER BY e.starts_at
            """,
            (user_id,),
        )
        found = []
        for event_id, code, starts_at, duration, status in rows:
            start = from_db(starts_at)
            if (
                start.timestamp() - opens_before * 60
                <= now.timestamp()
                <= (start.timestamp() + duration * 60)
            ):
                found.append((int(event_id), str(code), status == "confirmed"))
        return found

    def failures(self, user_id: int) -> Failures | None:
        row = self._one(
            "SELECT failures, first_failure, blocked_until FROM checkin_failures WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return Failures(int(row[0]), from_db(row[1]), from_db(row[2]) if row[2] else None)

    def set_failures(
        self, user_id: int, count: int, first: datetime, blocked_until: datetime | None
    ) -> None:
        self._run(
            "INSERT INTO checkin_failures (user_id, failures, first_failure, blocked_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " failures = excluded.failures, first_failure = excluded.first_failure,"
            " blocked_until = excluded.blocked_until",
            (user_id, count, to_db(first), to_db(blocked_until) if blocked_until else None),
        )

    def clear_failures(self, user_id: int) -> None:
        self._run("DELETE FROM checkin_failures WHERE user_id = ?", (user_id,))

    # -- feedback --------------------------------------------------------------------------

    def feedback_of(self, event_id: int, user_id: int) -> tuple[int, str, datetime] | None:
        row = self._one(
            "SELECT rating, comment, created_at FROM feedback WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        )
        return (int(row[0]), str(row[1]), from_db(row[2])) if row else None

    def save_rating(self, event_id: int, user_id: int, rating: int, now: datetime) -> None:
        self._run(
            "INSERT INTO feedback (event_id, user_id, rating, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO UPDATE SET"
            " rating = excluded.rating, updated_at = excluded.updated_at",
            (event_id, user_id, rating, to_db(now), to_db(now)),
        )

    def save_comment(self, event_id: int, user_id: int, comment: str, now: datetime) -> bool:
        cursor = self._run(
            "UPDATE feedback SET comment = ?, updated_at = ? WHERE event_id = ? AND user_id = ?",
            (comment, to_db(now), event_id, user_id),
        )
        return cursor.rowcount == 1
