"""Reading a programme file into validated event drafts, reporting every bad row.

The whole file is checked before anything is written: the caller gets either drafts for every
row or the complete list of problems, each with its spreadsheet row number (a cell of several
lines is one row), so an organizer can fix the file in one go. Files as spreadsheets save them
are accepted: CSV in UTF-8 (with or without BOM), UTF-16 or Windows' encoding, separated by
commas, semicolons or tabs, or an .xlsx workbook (its first sheet); columns without a name
(Excel's empty trailing ones) and columns the bot does not use (speaker, notes...) are left
out, the latter named back to the organizer.

A start may be in the past: a year's programme is loaded with the sessions already held,
which are kept for the statistics and attendance and never offered (`bot.services.exports`'
`event_status` is the one rule of "held"). A start without a UTC offset is read in the zone
of the row's optional `timezone` column.

The optional course columns (`course`, `course_title`, `course_required`, `certificate`...)
are read by `bot.services.programme_courses`, with the row's other cells: a file without them
reads exactly as before.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

from bot.i18n import N_, SUPPORTED_LANGUAGES
from bot.models import EventDraft, EventText
from bot.problems import InputProblem, Problem
from bot.services import event_fields as fields
from bot.services import programme_courses as courses
from bot.services.tables import ReadingBudget, TableTooLarge, UnreadableTable, read_table
from bot.services.timezones import CITY_ZONES, is_known_zone

REQUIRED_COLUMNS = (
    "code",
    "topic",
    "starts_at",
    "duration_minutes",
    "capacity",
    "language",
    "join_url",
    "title",
    "description",
)
OPTIONAL_COLUMNS = (
    "min_attendance_minutes",
    "timezone",  # the IANA zone of a start written without a UTC offset
    *(f"{kind}_{code}" for code in SUPPORTED_LANGUAGES for kind in ("title", "description")),
    *courses.COLUMNS,  # the course of the row's session, and the course's own values
)
MAX_ROWS = 5000
NAMES_LISTED = 20  # column names quoted back in a problem (a hostile header has thousands)
T = TypeVar("T")
MAX_BYTES = 5 * 1024 * 1024
FURTHEST_AHEAD = timedelta(days=3 * 366)
FURTHEST_BACK = timedelta(days=10 * 366)  # a year's programme, or several; not a typo's 1926
EXAMPLE_LOCAL_START = "2027-03-10 14:00"
# Cities organizers write as a zone ("Europe/Geneva") that the time-zone database names by
# another city of the same zone.
OTHER_CITY_ZONES = {
    "geneva": "Europe/Zurich",
    "genève": "Europe/Zurich",
    "bern": "Europe/Zurich",
    "bonn": "Europe/Berlin",
    "the hague": "Europe/Amsterdam",
    "strasbourg": "Europe/Paris",
    "kobe": "Asia/Tokyo",
    "incheon": "Asia/Seoul",
}


@dataclass(frozen=True)
class LineProblem:
    line: int  # the spreadsheet's row number; 0 for the file as a whole
    problem: Problem


@dataclass
class ParsedProgramme:
    drafts: list[EventDraft] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # columns the bot does not use (notes...)
    courses: courses.FileCourses = field(default_factory=courses.FileCourses)

    @property
    def ok(self) -> bool:
        return not self.problems


def _file_problem(message: str, **values: object) -> ParsedProgramme:
    problem = Problem(message, {key: str(value) for key, value in values.items()})
    return ParsedProgramme(problems=[LineProblem(0, problem)])


def parse_programme(
    data: bytes, now: datetime, current_starts: Mapping[str, datetime] | None = None
) -> ParsedProgramme:
    """Every row of the file as a draft, or every problem found in it, each named by its
    spreadsheet row. `current_starts` is no longer needed (every past start is accepted now,
    as held) and is kept for callers that still pass it."""
    if len(data) > MAX_BYTES:
        return _file_problem(N_("The file is larger than {limit} MB."), limit=MAX_BYTES // 2**20)
    try:
        table = read_table(data, ReadingBudget(rows=MAX_ROWS * 2), first_sheet_only=True)
    except TableTooLarge:
        return _file_problem(N_("The file has more than {limit} rows."), limit=MAX_ROWS)
    except UnreadableTable as exc:
        if "field larger than field limit" in str(exc):  # the csv module's words, no subclass
            return _file_problem(
                N_("A cell is longer than {limit} characters."), limit=csv.field_size_limit()
            )
        return _file_problem(N_("The file is not a table. Save it as CSV or .xlsx and try again."))
    rows = table.rows
    first = next((index for index, cells in enumerate(rows) if any(cells)), None)
    if first is None:
        return _file_problem(N_("The file is empty."))
    header = [cell.strip().lower() for cell in rows[first]]
    named = [name for name in header if name]  # Excel's empty trailing columns have none
    missing = [c for c in REQUIRED_COLUMNS if c not in named]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    duplicated = sorted(c for c, n in Counter(named).items() if n > 1 and c in known)
    result = ParsedProgramme(ignored=list(dict.fromkeys(c for c in named if c not in known)))
    header_row = first + 1
    if missing:
        result.problems.append(
            LineProblem(
                header_row,
                Problem(N_("Missing columns: {columns}."), {"columns": ", ".join(missing)}),
            )
        )
    if duplicated:
        result.problems.append(
            LineProblem(
                header_row,
                Problem(
                    N_("Columns named twice: {columns}."),
                    {"columns": ", ".join(duplicated[:NAMES_LISTED])},
                ),
            )
        )
    if result.problems:
        return result
    first_row_of: dict[str, int] = {}
    course_rows: list[courses.CourseRow] = []
    events = 0
    for index in range(first + 1, len(rows)):
        cells, row_number = rows[index], index + 1
        if not any(cells):
            continue
        events += 1
        if events > MAX_ROWS:
            return _file_problem(N_("The file has more than {limit} rows."), limit=MAX_ROWS)
        if len(cells) > len(header):
            result.problems.append(
                LineProblem(
                    row_number, Problem(N_("This row has more cells than the header has columns."))
                )
            )
            continue
        row = {
            name: cell
            for name, cell in zip(header, cells + [""] * (len(header) - len(cells)), strict=True)
            if name in known
        }
        problems, draft = _parse_row(row, now, zoned="timezone" in named)
        course_problems, course_cells = courses.read_cells(row)
        problems += course_problems
        if draft is not None and draft.code in first_row_of:
            problems.append(
                Problem(
                    N_("The code {code} is already used on row {row}."),
                    {"code": draft.code, "row": str(first_row_of[draft.code])},
                )
            )
        if problems:
            result.problems.extend(LineProblem(row_number, p) for p in problems)
        elif draft is not None:
            first_row_of[draft.code] = row_number
            result.drafts.append(draft)
            course_rows.append(courses.CourseRow(row_number, draft.code, course_cells))
    if not result.drafts and not result.problems:
        return _file_problem(N_("The file has a header but no events."))
    gathered, result.courses = courses.gather(course_rows, named, first_row_of)
    if gathered:  # about rows already read: listed in the order of the rows
        result.problems.extend(LineProblem(line, problem) for line, problem in gathered)
        result.problems.sort(key=lambda found: found.line)
    return result


class _Problems:
    """Collects every problem of a row instead of stopping at the first one."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def take(self, parse: Callable[[str], T], raw: str) -> T | None:
        try:
            return parse(raw)
        except InputProblem as exc:
            self.found.append(exc.problem)
            return None


