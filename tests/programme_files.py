"""Programme CSV files for tests, written the way organizers' spreadsheets write them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

HEADER = [
    "code",
    "topic",
    "starts_at",
    "duration_minutes",
    "capacity",
    "language",
    "join_url",
    "title",
    "description",
    "title_fr",
    "title_ar",
    "title_zh",
]


def row(code: str, start: datetime, **overrides: str) -> dict[str, str]:
    values = {
        "code": code,
        "topic": "climate-change",
        "starts_at": start.isoformat(timespec="minutes"),
        "duration_minutes": "60",
        "capacity": "50",
        "language": "en",
        "join_url": f"https://meet.example.org/{code}",
        "title": f"Session {code}",
        "description": f"About {code}.",
        "title_fr": "",
        "title_ar": "",
        "title_zh": "",
    }
    values.update(overrides)
    return values


def programme(rows: list[dict[str, str]], delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def series(count: int, first: datetime, step: timedelta = timedelta(hours=6)) -> bytes:
    """`count` valid events, `step` apart, starting at `first`."""
    return programme([row(f"ev-{i:03d}", first + i * step) for i in range(count)])


# Files as the tools save them (see tests/test_programme_files.py for what each one does).


def excel_csv_utf8(
    rows: list[dict[str, str]], columns: list[str] = HEADER, empty_columns: int = 3
) -> bytes:
    """Excel's "CSV UTF-8 (Comma delimited)": a byte-order mark, CRLF, cells quoted only when
    they must be, and a comma for every formatted empty column at the end of each row."""
    lines = [
        ",".join([*(_quoted(cell) for cell in cells), *[""] * empty_columns])
        for cells in [columns, *([r.get(c, "") for c in columns] for r in rows)]
    ]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n"


def google_sheets_csv(rows: list[dict[str, str]], columns: list[str] = HEADER) -> bytes:
    """Google Sheets' "Download → Comma-separated values": no mark, CRLF, no line end after
    the last row."""
    lines = [
        ",".join(_quoted(cell) for cell in cells)
        for cells in [columns, *([r.get(c, "") for c in columns] for r in rows)]
    ]
    return "\r\n".join(lines).encode("utf-8")


def excel_workbook(rows: list[dict[str, object]], columns: list[str] = HEADER) -> bytes:
    """An .xlsx as Excel saves it: numbers as numbers, and a start typed as a date and time
    (a `datetime` here) stored as a date cell, without a zone, formatted as Excel shows it."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Programme"
    sheet.append(columns)
    for values in rows:
        cells: list[object] = []
        for column in columns:
            value = values.get(column, "")
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            cells.append(value if value != "" else None)
        sheet.append(cells)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _quoted(cell: str) -> str:
    if any(mark in cell for mark in (",", '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell
