"""The programme file's course columns: the course each row's session belongs to, and the
course's own values gathered from its rows.

A course is made of the rows that name it in `course`. Its own values (titles, descriptions,
how many sessions complete it, whether one session may be taken alone, its certificate) may
be written on any one of its rows and left empty on the others, so an organizer does not
repeat them; two rows that say different things are both named back, since either could be
the mistake. A column the file does not have changes nothing (a file without `course` leaves
every event where it is, a known course keeps the values of the columns the file lacks); a
column the file has and a course's rows all leave empty is that value's default (all
sessions, one session may be taken alone, a certificate), as an empty event cell is.

Pure: only what the file says. Whether a course is new, and whether its code is taken by a
stored event, is decided against the database (`bot.services.course_plans`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.i18n import N_, SUPPORTED_LANGUAGES
from bot.problems import InputProblem, Problem
from bot.services import event_fields as fields

COURSE = "course"
TITLE = "course_title"
DESCRIPTION = "course_description"
REQUIRED = "course_required"
SINGLE_SESSIONS = "course_single_sessions"
CERTIFICATE = "certificate"
TEXT_KINDS = ("title", "description")
TEXT_COLUMNS = tuple(
    f"course_{kind}_{language}" for language in SUPPORTED_LANGUAGES for kind in TEXT_KINDS
)
# A course's own values, as the columns name them (`certificate` is one on a course's rows).
VALUE_COLUMNS = (TITLE, DESCRIPTION, *TEXT_COLUMNS, REQUIRED, SINGLE_SESSIONS, CERTIFICATE)
COLUMNS = (COURSE, *VALUE_COLUMNS)
NAMES_LISTED = 5  # columns named in one problem

CourseValue = str | int | bool | None
T = TypeVar("T")

# What a column the file has means for a course whose rows all leave it empty. The default
# title is not among them: a new course without one is refused, a known one keeps its own.
DEFAULTS: dict[str, CourseValue] = {
    DESCRIPTION: "",
    **dict.fromkeys(TEXT_COLUMNS, ""),
    REQUIRED: None,  # all of its sessions
    SINGLE_SESSIONS: True,
    CERTIFICATE: True,
}


@dataclass(frozen=True)
class CourseCells:
    """One row's course cells, read."""

    course: str | None  # the code of its course; None: none (an empty cell, or no column)
    values: dict[str, CourseValue]  # the course's own values the row gives (non-empty cells)
    written: dict[str, str]  # those cells as written, to name them back
    certificate: bool | None  # the `certificate` cell; None when empty or absent


@dataclass(frozen=True)
class CourseRow:
    line: int  # the spreadsheet's row number
    event: str  # the code of the row's event
    cells: CourseCells


@dataclass(frozen=True)
class CourseDraft:
    """A course as the file describes it."""

    code: str  # as its first row writes it
    line: int  # its first row
    sessions: tuple[str, ...]  # the codes of its rows' events, in the file's order
    values: dict[str, CourseValue]  # its own values by column; a column the file lacks: absent

    @property
    def title(self) -> str:
        """The default title the file gives: `course_title`, else the first
        `course_title_<ll>` (as an event's title falls back on `title_<ll>`); "" for none."""
        found = [self.values.get(TITLE)]
        found += [self.values.get(f"course_title_{language}") for language in SUPPORTED_LANGUAGES]
        return next((value for value in found if isinstance(value, str) and value), "")


@dataclass(frozen=True)
class FileCourses:
    """The course part of a programme file."""

    courses: tuple[CourseDraft, ...] = ()
    # Event code: the code of its course (None: in no course). Only with the `course` column.
    course_of: dict[str, str | None] = field(default_factory=dict)
    # Event code: whether it gives a certificate of its own (a course's sessions do not: the
    # course gives one). Only with the `certificate` column.
    certificates: dict[str, bool] = field(default_factory=dict)
    event_rows: dict[str, int] = field(default_factory=dict)  # event code: its row


def _take(found: list[Problem], parse: Callable[[str], T], raw: str) -> T | None:
    try:
        return parse(raw)
    except InputProblem as exc:
        found.append(exc.problem)
        return None


