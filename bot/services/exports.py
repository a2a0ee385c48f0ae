"""Registration lists for organizers, as CSV that spreadsheets open correctly.

UTF-8 with a byte-order mark (so Excel reads Arabic and Chinese names), rows streamed from the
database in batches (memory does not grow with the list), and cells that a spreadsheet would
run as formulas (starting with =, +, -, @) neutralized.
"""

from __future__ import annotations

import csv
from typing import Protocol

from bot.db import Database
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


async def write_registrations(
    db: Database, countries: CountryDirectory, out: TextSink, event_code: str | None = None
) -> int:
    """Write the CSV to `out` (opened with newline=""); returns the number of rows."""
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(COLUMNS)
    count = 0
    country_names: dict[str, str] = {}
    async for row in db.registrations.export_rows(event_code):
        country = country_names.get(row.country, "")
        if row.country and not country:
            country = country_names[row.country] = countries.name(row.country, "en")
        writer.writerow(
            [
                safe_cell(row.event_code),
                safe_cell(row.event_title),
                safe_cell(row.full_name),
                safe_cell(country),
                safe_cell(row.city),
                safe_cell(row.organization),
                safe_cell(row.role),
                safe_cell(row.email),
                row.language,
                row.status,
                row.registered_at,
                "" if row.position is None else row.position,
                row.checked_in_at,
                row.checkin_method,
                "" if row.rating is None else row.rating,
                safe_cell(row.comment),
            ]
        )
        count += 1
    return count
