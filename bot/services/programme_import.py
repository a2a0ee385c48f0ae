"""Reading a programme CSV into validated event drafts, reporting every bad row.

The whole file is checked before anything is written: the caller gets either drafts for every
row or the complete list of problems, each with its line number, so an organizer can fix the
file in one go. Spreadsheets exported in many locales are accepted: UTF-8 with or without BOM,
separated by commas, semicolons or tabs.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bot.i18n import N_, SUPPORTED_LANGUAGES
from bot.models import EventDraft, EventText
from bot.problems import InputProblem, Problem
from bot.services import event_fields as fields
from bot.services.spreadsheets import spreadsheet_dialect

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
    line: int  # 0 for the file as a whole
    problem: Problem


@dataclass
class ParsedProgramme:
    drafts: list[EventDraft] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _file_problem(message: str, **values: object) -> ParsedProgramme:
    problem = Problem(message, {key: str(value) for key, value in values.items()})
    return ParsedProgramme(problems=[LineProblem(0, problem)])


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def parse_programme(
    data: bytes, now: datetime, current_starts: Mapping[str, datetime] | None = None
) -> ParsedProgramme:
    """Every row of the file as a draft, or every problem found in it. `current_starts`
    (the starts of the events already published, by code) lets an unchanged past start be."""
    if len(data) > MAX_BYTES:
        return _file_problem(N_("The file is larger than {limit} MB."), limit=MAX_BYTES // 2**20)
    text = _decode(data)
    if text is None:
        return _file_problem(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        )
    if not text.strip():
        return _file_problem(N_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), spreadsheet_dialect(text))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except csv.Error:
        return _file_problem(N_("The file is not a CSV table."))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS]
    duplicated = sorted(c for c, n in Counter(header).items() if n > 1)[:NAMES_LISTED]
    result = ParsedProgramme()
    if missing:
        result.problems.append(
            LineProblem(
                1, Problem(N_("Missing columns: {columns}."), {"columns": ", ".join(missing)})
            )
        )
    if unknown:
        result.problems.append(
            LineProblem(
                1,
                Problem(
                    N_("Unknown columns: {columns}. Allowed: {allowed}."),
                    {
                        "columns": ", ".join(c[:40] or "(empty)" for c in unknown[:NAMES_LISTED])
                        + ("…" if len(unknown) > NAMES_LISTED else ""),
                        "allowed": ", ".join(REQUIRED_COLUMNS) + ", title_xx, description_xx",
                    },
                ),
            )
        )
    if duplicated:
        result.problems.append(
            LineProblem(
                1,
                Problem(N_("Columns named twice: {columns}."), {"columns": ", ".join(duplicated)}),
            )
        )
    if result.problems:
        return result

    first_line_of: dict[str, int] = {}
    line = reader.line_num + 1
    rows = 0
    try:
        for cells in reader:
            row_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            rows += 1
            if rows > MAX_ROWS:
                return _file_problem(N_("The file has more than {limit} rows."), limit=MAX_ROWS)
            if len(cells) > len(header):
                result.problems.append(
                    LineProblem(
                        row_line,
                        Problem(N_("This row has more cells than the header has columns.")),
                    )
                )
                continue
            row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
            problems, draft = _parse_row(row, now, current_starts or {})
            if draft is not None and draft.code in first_line_of:
                problems.append(
                    Problem(
                        N_("The code {code} is already used on line {line}."),
                        {"code": draft.code, "line": str(first_line_of[draft.code])},
                    )
                )
            if problems:
                result.problems.extend(LineProblem(row_line, p) for p in problems)
            elif draft is not None:
                first_line_of[draft.code] = row_line
                result.drafts.append(draft)
    except csv.Error as exc:
        result.problems.append(LineProblem(line, _csv_problem(exc)))
    if not result.drafts and not result.problems:
        return _file_problem(N_("The file has a header but no events."))
    return result


def _csv_problem(exc: csv.Error) -> Problem:
    """What the csv module refused, said as an organizer would understand it."""
    if "field larger than field limit" in str(exc):  # the module's own wording, no subclass
        return Problem(
            N_("A cell on this line is longer than {limit} characters."),
            {"limit": str(csv.field_size_limit())},
        )
    return Problem(N_("This line is not valid CSV."))


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
