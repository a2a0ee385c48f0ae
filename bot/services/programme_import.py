"""Reading a programme file into validated event drafts, reporting every bad row.

The whole file is checked before anything is written: the caller gets either drafts for every
row or the complete list of problems, each with its spreadsheet row number (a cell of several
lines is one row), so an organizer can fix the file in one go. Files as spreadsheets save them
are accepted: CSV in UTF-8 (with or without BOM), UTF-16 or Windows' encoding, separated by
commas, semicolons or tabs, or an .xlsx workbook (its first sheet); columns without a name
(Excel's empty trailing ones) and columns the bot does not use (speaker, notes...) are left
out, the latter named back to the organizer.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bot.i18n import N_, SUPPORTED_LANGUAGES
from bot.models import EventDraft, EventText
from bot.problems import InputProblem, Problem
from bot.services import event_fields as fields
from bot.services.tables import ReadingBudget, TableTooLarge, UnreadableTable, read_table

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
    *(f"{kind}_{code}" for code in SUPPORTED_LANGUAGES for kind in ("title", "description")),
)
MAX_ROWS = 5000
NAMES_LISTED = 20  # column names quoted back in a problem (a hostile header has thousands)
T = TypeVar("T")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class LineProblem:
    line: int  # the spreadsheet's row number; 0 for the file as a whole
    problem: Problem


@dataclass
class ParsedProgramme:
    drafts: list[EventDraft] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # columns the bot does not use (notes...)

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
    spreadsheet row. `current_starts` (the starts of the events already published, by code)
    lets an unchanged past start be."""
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
        problems, draft = _parse_row(row, now, current_starts or {})
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
    if not result.drafts and not result.problems:
        return _file_problem(N_("The file has a header but no events."))
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
    row: dict[str, str], now: datetime, current_starts: Mapping[str, datetime]
) -> tuple[list[Problem], EventDraft | None]:
    problems = _Problems()
    code = problems.take(fields.parse_code, row["code"])
    topic = problems.take(fields.parse_topic, row["topic"])
    current = current_starts.get(code) if code else None
    starts_at = problems.take(lambda raw: fields.parse_start(raw, now, current), row["starts_at"])
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
