"""Registration lists for organizers, as CSV that spreadsheets open correctly.

UTF-8 with a byte-order mark (so Excel reads Arabic and Chinese names), rows streamed from the
database in batches (memory does not grow with the list), and cells that a spreadsheet would
run as formulas (starting with =, +, -, @) neutralized.

The columns of the first version keep their names and places (organizers' spreadsheets and
scripts read them, some by position); the ones added since come after them, the event's
first (its status and start), then the registration's (attended).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Protocol
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.db.registrations import ExportRow
from bot.i18n import clean_user_text
from bot.models import EventStatus
from bot.services.countries import CountryDirectory

COLUMNS = (
    "event_code",
    "event_title",
    "name",
    "country",
    "city",
    "organization",
    "role",
    "email",
    "language",
    "status",
    "registered_at",
    "waitlist_position",
    "checked_in_at",
    "checkin_method",
    "rating",
    "comment",
    # Added by issue 14, after the first ones so that none of those moves.
    "event_status",
    "event_start_utc",
    "event_start_local",
    "attended",
)

# Event statuses as the export names them, and the registration status of a registration
# whose event was cancelled (its people were told; they stay in the list).
HELD = "held"
CANCELLED_EVENT = "cancelled-event"


class TextSink(Protocol):
    """Where the CSV goes: a file, standard output, a counter in a benchmark."""

    def write(self, text: str, /) -> int: ...


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: no formula, no invisible reordering characters."""
    text = clean_user_text(value).replace("\n", " ")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class ExportService:
    def __init__(self, db: Database, countries: CountryDirectory) -> None:
        self._db = db
        self._countries = countries

    async def record(self, admin_id: int, event_code: str | None, rows: int, now: datetime) -> None:
        """Personal data left the bot: the audit log says who took which list, and when."""
        detail = f"{event_code or 'all'} {rows}"
        await self._db.write(lambda uow: uow.audit.record(admin_id, "export", detail, now))

    async def record_link(self, admin_id: int, event_code: str | None, now: datetime) -> None:
        """A download link made for an organizer (the Telegram app fetches the list): the
        audit log says who, when the link is made, since the link itself names nobody."""
        detail = f"{event_code or 'all'} link"
        await self._db.write(lambda uow: uow.audit.record(admin_id, "export", detail, now))

    async def has_event(self, code: str) -> bool:
        return await self._db.read(lambda uow: uow.events.by_code(code)) is not None

    async def write_registrations(
        self,
        out: TextSink,
        event_code: str | None = None,
        *,
        timezone: str = "UTC",
        now: datetime | None = None,
        event_ids: frozenset[int] | None = None,
    ) -> int:
        """Write the CSV to `out` (opened with newline=""); returns the number of rows.

        `timezone` is the zone of `event_start_local`: the organizer's own, or the default
        one on the command line. `now` (the services' clock; the system's if not given)
        tells a session that has started, `held`, from one still to come. `event_ids`: only
        these events (an event organizer's export), else all."""
        moment = now or datetime.now(UTC)
        zone = ZoneInfo(timezone)
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow(COLUMNS)
        count = 0
        countries: dict[str, str] = {}  # country code: its cell
        events: dict[str, EventCells] = {}  # event code: its cells, computed once per event
        batches = self._db.stream(lambda uow: uow.registrations.export_rows(event_code, event_ids))
        async for batch in batches:
            for row in batch:
                country = countries.get(row.country)
                if country is None:
                    name = self._countries.name(row.country, "en") if row.country else ""
                    country = countries[row.country] = safe_cell(name)
                event = events.get(row.event_code)
                if event is None:
                    event = events[row.event_code] = EventCells.of(row, zone, moment)
                writer.writerow(_cells(row, country, event))
            count += len(batch)
        return count


def event_status(status: str, starts_at: datetime, now: datetime) -> str:
    """`cancelled`, `held` once its start has passed (as the statistics count a session
    that has taken place), else `scheduled`."""
    if status == EventStatus.CANCELLED:
        return EventStatus.CANCELLED.value
    return HELD if starts_at <= now else EventStatus.SCHEDULED.value


def _iso(moment: datetime) -> str:
    """ISO 8601 with its offset, to the minute as starts are written in a programme file
    (2027-03-10T15:00+01:00), to the second when the start has seconds."""
    exact = moment.second or moment.microsecond
    return moment.isoformat(timespec="seconds" if exact else "minutes")


@dataclass(frozen=True)
class EventCells:
    """What every row of one event shares."""

    code: str
    title: str
    cancelled: bool
    status: str
    start_utc: str
    start_local: str

    @classmethod
    def of(cls, row: ExportRow, zone: ZoneInfo, now: datetime) -> EventCells:
        return cls(
            safe_cell(row.event_code),
            safe_cell(row.event_title),
            row.event_status == EventStatus.CANCELLED,
            event_status(row.event_status, row.event_starts_at, now),  # our own words
            _iso(row.event_starts_at.astimezone(UTC)),
            _iso(row.event_starts_at.astimezone(zone)),
        )


def _cells(row: ExportRow, country: str, event: EventCells) -> list[str | int]:
    return [
        event.code,
        event.title,
        safe_cell(row.full_name),
        country,
        safe_cell(row.city),
        safe_cell(row.organization),
        safe_cell(row.role),
        safe_cell(row.email),
        safe_cell(row.language or ""),  # stored from Telegram's client: from outside too
        # Everyone signed up for a cancelled event was told; the list says so.
        CANCELLED_EVENT if event.cancelled else row.status,
        row.registered_at,
        # Kept for a cancelled event: the only sign the person had a place in line, not a seat.
        "" if row.position is None else row.position,
        row.checked_in_at,
        row.checkin_method,
        "" if row.rating is None else row.rating,
        safe_cell(row.comment),
        event.status,
        event.start_utc,
        event.start_local,
        "yes" if row.attended else "no",
    ]


def csv_to_xlsx(source: IO[str], target: IO[bytes]) -> None:
    """The registration list as an Excel workbook: the CSV's rows (its safe cells, text as
    text), streamed through openpyxl's write-only mode so memory stays flat."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("registrations")
    reader = csv.reader(source)
    for number, row in enumerate(reader):
        if number == 0 and row:
            row[0] = row[0].removeprefix("\ufeff")  # the CSV's mark for Excel
        sheet.append(row)
    book.save(target)
