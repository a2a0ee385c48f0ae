"""Programme statistics for organizers: figures per event, in total and by country.

Sessions are listed as a funder reads them: those held first, the most recent first, then
those to come, the soonest first; a page at a time. Breakdowns are complete: the largest
entries, then the rest summed up, so that each adds up to the figures above it. The figures
per event also go out as a CSV table, one row per event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.stats import UNKNOWN, Breakdown, Figures
from bot.models import Event, page_count
from bot.services.exports import HELD, TextSink, event_status, safe_cell

PAGE_SIZE = 10  # sessions on a page of /stats: a page stays far below Telegram's 4,096
TOP = 10  # entries of a breakdown shown by name; the rest are summed up on one line

CSV_COLUMNS = (
    "code",
    "title",
    "status",
    "starts_at_utc",
    "registered",
    "waitlist",
    "attended",
    "attendance_rate",
    "feedback_average",
    "feedback_count",
)


@dataclass(frozen=True)
class SessionFigures:
    event: Event
    figures: Figures
    held: bool  # the session has started: it took place (or is taking place)


@dataclass(frozen=True)
class SessionsPage:
    sessions: list[SessionFigures]  # held ones first, the most recent first; then upcoming
    page: int  # from 0
    pages: int
    total: int  # sessions on all pages


@dataclass(frozen=True)
class ProgrammeStats:
    total: Figures
    sessions: list[SessionFigures]  # in the order of the pages (see SessionsPage)
    breakdowns: dict[str, Breakdown]


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: a key (a country code, a language, a topic) and its figures."""

    key: str
    registered: int
    attended: int


@dataclass(frozen=True)
class Ranking:
    """A breakdown as shown: its largest entries, the rest summed up, and the people whose
    country or language is unknown or erased. The three add up to the breakdown's total."""

    top: list[Line]
    others: int  # how many entries the `rest` line sums up (0: no such line)
    rest: Line
    unknown: Line | None


def rank(breakdown: Breakdown, top: int = TOP) -> Ranking:
    """The `top` largest entries (all of them when only one more would be left), the sum of
    the others, and the unknown apart; entries with nobody registered or present are left
    out (a topic no event of the programme has signed anyone up for)."""
    lines = [
        Line(key, breakdown.registered.get(key, 0), breakdown.attended.get(key, 0))
        for key in breakdown.registered.keys() | breakdown.attended.keys()
    ]
    known = sorted(
        (line for line in lines if line.key != UNKNOWN and (line.registered or line.attended)),
        key=lambda line: (-line.registered, -line.attended, line.key),
    )
    shown = known if len(known) <= top + 1 else known[:top]
    rest = known[len(shown) :]
    unknown = next((line for line in lines if line.key == UNKNOWN), None)
    if unknown is not None and not (unknown.registered or unknown.attended):
        unknown = None
    summed = Line(
        UNKNOWN, sum(line.registered for line in rest), sum(line.attended for line in rest)
    )
    return Ranking(shown, len(rest), summed, unknown)


def in_page_order(sessions: Iterable[SessionFigures]) -> list[SessionFigures]:
    """Held sessions, the most recent first, then upcoming ones, the soonest first."""
    listed = list(sessions)
    held = sorted((s for s in listed if s.held), key=lambda s: s.event.starts_at, reverse=True)
    upcoming = sorted((s for s in listed if not s.held), key=lambda s: s.event.starts_at)
    return held + upcoming


def page_of(sessions: Sequence[SessionFigures], page: int) -> SessionsPage | None:
    """Page `page` (from 0) of sessions already in page order; None beyond the last page
    (a forged button, or a list that got shorter) or when there is no session at all."""
    pages = page_count(len(sessions), PAGE_SIZE)
    if not sessions or not 0 <= page < pages:
        return None
    start = page * PAGE_SIZE
    return SessionsPage(list(sessions[start : start + PAGE_SIZE]), page, pages, len(sessions))


def status_of(event: Event, now: datetime) -> str:
    """The status the CSV table gives: scheduled, cancelled or held (the export's words)."""
    return event_status(event.status, event.starts_at, now)


class StatsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _held(self, event: Event, now: datetime) -> bool:
        return status_of(event, now) == HELD

    def _session(self, event: Event, figures: Figures, now: datetime) -> SessionFigures:
        held = self._held(event, now)
        return SessionFigures(event, replace(figures, held=figures.registered if held else 0), held)

    async def programme(self, event_ids: frozenset[int] | None = None) -> ProgrammeStats:
        """Every event but the cancelled ones, which would only dilute the figures.
        `event_ids`: only these (an event organizer's events)."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> ProgrammeStats:
            events = {e.event_id: e for e in _events(uow, event_ids) if not e.is_cancelled}
            figures = uow.stats.per_event(None if event_ids is None else list(events))
            sessions = in_page_order(
                self._session(events[i], f, now) for i, f in figures.items() if i in events
            )
            total = sum((s.figures for s in sessions), Figures())
            topics = {event_id: event.topic for event_id, event in events.items()}
            only = None if event_ids is None else list(events)
            return ProgrammeStats(total, sessions, uow.stats.breakdowns(figures, topics, only))

        return await self._db.read(work, heavy=True)

    async def sessions_page(
        self, page: int, event_ids: frozenset[int] | None = None
    ) -> SessionsPage | None:
        """One page of the sessions of the programme (as `programme` lists them), counting
        the figures of that page's sessions only; None for a page that does not exist."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> SessionsPage | None:
            events = [e for e in _events(uow, event_ids) if not e.is_cancelled]
            ordered = in_page_order(
                SessionFigures(e, Figures(), self._held(e, now)) for e in events
            )
            found = page_of(ordered, page)
            if found is None:
                return None
            figures = uow.stats.per_event([s.event.event_id for s in found.sessions])
            sessions = [
                self._session(s.event, figures.get(s.event.event_id, Figures()), now)
                for s in found.sessions
            ]
            return replace(found, sessions=sessions)

        return await self._db.read(work)

    async def event(self, event: Event) -> ProgrammeStats:
        now = self._clock.now()

        def work(uow: UnitOfWork) -> ProgrammeStats:
            per_event = uow.stats.per_event([event.event_id])
            session = self._session(event, per_event.get(event.event_id, Figures()), now)
            topics = {event.event_id: event.topic}
            breakdowns = uow.stats.breakdowns(per_event, topics, [event.event_id])
            return ProgrammeStats(session.figures, [session], breakdowns)

        return await self._db.read(work, heavy=True)

    async def write_table(self, out: TextSink, event_ids: frozenset[int] | None = None) -> int:
        """The figures of every event, cancelled ones included (their status says so), one
        row each in the order they start, as CSV written to `out` (opened with newline="");
        returns the number of rows. UTF-8 with a byte-order mark and titles neutralized
        against formulas, like the registration lists."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[SessionFigures]:
            figures = uow.stats.per_event()
            return [
                self._session(e, figures.get(e.event_id, Figures()), now)
                for e in _events(uow, event_ids)
            ]

        sessions = await self._db.read(work, heavy=True)
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for session in sessions:
            writer.writerow(_cells(session, now))
        return len(sessions)

    async def table(self, event_ids: frozenset[int] | None = None) -> tuple[bytes, int]:
        """`write_table` as the bytes of a file, and its number of rows."""
        text = io.StringIO(newline="")
        rows = await self.write_table(text, event_ids)
        return text.getvalue().encode("utf-8"), rows


def _events(uow: UnitOfWork, event_ids: frozenset[int] | None) -> list[Event]:
    """The programme's events, or only those in `event_ids`."""
    events = uow.events.all_events()
    return events if event_ids is None else [e for e in events if e.event_id in event_ids]


def _cells(session: SessionFigures, now: datetime) -> list[str | int]:
    event, figures = session.event, session.figures
    rate = figures.attendance_rate
    average = figures.rating_average
    return [
        safe_cell(event.code),  # letters, digits, "-" and "_": "-1" would be a formula
        safe_cell(event.title),
        status_of(event, now),
        event.starts_at.astimezone(UTC).isoformat(timespec="minutes"),
        figures.registered,
        figures.waitlisted,
        figures.attended,
        "" if rate is None else f"{rate:.4f}",
        "" if average is None else f"{average:.2f}",
        figures.ratings,
    ]
