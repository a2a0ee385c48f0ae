"""The optional `timezone` column: a start written without an offset is that local time in
the row's zone, the clocks' changes included; a bad zone is a problem of its row."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import Catalogs
from bot.services.container import Services
from bot.services.events import describe_import
from bot.services.programme_import import parse_programme
from tests.conftest import START, ChatDriver, texts
from tests.programme_files import HEADER, excel_csv_utf8, excel_workbook, google_sheets_csv, row
from tests.store import Store
from tests.test_event_admin import upload

ENGLISH = Catalogs().get("en")
ZONED = [*HEADER, "timezone"]


def at(code: str, start: str, zone: str) -> dict[str, str]:
    return row(code, START, starts_at=start, timezone=zone)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(data: bytes) -> dict[str, datetime]:
    parsed = parse_programme(data, START)
    assert parsed.ok, describe_import(ENGLISH, parsed)
    assert parsed.ignored == []
    return {draft.code: draft.starts_at for draft in parsed.drafts}


def problems(data: bytes) -> list[str]:
    return describe_import(ENGLISH, parse_programme(data, START)).split("\n")[1:]


def test_local_times_in_each_rows_zone() -> None:
    """Excel's CSV with a timezone column: Geneva (the issue's example, named by the database
    Europe/Zurich) in winter and summer, Manila, a zone typed in lower case; a start with its
    own offset or Z needs no zone, and one whose offset is the zone's is taken as written."""
    data = excel_csv_utf8(
        [
            at("geneva-winter", "2027-03-10 14:00", "Europe/Geneva"),
            at("geneva-summer", "2027-06-10 14:00", "Europe/Geneva"),
            at("manila", "2027-03-10T14:00", "Asia/Manila"),
            at("lower-case", "2027-03-10 14:00", "america/bogota"),
            at("utc", "2027-03-10T14:00Z", ""),
            at("agreeing", "2027-06-10T14:00+02:00", "Europe/Zurich"),
        ],
        ZONED,
    )
    assert starts(data) == {
        "geneva-winter": utc(2027, 3, 10, 13),
        "geneva-summer": utc(2027, 6, 10, 12),
        "manila": utc(2027, 3, 10, 6),
        "lower-case": utc(2027, 3, 10, 19),
        "utc": utc(2027, 3, 10, 14),
        "agreeing": utc(2027, 6, 10, 12),
    }


def test_the_hours_the_clocks_skip_and_repeat() -> None:
    """Europe/Zurich's spring change (28 March 2027, 02:00 → 03:00): 02:30 does not exist and
    is named by its row; its autumn change (31 October 2027, 03:00 → 02:00): 02:30 happens
    twice and is the first (summer time) unless the offset picks the second."""
    data = google_sheets_csv(
        [
            at("before", "2027-03-28 01:30", "Europe/Zurich"),
            at("gap", "2027-03-28 02:30", "Europe/Zurich"),
            at("after", "2027-03-28 03:30", "Europe/Zurich"),
            at("twice", "2027-10-31 02:30", "Europe/Zurich"),
            at("second", "2027-10-31T02:30+01:00", "Europe/Zurich"),
        ],
        ZONED,
    )
    assert problems(data) == [
        "Row 3: “2027-03-28 02:30” does not exist in Europe/Zurich: the clocks skip that "
        "hour (summer time begins). Write the time after the change."
    ]
    without_gap = google_sheets_csv(
        [at(code, start, zone) for code, start, zone in _rows(data) if code != "gap"], ZONED
    )
    assert starts(without_gap) == {
        "before": utc(2027, 3, 28, 0, 30),
        "after": utc(2027, 3, 28, 1, 30),
        "twice": utc(2027, 10, 31, 0, 30),
        "second": utc(2027, 10, 31, 1, 30),
    }


def test_a_bad_zone_or_a_contradiction_is_a_problem_of_its_row() -> None:
    """An unknown zone, an offset that is not the zone's on that day, a date without a time,
    and a start without offset whose zone cell is empty: each named by its row."""
    data = excel_csv_utf8(
        [
            at("fine", "2027-03-10 14:00", "Africa/Nairobi"),
            at("atlantis", "2027-03-10 14:00", "Europe/Atlantis"),
            at("contradiction", "2027-07-01T14:00+01:00", "Europe/Zurich"),
            at("date-only", "2027-03-10", "Europe/Zurich"),
            at("no-zone", "2027-03-10 14:00", ""),
        ],
        ZONED,
    )
    assert problems(data) == [
        "Row 3: Unknown time zone “Europe/Atlantis”: use a name such as Europe/Zurich or "
        "Asia/Manila.",
        "Row 4: The start “2027-07-01T14:00+01:00” has its own UTC offset, which is not that "
        "of Europe/Zurich on that day (UTC+02:00): remove the offset or the time zone.",
        "Row 5: “2027-03-10” is not a date and time such as 2027-03-10 14:00.",
        "Row 6: The time “2027-03-10 14:00” has no UTC offset: write it like "
        "2026-12-03T14:00+03:00, or give its time zone in the timezone column (such as "
        "Europe/Zurich).",
    ]


def test_without_the_column_a_start_needs_its_offset_as_before() -> None:
    """No timezone column: a start without offset is refused with today's words."""
    data = excel_csv_utf8([row("naive", START, starts_at="2027-03-10 14:00")])
    assert problems(data) == [
        "Row 2: The time “2027-03-10 14:00” has no UTC offset; write it like "
        "2026-12-03T14:00+03:00."
    ]


async def test_a_workbook_with_date_cells_and_zones_sent_in_chat(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """An .xlsx whose starts are Excel date cells (no zone: the sheet's local times) and a
    timezone column, sent in chat: each session starts at its local time."""
    await organizer.settle(language="en")
    afternoon = datetime(2027, 3, 10, 14, 0)  # noqa: DTZ001 (the sheet's local time)
    morning = datetime(2027, 3, 10, 9, 30)  # noqa: DTZ001
    rows: list[dict[str, object]] = [
        {**row("nairobi", START), "starts_at": afternoon, "timezone": "Africa/Nairobi"},
        {**row("bogota", START), "starts_at": morning, "timezone": "America/Bogota"},
    ]
    [reply] = texts(await upload(organizer, "programme.xlsx", excel_workbook(rows, ZONED)))
    assert reply.startswith("The programme was imported.\n2 events added")
    stored = await db.fetch_all("SELECT code, starts_at FROM events ORDER BY code")
    assert stored == [
        ("bogota", "2027-03-10T14:30:00+00:00"),
        ("nairobi", "2027-03-10T11:00:00+00:00"),
    ]


def _rows(data: bytes) -> list[tuple[str, str, str]]:
    """(code, starts_at, timezone) of each row of a CSV written by `google_sheets_csv`."""
    lines = data.decode().split("\r\n")[1:]
    return [(cells[0], cells[2], cells[-1]) for cells in (line.split(",") for line in lines)]
