"""Tables as tools and spreadsheets save them: rows of text cells from CSV or .xlsx bytes.

Reports come from Zoom, Teams, Meet and Webex, and sheets from Excel in many locales: UTF-8
with or without a byte-order mark, UTF-16 (Teams' downloads), a Windows code page (Excel's
plain "CSV" in Western Europe); commas, semicolons (Excel where the comma is the decimal
separator) or tabs; sections of different widths one after the other; trailing empty columns.
An .xlsx workbook gives each sheet's rows, a blank row between two sheets, as its sections.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.services.spreadsheets import SEPARATORS, dialect

Row = list[str]
SNIFFED_LINES = 60  # enough to pass a report's summary block and reach its table
SNIFFED_CHARACTERS = 64 * 1024  # far more than the first lines of any real table
MAX_ROWS = 200_000  # four times a 50,000-person webinar's report with its sections
MAX_SECONDS = 20.0  # reading a file off the event loop; a real report takes one or two


class UnreadableTable(Exception):
    """Not a table: not text in a known encoding, not a workbook, or a broken one."""


class TableTooLarge(UnreadableTable):
    """More rows, or more reading time, than any real report needs (a hostile file, or a
    workbook whose few megabytes unzip into millions of rows)."""


class ReadingBudget:
    """The rows and the seconds a file may take, counted as it is read."""

    def __init__(
        self,
        rows: int = MAX_ROWS,
        seconds: float = MAX_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rows_left = rows
        self._clock = clock
        self._deadline = clock() + seconds

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        for count, row in enumerate(rows):
            self._rows_left -= 1
            if self._rows_left < 0:
                raise TableTooLarge("too many rows")
            if count % 512 == 0 and self._clock() > self._deadline:
                raise TableTooLarge("too long to read")
            yield row


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    encoding: str  # "xlsx" for a workbook


def read_table(
    data: bytes, budget: ReadingBudget | None = None, *, first_sheet_only: bool = False
) -> Table:
    """Every row of the file, cells stripped of surrounding spaces, trailing empty cells cut
    (a workbook's sheets one after the other, a blank row between, or only its first);
    `TableTooLarge` beyond the budget's rows or time."""
    budget = budget or ReadingBudget()
    if data.startswith(b"PK\x03\x04"):
        return Table(_workbook_rows(data, budget, first_sheet_only), "xlsx")
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise UnreadableTable("not text")
    separator = guess_separator(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect(separator))
        rows = [_tidy(cells) for cells in budget.rows(reader)]
    except csv.Error as exc:
        raise UnreadableTable(str(exc)) from exc
    return Table(rows, encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UnreadableTable(str(exc)) from exc
    sample = data[:4000]
    if sample and sample.count(0) * 4 >= len(sample):  # UTF-16 without a mark: every other byte 0
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise UnreadableTable(str(exc)) from exc
    if 0 in sample:
        raise UnreadableTable("binary data")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _looks_binary(text: str) -> bool:
    """Control characters other than tabs and line ends: bytes decoded as if they were text."""
    sample = text[:4000]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return controls * 100 > len(sample)


def guess_separator(text: str) -> str:
    """The separator that splits the most of the first lines into several cells; a comma when
    none does (a single column)."""
    lines = text[: SNIFFED_CHARACTERS * 2].splitlines()[:SNIFFED_LINES]
    sample = "\n".join(lines)[:SNIFFED_CHARACTERS]  # a hostile megabyte-long header too
    best, best_score = ",", 0
    for separator in SEPARATORS:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), dialect(separator)))
        except csv.Error:
            continue
        score = sum(1 for cells in rows if len([c for c in cells if c.strip()]) > 1)
        if score > best_score:
            best, best_score = separator, score
    return best


def _tidy(cells: list[str]) -> Row:
    tidy = [cell.strip() for cell in cells]
    if tidy and "\ufeff" in tidy[0]:  # a mark left at the start of a sheet or section
        tidy[0] = tidy[0].replace("\ufeff", "").strip()
    while tidy and not tidy[-1]:
        tidy.pop()
    return tidy


def _workbook_rows(data: bytes, budget: ReadingBudget, first_sheet_only: bool) -> list[Row]:
    from openpyxl import load_workbook  # only when a workbook comes: it takes a while to import

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableTable(str(exc)) from exc
    rows: list[Row] = []
    try:
        for sheet in book.worksheets[:1] if first_sheet_only else book.worksheets:
            if rows:
                rows.append([])
            cells = (
                [_cell_text(value) for value in values]
                for values in sheet.iter_rows(values_only=True)
            )
            for row in budget.rows(cells):
                rows.append(_tidy(row))
    finally:
        book.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
