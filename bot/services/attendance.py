"""Attendance: check-in by button or by the session code, by hand, or from a report.

Check-in is open from a few minutes before the start (CHECKIN_OPENS_MINUTES) to the end. A
participant who keeps typing wrong codes is slowed down: after three wrong codes in ten minutes
they must wait, longer each time, so a code read out in a webinar cannot be guessed by brute
force.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.attendance import Failures, ReportMarks, RosterLine, StandingReport
from bot.i18n import N_
from bot.models import Event, RegistrationStatus
from bot.problems import Problem
from bot.services.attendance_matching import Decision, Verdict, decide
from bot.services.attendance_reports import SkipReason, parse_report
from bot.services.session_codes import (
    NEW_CODE,
    chosen_code,
    is_code_like,
    new_code,
    normalize_code,
    same_code,
)
from bot.services.tables import TableTooLarge, UnreadableTable, read_table

FREE_FAILURES = 3
FAILURE_WINDOW = timedelta(minutes=10)
FIRST_PAUSE = timedelta(minutes=1)
MAX_REPORT_BYTES = 20 * 1024 * 1024


class CheckIn(Enum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_REGISTERED = "not-registered"
    NOT_OPEN_YET = "not-open-yet"
    CLOSED = "closed"
    NO_EVENT = "no-event"
    CANCELLED = "cancelled"  # by the organizers: an old check-in button says so
    WRONG_CODE = "wrong-code"
    SLOW_DOWN = "slow-down"
    NO_SEAT = "no-seat"  # the right code, from someone on the waitlist
    HINT = "hint"  # an ordinary message during the window: answered as usual, with a hint


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckIn
    event: Event | None = None
    opens_at: datetime | None = None
    wait_until: datetime | None = None


COUNTED = (Verdict.PRESENT, Verdict.WITHOUT_SEAT)  # marked present by a report


@dataclass(frozen=True)
class ReportResult:
    """What an attendance report did, as the organizer is told."""

    decisions: tuple[Decision, ...] = ()
    skipped: dict[SkipReason, int] = field(default_factory=dict)
    required_minutes: int | None = None  # None: the report says nothing of time
    marks: ReportMarks | None = None
    problem: Problem | None = None
    newly_present: int = 0  # of the registrants present, those not marked before

    @classmethod
    def refused(cls, problem: Problem) -> ReportResult:
        return cls(problem=problem)

    def having(self, verdict: Verdict) -> list[Decision]:
        found = [d for d in self.decisions if d.verdict is verdict]
        return sorted(found, key=lambda d: d.shown_as.casefold())


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
        if event is None:
            return CheckInResult(CheckIn.NO_EVENT)
        if event.is_cancelled:
            return CheckInResult(CheckIn.CANCELLED, event)
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
        """A message during a check-in window: the session code (however typed), a wrong
        try, or an ordinary message (HINT: answer it as usual, with how to check in). None
        when the user has no check-in with a code open (the text was not meant as one)."""
        now = self._clock.now()
        minutes = int(self.opens_before.total_seconds() // 60)
        open_events = await self._db.read(
            lambda u: u.attendance.open_events_with_code(user_id, minutes, now)
        )
        if not open_events:
            return None
        typed = normalize_code(text)
        for event_id, expected, seated in open_events:
            if same_code(typed, expected):
                return await self._right_code(user_id, event_id, seated, now)
        if not any(is_code_like(typed, expected) for _, expected, _ in open_events):
            mine = next((event_id for event_id, _, has_seat in open_events if has_seat), None)
            if mine is None:  # only waitlisted: nothing to check in to, no hint
                return None
            event = await self._db.read(lambda u: u.events.by_id(mine))
            return CheckInResult(CheckIn.HINT, event)
        failures = await self._db.read(lambda u: u.attendance.failures(user_id))
        if failures and failures.blocked_until and failures.blocked_until > now:
            return CheckInResult(CheckIn.SLOW_DOWN, wait_until=failures.blocked_until)
        return await self._wrong_code(user_id, now, failures)

    async def _right_code(
        self, user_id: int, event_id: int, seated: bool, now: datetime
    ) -> CheckInResult:
        failures = await self._db.read(lambda u: u.attendance.failures(user_id))
        if failures and failures.blocked_until and failures.blocked_until > now:
            return CheckInResult(CheckIn.SLOW_DOWN, wait_until=failures.blocked_until)
        if not seated:
            event = await self._db.read(lambda u: u.events.by_id(event_id))
            return CheckInResult(CheckIn.NO_SEAT, event)
        if failures:
            await self._db.write(lambda u: u.attendance.clear_failures(user_id))
        return await self.check_in(user_id, event_id, "code")

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

    async def set_code(self, event: Event, wanted: str | None, admin_id: int) -> str | None:
        """The session's code: the organizer's own (None if unusable, see `chosen_code`), or,
        without one, the code already set (a code read out must not change behind the
        organizer's back), or a new one when there is none or `wanted` is NEW_CODE."""
        now = self._clock.now()
        fresh = wanted is not None and normalize_code(wanted) == NEW_CODE
        chosen = chosen_code(wanted) if wanted is not None and not fresh else None
        if wanted is not None and not fresh and chosen is None:
            return None

        def work(uow: UnitOfWork) -> str:
            current = uow.attendance.code_of(event.event_id)
            if chosen is None and not fresh and current is not None:
                return current
            code = chosen or new_code()
            uow.attendance.set_code(event.event_id, code, admin_id, now)
            uow.audit.record(admin_id, "checkin-code", event.code, now)
            return code

        return await self._db.write(work)

    async def roster(self, event: Event, page: int, size: int) -> tuple[list[RosterLine], int]:
        return await self._db.read(lambda u: u.attendance.roster(event.event_id, page * size, size))

    async def toggle(self, event: Event, user_id: int, admin_id: int) -> bool | None:
        """Mark present or absent by hand, whichever the person is not now (the buttons of
        older lists); whether they are now present, or None for someone who is neither
        registered for the event nor marked present."""
        outcome = await self._mark(event, user_id, None, admin_id)
        return None if outcome is None else outcome[0]

    async def mark(self, event: Event, user_id: int, present: bool, admin_id: int) -> bool | None:
        """Mark present or absent by hand, as the organizer's button says: True if that
        changed the mark, False if the person was so already (checked in, or marked by
        someone else, since the list was shown), None for someone who is neither registered
        for the event nor marked present."""
        outcome = await self._mark(event, user_id, present, admin_id)
        return None if outcome is None else outcome[1]

    async def _mark(
        self, event: Event, user_id: int, present: bool | None, admin_id: int
    ) -> tuple[bool, bool] | None:
        """Set the mark to `present` (None: the opposite of now) in one unit of work: whether
        the person is present now and whether that changed; None if they may not be marked."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[bool, bool] | None:
            attended = uow.attendance.attended(event.event_id, user_id)
            if not attended and not uow.attendance.may_be_marked(event.event_id, user_id):
                return None
            wanted = not attended if present is None else present
            if wanted == attended:
                return attended, False
            if attended:
                uow.attendance.remove(event.event_id, user_id)
            else:
                uow.attendance.record(event.event_id, user_id, "organizer", now)
            detail = f"{event.code} {user_id} {'present' if wanted else 'absent'}"
            uow.audit.record(admin_id, "attendance", detail, now)
            return wanted, True

        outcome = await self._db.write(work)
        if outcome == (True, True):
            await self._marked_late(event)
        return outcome

    async def import_report(self, event: Event, data: bytes, admin_id: int | None) -> ReportResult:
        """A meeting tool's attendance report (or an organizer's own list): its people matched
        to the registrants by the rules of `attendance_matching`; the marks it makes replace
        those of the session's previous report. Nothing is marked if the file is refused."""
        now = self._clock.now()
        if now < event.starts_at:
            return ReportResult.refused(
                Problem(N_("This session has not started yet: send its report afterwards."))
            )
        if len(data) > MAX_REPORT_BYTES:
            return ReportResult.refused(Problem(N_("The file is too large.")))
        try:
            # Tens of thousands of rows take a second or two: read off the event loop, so
            # the bot goes on answering everyone else meanwhile.
            report = await asyncio.to_thread(lambda: parse_report(read_table(data).rows))
        except TableTooLarge:
            return ReportResult.refused(Problem(N_("The file is too large.")))
        except UnreadableTable:
            return ReportResult.refused(
                Problem(N_("I cannot read this file. Send the report as CSV or Excel (.xlsx)."))
            )
        if not report.found_table:
            return ReportResult.refused(
                Problem(
                    N_(
                        "I found no table of participants in this file: it needs a header row "
                        "with a column of names, emails or Telegram usernames (“email”, "
                        "“telegram”)."
                    )
                )
            )
        if not report.people and not report.skipped:
            return ReportResult.refused(
                Problem(
                    N_(
                        "This report lists nobody, so nothing was changed (the marks of an "
                        "earlier report stay)."
                    )
                )
            )
        required = event.attendance_minutes
        registrants = await self._db.read(
            lambda u: u.attendance.registrants(event.event_id), heavy=True
        )
        decisions = await asyncio.to_thread(decide, report.people, registrants, required)
        present = sorted(
            {d.user_id for d in decisions if d.verdict in COUNTED and d.user_id is not None}
        )

        def work(uow: UnitOfWork) -> ReportMarks:
            marks = uow.attendance.replace_report(event.event_id, present, admin_id, now)
            if admin_id is not None:
                detail = f"{event.code} marked {marks.marked} report {marks.report_id}"
                uow.audit.record(admin_id, "attendance-import", detail, now)
            return marks

        marks = await self._db.write(work, heavy=True)
        if marks.newly:
            await self._marked_late(event)
        seated = {d.user_id for d in decisions if d.verdict is Verdict.PRESENT}
        return ReportResult(
            decisions=tuple(decisions),
            skipped=dict(report.skipped),
            required_minutes=required if report.has_times else None,
            marks=marks,
            newly_present=len(seated & marks.newly),
        )

    @staticmethod
    async def looks_like_report(data: bytes) -> bool:
        """Whether a file sent without a caption is a meeting's attendance report (a table of
        people, no programme columns): the organizer forgot to name the session."""
        if len(data) > MAX_REPORT_BYTES:
            return False

        def read() -> bool:
            try:
                rows = read_table(data).rows
            except UnreadableTable:
                return False
            header = {cell.strip().lower() for row in rows[:1] for cell in row}
            return not {"code", "starts_at"} <= header and parse_report(rows).found_table

        return await asyncio.to_thread(read)

    async def undo_report(
        self, event: Event, admin_id: int, report_id: int | None = None
    ) -> ReportMarks | None:
        """Take back the standing report's marks (those of the one before come back); with
        `report_id`, only if that is the report standing (an older Undo button must not take
        back a newer report, nor the one before a report already undone). None when nothing
        was undone."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> ReportMarks | None:
            if not _stands(uow, event, report_id):
                return None
            marks = uow.attendance.undo_report(event.event_id, now)
            if marks is not None:
                detail = f"{event.code} report {marks.report_id}"
                uow.audit.record(admin_id, "attendance-undo", detail, now)
            return marks

        return await self._db.write(work)

    async def standing_report(self, event: Event) -> StandingReport | None:
        return await self._db.read(lambda u: u.attendance.standing_report(event.event_id))

    async def confirm_attendee(
        self, event: Event, user_id: int, admin_id: int, report_id: int | None = None
    ) -> bool | None:
        """A registrant the organizer picked from a report's review list, marked present by
        hand; None when they are not registered for the event (forged data, or they left),
        or when the report of that list (`report_id`) no longer stands: undone or replaced,
        its review list is void."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> bool | None:
            if not _stands(uow, event, report_id):
                return None
            if not uow.attendance.may_be_marked(event.event_id, user_id):
                return None
            recorded = uow.attendance.record(event.event_id, user_id, "organizer", now)
            if recorded:
                detail = f"{event.code} {user_id} present (report review)"
                uow.audit.record(admin_id, "attendance", detail, now)
            return recorded

        recorded = await self._db.write(work)
        if recorded:
            await self._marked_late(event)
        return recorded


def _stands(uow: UnitOfWork, event: Event, report_id: int | None) -> bool:
    """Whether the report `report_id` is the session's standing one (None: any report)."""
    if report_id is None:
        return True
    standing = uow.attendance.standing_report(event.event_id)
    return standing is not None and standing.report_id == report_id