def read_cells(row: Mapping[str, str]) -> tuple[list[Problem], CourseCells]:
    """A row's course cells, each checked; every problem of them."""
    found: list[Problem] = []
    course = _take(found, fields.parse_code, row[COURSE]) if row.get(COURSE, "").strip() else None
    parsers: dict[str, Callable[[str], CourseValue]] = {
        TITLE: fields.parse_title,
        DESCRIPTION: fields.parse_description,
        REQUIRED: fields.parse_required_sessions,
        SINGLE_SESSIONS: lambda raw: fields.parse_yes_no(raw, SINGLE_SESSIONS, True),
    }
    for column in TEXT_COLUMNS:
        parsers[column] = fields.parse_title if "_title_" in column else fields.parse_description
    values: dict[str, CourseValue] = {}
    written: dict[str, str] = {}
    for column, parse in parsers.items():
        raw = row.get(column, "")
        if raw.strip():
            value = _take(found, parse, raw)
            if value is not None and value != "":
                values[column], written[column] = value, raw.strip()
    certificate = None
    if row.get(CERTIFICATE, "").strip():
        certificate = _take(
            found, lambda raw: fields.parse_yes_no(raw, CERTIFICATE, False), row[CERTIFICATE]
        )
    if values and course is None and not row.get(COURSE, "").strip():
        named = ", ".join(list(values)[:NAMES_LISTED])
        found.append(
            Problem(
                N_(
                    "{columns}: these describe a course, but the course column of this row "
                    "is empty."
                ),
                {"columns": named},
            )
        )
    if course is not None and certificate is not None:
        values[CERTIFICATE], written[CERTIFICATE] = certificate, row[CERTIFICATE].strip()
    return found, CourseCells(course, values, written, certificate)


def gather(
    rows: Sequence[CourseRow], columns: Collection[str], event_rows: Mapping[str, int]
) -> tuple[list[tuple[int, Problem]], FileCourses]:
    """The file's courses from its rows (`columns`: the file's columns; `event_rows`: each
    event's row): two rows of a course giving it different values, or a course with the code
    of an event of the file, are problems named by row."""
    problems: list[tuple[int, Problem]] = []
    grouped: dict[str, list[CourseRow]] = {}
    for row in rows:
        if row.cells.course is not None:
            grouped.setdefault(row.cells.course.lower(), []).append(row)
    events_by_key = {code.lower(): line for code, line in event_rows.items()}
    drafts: list[CourseDraft] = []
    for key, course_rows in grouped.items():
        first = course_rows[0]
        code = first.cells.course
        assert code is not None
        if key in events_by_key:
            problems.append(
                (
                    first.line,
                    Problem(
                        N_(
                            "The code {code} is both a course and the event of row {row}: a "
                            "link names only one of them. Choose another code for one of them."
                        ),
                        {"code": code, "row": str(events_by_key[key])},
                    ),
                )
            )
        values = {column: value for column, value in DEFAULTS.items() if column in columns}
        given: dict[str, CourseRow] = {}
        for row in course_rows:
            for column, value in row.cells.values.items():
                earlier = given.get(column)
                if earlier is None:
                    given[column], values[column] = row, value
                elif earlier.cells.values[column] != value:
                    problems.append((row.line, _conflict(code, column, earlier, row)))
        sessions = tuple(row.event for row in course_rows)
        drafts.append(CourseDraft(code, first.line, sessions, values))
    course_of: dict[str, str | None] = {}
    if COURSE in columns:
        codes = {draft.code.lower(): draft.code for draft in drafts}
        for row in rows:
            course = row.cells.course
            course_of[row.event] = codes[course.lower()] if course is not None else None
    certificates: dict[str, bool] = {}
    if CERTIFICATE in columns:
        for row in rows:
            own = row.cells.course is None and bool(row.cells.certificate)
            certificates[row.event] = own
    problems.sort(key=lambda found: found[0])
    return problems, FileCourses(tuple(drafts), course_of, certificates, dict(event_rows))


def _conflict(code: str, column: str, earlier: CourseRow, row: CourseRow) -> Problem:
    return Problem(
        N_(
            "The course {code} has {column} “{other}” on row {row} and “{value}” here: write "
            "it on one of its rows, or the same on each."
        ),
        {
            "code": code,
            "column": column,
            "other": earlier.cells.written[column][:60],
            "row": str(earlier.line),
            "value": row.cells.written[column][:60],
        },
    )