def _parse_row(
    row: dict[str, str], now: datetime, zoned: bool
) -> tuple[list[Problem], EventDraft | None]:
    problems = _Problems()
    code = problems.take(fields.parse_code, row["code"])
    topic = problems.take(fields.parse_topic, row["topic"])
    zone = row.get("timezone", "")
    starts_at = problems.take(lambda raw: parse_start(raw, zone, now, zoned), row["starts_at"])
    duration = problems.take(fields.parse_duration, row["duration_minutes"])
    capacity = problems.take(fields.parse_capacity, row["capacity"])
    language = problems.take(fields.parse_language, row["language"])
    join_url = problems.take(fields.parse_url, row["join_url"])
    title = problems.take(fields.parse_title, row["title"])
    description = problems.take(fields.parse_description, row["description"])
    minimum = problems.take(fields.parse_min_attendance, row.get("min_attendance_minutes", ""))
    texts: dict[str, EventText] = {}
    for lang in SUPPORTED_LANGUAGES:
        lang_title = problems.take(fields.parse_title, row.get(f"title_{lang}", ""))
        lang_text = problems.take(fields.parse_description, row.get(f"description_{lang}", ""))
        if lang_title or lang_text:
            texts[lang] = EventText(lang_title or "", lang_text or "")
    default_title = title or next((t.title for t in texts.values() if t.title), "")
    if not default_title and title is not None:
        problems.found.append(
            Problem(N_("The event has no title in any language (columns title or title_xx)."))
        )
    if (
        problems.found
        or code is None
        or topic is None
        or starts_at is None
        or duration is None
        or language is None
        or join_url is None
    ):
        return problems.found, None
    return [], EventDraft(
        code=code,
        topic=topic,
        starts_at=starts_at,
        duration_minutes=duration,
        capacity=capacity,
        language=language,
        join_url=join_url,
        title=default_title,
        description=description or "",
        texts=texts,
        min_attendance_minutes=minimum,
    )


