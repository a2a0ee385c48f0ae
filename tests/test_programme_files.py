"""Programme files as spreadsheets really save them, written from each tool's documented
output rather than from what the parser expects:

- Excel "CSV UTF-8 (Comma delimited)" in a French locale: a byte-order mark, the locale's list
  separator (a semicolon), CRLF line ends, a separator for every formatted empty column at the
  end of each row, and a cell holding a line break quoted over two text lines;
- Google Sheets "Download → Comma-separated values": no mark, commas, CRLF, quoted multi-line
  cells;
- Excel "Unicode Text": UTF-16 little-endian with its mark, tabs, CRLF (saved as .txt);
- an .xlsx workbook with a planning column and a second sheet of notes.

Problems are named by spreadsheet row, as the organizer sees the sheet: a two-line cell is
one row.
"""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook

from bot.i18n import Catalogs
from bot.services.container import Services
from bot.services.events import describe_import
from bot.services.programme_import import parse_programme
from tests.conftest import START, ChatDriver, texts
from tests.programme_files import HEADER
from tests.store import Store
from tests.test_event_admin import upload

ENGLISH = Catalogs().get("en")
SOON = START + timedelta(days=2)
COLUMNS = HEADER[:9]  # the contract's required columns, code to description


def cells(code: str, capacity: str = "40", description: str = "About it.") -> list[str]:
    start = (SOON + timedelta(hours=len(code))).isoformat(timespec="minutes")
    return [
        code,
        "climate-change",
        start,
        "90",
        capacity,
        "fr",
        f"https://meet.example.org/{code}",
        f"Atelier {code}",
        description,
    ]


def quoted(cell: str, separator: str) -> str:
    """A cell as Excel and Google Sheets quote it: only when it holds the separator, a quote
    or a line break."""
    if any(mark in cell for mark in (separator, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def excel_csv_utf8_fr(rows: list[list[str]], empty_columns: int = 3) -> bytes:
    separator = ";"
    lines = [
        separator.join([*map(lambda c: quoted(c, separator), row), *[""] * empty_columns])
        for row in [COLUMNS, *rows]
    ]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n"


def google_sheets_csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(quoted(c, ",") for c in row) for row in [COLUMNS, *rows]]
    return "\r\n".join(lines).encode("utf-8")  # no line end after the last row


def excel_unicode_text(rows: list[list[str]]) -> bytes:
    lines = ["\t".join(quoted(c, "\t") for c in row) for row in [COLUMNS, *rows]]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Programme"
    sheet.append([*COLUMNS, "Speaker"])
    for row in rows:  # numbers stored as numbers, as a spreadsheet keeps them
        sheet.append([*(int(cell) if cell.isdigit() else cell for cell in row), "Dr. Diallo"])
    notes = book.create_sheet("Notes")
    notes.append(["Remember to book the interpreters"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TWO_LINES = "Première ligne.\nSeconde ligne ; avec un point-virgule, et une virgule."


def test_an_excel_csv_utf8_export_with_empty_columns_imports() -> None:
    parsed = parse_programme(
        excel_csv_utf8_fr([cells("a", description=TWO_LINES), cells("bb")]), START
    )
    assert parsed.ok, parsed.problems
    assert [d.code for d in parsed.drafts] == ["a", "bb"]
    assert parsed.drafts[0].description == TWO_LINES
    assert parsed.ignored == []


def test_a_problem_is_named_by_its_spreadsheet_row_after_a_two_line_cell() -> None:
    """Row 2 holds a two-line cell (text lines 2 and 3): the bad capacity of the event on
    row 3 of the sheet is reported on row 3, not on text line 4."""
    for data in (
        excel_csv_utf8_fr([cells("a", description=TWO_LINES), cells("bb", capacity="-1")]),
        google_sheets_csv([cells("a", description=TWO_LINES), cells("bb", capacity="-1")]),
    ):
        [problem] = parse_programme(data, START).problems
        assert problem.line == 3
        assert (
            describe_import(ENGLISH, parse_programme(data, START))
            .splitlines()[1]
            .startswith("Row 3: The capacity must be a whole number")
        )


def test_a_google_sheets_export_imports() -> None:
    parsed = parse_programme(google_sheets_csv([cells("a", description=TWO_LINES)]), START)
    assert parsed.ok, parsed.problems
    assert parsed.drafts[0].description == TWO_LINES


def test_an_excel_unicode_text_file_imports() -> None:
    parsed = parse_programme(excel_unicode_text([cells("a"), cells("bb")]), START)
    assert parsed.ok, parsed.problems
    assert [d.title for d in parsed.drafts] == ["Atelier a", "Atelier bb"]


def test_a_workbook_imports_its_first_sheet_and_names_the_columns_left_out() -> None:
    parsed = parse_programme(workbook([cells("a"), cells("bb")]), START)
    assert parsed.ok, parsed.problems
    assert [d.code for d in parsed.drafts] == ["a", "bb"]
    assert parsed.drafts[0].duration_minutes == 90
    assert parsed.ignored == ["speaker"]


async def test_an_organizer_sends_a_workbook_in_chat(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """An .xlsx sent in chat is imported like a CSV, and the summary names the planning
    column it left out."""
    await organizer.settle(language="en")
    [reply] = texts(await upload(organizer, "programme 2027.xlsx", workbook([cells("a")])))
    assert reply.startswith("The programme was imported.")
    assert "1 event added" in reply
    assert reply.endswith("Columns the bot does not use, left out: speaker.")
    assert await db.read(lambda u: u.events.count()) == 1
