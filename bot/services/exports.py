"""Registration lists for organizers, as CSV that spreadsheets open correctly.

UTF-8 with a byte-order mark (so Excel reads Arabic and Chinese names), rows streamed from the
database in batches (memory does not grow with the list), and cells that a spreadsheet would
run as formulas (starting with =, +, -, @) neutralized.
"""

from __future__ import annotations

import csv
from typing import Protocol

from bot.db import Database
from bot.db.registrations import ExportRow
from bot.i18n import clean_user_text
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
)


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

    async def has_event(self, code: str) -> bool:
        return await self._db.read(lambda uow: uow.events.by_code(code)) is not None

    async def write_registrations(self, out: TextSink, event_code: str | None = None) -> int:
        """Write the CSV to `out` (opened with newline=""); returns the number of rows."""
        writer = csv.writer(out)
        out.write("\ufeff")
        writer.writerow(COLUMNS)
        count = 0
        country_names: dict[str, str] = {}
        batches = self._db.stream(lambda uow: uow.registrations.export_rows(event_code))
        async for batch in batches:
            for row in batch:
                country = country_names.get(row.country, "")
                if row.country and not country:
                    country = country_names[row.country] = self._countries.name(row.country, "en")
                writer.writerow(_cells(row, country))
            count += len(batch)
        return count


def _cells(row: ExportRow, country: str) -> list[str | int]:
    return [
        safe_cell(row.event_code),
        safe_cell(row.event_title),
        safe_cell(row.full_name),
        safe_cell(country),
        safe_cell(row.city),
        safe_cell(row.organization),
        safe_cell(row.role),
        safe_cell(row.email),
        safe_cell(row.language or ""),  # stored from Telegram's client: from outside too
        row.status,
        row.registered_at,
        "" if row.position is None else row.position,
        row.checked_in_at,
        row.checkin_method,
        "" if row.rating is None else row.rating,
        safe_cell(row.comment),
    ]