def parse_start(raw: str, zone_name: str, now: datetime, zoned: bool = False) -> datetime:
    """A row's start in UTC: ISO 8601 with its UTC offset, or a local date and time in the
    row's `timezone` (`zone_name`; `zoned`: the file has that column). A start may be past
    (the session is imported as held), but not more than ten years ago nor three years away.

    In the zone, an hour the clocks skip (spring forward) does not exist and is refused; an
    hour that occurs twice (fall back) is the first of the two (a written offset chooses the
    second). A start with its own offset and a zone whose offset at that moment differs is
    refused rather than guessed: the file says two different things.
    """
    text = raw.strip()
    zone = _zone(zone_name) if zone_name.strip() else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        example = EXAMPLE_LOCAL_START if zone else fields.EXAMPLE_START
        raise InputProblem(
            N_("“{value}” is not a date and time such as {example}."),
            value=raw[:60],
            example=example,
        ) from None
    if moment.tzinfo is None:
        if zone is None:
            raise _no_offset(raw, zoned)
        if ":" not in text:  # a date alone is not a start (midnight would be a guess)
            raise InputProblem(
                N_("“{value}” is not a date and time such as {example}."),
                value=raw[:60],
                example=EXAMPLE_LOCAL_START,
            )
        moment = _local(moment, zone, raw, zone_name.strip()[:60])
    elif moment.utcoffset() is None:
        raise _no_offset(raw, zoned)
    elif zone is not None and moment.astimezone(zone).utcoffset() != moment.utcoffset():
        raise InputProblem(
            N_(
                "The start “{value}” has its own UTC offset, which is not that of {zone} on "
                "that day ({offset}): remove the offset or the time zone."
            ),
            value=raw[:60],
            zone=zone_name.strip()[:60],
            offset=_offset_text(moment.astimezone(zone)),
        )
    if moment > now + FURTHEST_AHEAD:
        raise InputProblem(N_("The start “{value}” is more than three years away."), value=raw[:60])
    if moment < now - FURTHEST_BACK:
        raise InputProblem(N_("The start “{value}” is more than ten years ago."), value=raw[:60])
    return moment.astimezone(UTC)


def _no_offset(raw: str, zoned: bool) -> InputProblem:
    if zoned:
        return InputProblem(
            N_(
                "The time “{value}” has no UTC offset: write it like {example}, or give its "
                "time zone in the timezone column (such as Europe/Zurich)."
            ),
            value=raw[:60],
            example=fields.EXAMPLE_START,
        )
    return InputProblem(
        N_("The time “{value}” has no UTC offset; write it like {example}."),
        value=raw[:60],
        example=fields.EXAMPLE_START,
    )


def _local(naive: datetime, zone: ZoneInfo, raw: str, written: str) -> datetime:
    """A wall-clock time in `zone`; the first of two when it occurs twice, refused when the
    clocks skip it (it comes back different from UTC and back)."""
    moment = naive.replace(tzinfo=zone, fold=0)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InputProblem(
            N_(
                "“{value}” does not exist in {zone}: the clocks skip that hour (summer time "
                "begins). Write the time after the change."
            ),
            value=raw[:60],
            zone=written,
        )
    return moment


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone(raw: str) -> ZoneInfo:
    """The zone a cell names: an IANA name in any case ("europe/paris"), or a city the
    database names differently ("Europe/Geneva" is Europe/Zurich, "Washington" is
    America/New_York); a problem otherwise."""
    name = raw.strip()
    lower = name.lower()
    city = lower.rsplit("/", 1)[-1].replace("_", " ")
    found = name if is_known_zone(name) else _zone_names().get(lower) or _city_zones().get(city)
    if found is None:
        raise InputProblem(
            N_("Unknown time zone “{value}”: use a name such as Europe/Zurich or Asia/Manila."),
            value=raw[:60],
        )
    return ZoneInfo(found)


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every zone of the time-zone database by its name in lower case (read once)."""
    return {name.lower(): name for name in available_timezones()}


@functools.cache
def _city_zones() -> dict[str, str]:
    """Cities by name in lower case: each zone's own city ("nairobi"), the large cities
    the time-zone search knows, and the programme's cities the database names otherwise."""
    zones = {
        name.rsplit("/", 1)[-1].replace("_", " ").lower(): name
        for name in sorted(available_timezones())
        if "/" in name and not name.startswith("Etc/")
    }
    zones.update({city: zone for zone, cities in CITY_ZONES.items() for city in cities})
    return zones | OTHER_CITY_ZONES
