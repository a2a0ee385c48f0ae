"""Attendance: check-in by button or by the session code, by hand, or from a report.

Check-in is open from a few minutes before the start (CHECKIN_OPENS_MINUTES) to the end. A
participant who keeps typing wrong codes is slowed down: after three wrong codes in ten minutes
they must wait, longer each time, so a code read out in a webinar cannot be guessed by brute
force.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.attendance import Failures, RosterLine
from bot.i18n import N_, clean_user_text
from bot.models import ACTIVE_STATUSES, Event, RegistrationStatus
from bot.problems import Problem
from bot.services.spreadsheets import spreadsheet_dialect

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out loud safely
CODE_LENGTH = 6
FREE_FAILURES = 3
FAILURE_WINDOW = timedelta(minutes=10)
FIRST_PAUSE = timedelta(minutes=1)
MAX_REPORT_BYTES = 20 * 1024 * 1024
EMAIL_COLUMNS = (
    "email",
    "e-mail",
    "mail",
    "user email",
    "email address",
    "attendee email",
    "participant email",
    "correo",
    "courriel",
    "邮箱",
    "почта",
)
USERNAME_COLUMNS = ("telegram", "username", "telegram username", "user name", "tg")


class CheckIn(Enum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_REGISTERED = "not-registered"
    NOT_OPEN_YET = "not-open-yet"
    CLOSED = "closed"
    NO_EVENT = "no-event"
    WRONG_CODE = "wrong-code"
    SLOW_DOWN = "slow-down"


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckIn
    event: Event | None = None
    opens_at: datetime | None = None
    wait_until: datetime | None = None


@dataclass(frozen=True)
class ReportResult:
    matched: int
    newly_recorded: int
    unmatched: list[str]
    problem: Problem | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return "".join(ch for ch in clean_user_text(text).upper() if ch.isalnum())[:32]


class AttendanceService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        opens_before: timedelta,
        marked_late: Callable[[Event], Awaitable[None]],
    ) -> None:
        self._db = db
        self._clock = clock
        self.opens_before = opens_before
        self._marked_late = marked_late  # someone was marked present after the session

    def window(self, event: Event) -> tuple[datetime, datetime]:
        return event.starts_at - self.opens_before, event.ends_at

    async def check_in(self, user_id: int, event_id: int, method: str) -> CheckInResult:
        """Check a participant in by button (or code, once matched), inside the window."""
        event = await self._db.read(lambda u: u.events.by_id(event_id))
        if event is None or event.is_cancelled:
            return CheckInResult(CheckIn.NO_EVENT)
        opens, closes = self.window(event)
        now = self._clock.now()
        if now < opens:
            return CheckInResult(CheckIn.NOT_OPEN_YET, event, opens_at=opens)
        if now > closes:
            return CheckInResult(CheckIn.CLOSED, event)
        status = await self._db.read(lambda u: u.registrations.status_of(event_id, user_id))
        if status != RegistrationStatus.CONFIRMED:
            return CheckInResult(CheckIn.NOT_REGISTERED, event)
        recorded = await self._db.write(
            lambda u: u.attendance.record(event_id, user_id, method, now)
        )
        return CheckInResult(CheckIn.RECORDED if recorded else CheckIn.ALREADY, event)

    async def check_in_with_code(self, user_id: int, text: str) -> CheckInResult | None:
        """A typed session code; None when the user has no check-in open with a code (so the
        text was not meant as one)."""
        now = self._clock.now()
        open_events = await self._db.read(
            lambda u: u.attendance.open_events_with_code(
                user_id, int(self.opens_before.total_seconds() // 60), now
            )
        )
        if not open_events:
            return None
        failures = await self._db.read(lambda u: u.attendance.failures(user_id))
        if failures and failures.blocked_until and failures.blocked_until > now:
            return CheckInResult(CheckIn.SLOW_DOWN, wait_until=failures.blocked_until)
        code = normalize_code(text)
        for event_id, expected in open_events:
            if secrets.compare_digest(code, expected):
                await self._db.write(lambda u: u.attendance.clear_failures(user_id))
                return await self.check_in(user_id, event_id, "code")
        return await self._wrong_code(user_id, now, failures)

    async def _wrong_code(
        self, user_id: int, now: datetime, previous: Failures | None
    ) -> CheckInResult:
        if previous is None or now - previous.first > FAILURE_WINDOW:
            count, first = 1, now
        else:
            count, first = previous.count + 1, previous.first
        blocked = None
        if count >= FREE_FAILURES:
            blocked = now + FIRST_PAUSE * 2 ** (count - FREE_FAILURES)
        await self._db.write(lambda u: u.attendance.set_failures(user_id, count, first, blocked))
        if blocked is not None:
            return CheckInResult(CheckIn.SLOW_DOWN, wait_until=blocked)
        return CheckInResult(CheckIn.WRONG_CODE)

    async def set_code(self, event: Event, code: str | None, admin_id: int) -> str:
        chosen = (normalize_code(code) if code else "") or new_code()
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            uow.attendance.set_code(event.event_id, chosen, admin_id, now)
            uow.audit.record(admin_id, "checkin-code", event.code, now)

        await self._db.write(work)
        return chosen

    async def roster(self, event: Event, page: int, size: int) -> tuple[list[RosterLine], int]:
        return await self._db.read(lambda u: u.attendance.roster(event.event_id, page * size, size))

    async def toggle(self, event: Event, user_id: int, admin_id: int) -> bool | None:
        """Mark present or absent by hand; whether the person is now present, or None for
        someone who is neither registered for the event nor marked present."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> bool | None:
            attended = uow.attendance.attended(event.event_id, user_id)
            status = uow.registrations.status_of(event.event_id, user_id)
            if not attended and status not in ACTIVE_STATUSES:
                return None
            if attended:
                uow.attendance.remove(event.event_id, user_id)
            else:
                uow.attendance.record(event.event_id, user_id, "organizer", now)
            detail = f"{event.code} {user_id} {'absent' if attended else 'present'}"
            uow.audit.record(admin_id, "attendance", detail, now)
            return not attended

        present = await self._db.write(work)
        if present:
            await self._marked_late(event)
        return present

    async def import_report(self, event: Event, data: bytes, admin_id: int) -> ReportResult:
        """A video-conferencing attendance report: rows matched to registrants by email or
        Telegram username."""
        if len(data) > MAX_REPORT_BYTES:
            return ReportResult(0, 0, [], Problem(N_("The file is too large.")))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                return ReportResult(
                    0,
                    0,
                    [],
                    Problem(
                        N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
                    ),
                )
        rows = csv.reader(io.StringIO(text, newline=""), spreadsheet_dialect(text))
        try:
            header = [cell.strip().lower() for cell in next(rows)]
        except (StopIteration, csv.Error):
            return ReportResult(0, 0, [], Problem(N_("The file is empty.")))
        email_at = next((header.index(c) for c in EMAIL_COLUMNS if c in header), None)
        name_at = next((header.index(c) for c in USERNAME_COLUMNS if c in header), None)
        if email_at is None and name_at is None:
            return ReportResult(
                0,
                0,
                [],
                Problem(
                    N_(
                        "I found no column of emails or Telegram usernames. Name one “email” or "
                        "“telegram”."
                    )
                ),
            )
        emails, usernames = await self._db.read(
            lambda u: u.attendance.registrant_keys(event.event_id), heavy=True
        )
        matched: set[int] = set()
        unmatched: list[str] = []
        try:
            for cells in rows:
                email = (
                    cells[email_at].strip().lower()
                    if email_at is not None and email_at < len(cells)
                    else ""
                )
                name = (
                    cells[name_at].strip().lstrip("@").lower()
                    if name_at is not None and (name_at < len(cells))
                    else ""
                )
                user = emails.get(email) or usernames.get(name)
                if user is not None:
                    matched.add(user)
                elif email or name:
                    unmatched.append(clean_user_text(email or name)[:80])
        except csv.Error:
            return ReportResult(0, 0, [], Problem(N_("The file is not a CSV table.")))
        now = self._clock.now()

        def work(uow: UnitOfWork) -> int:
            recorded = uow.attendance.record_many(event.event_id, sorted(matched), "import", now)
            detail = f"{event.code} matched {len(matched)} unmatched {len(unmatched)}"
            uow.audit.record(admin_id, "attendance-import", detail, now)
            return recorded

        recorded = await self._db.write(work, heavy=True)
        if recorded:
            await self._marked_late(event)
        return ReportResult(len(matched), recorded, sorted(set(unmatched)))
