"""Registration lists for organizers, as CSV that spreadsheets open correctly.

UTF-8 with a byte-order mark (so Excel reads Arabic and Chinese names), rows streamed from the
database in batches (memory does not grow with the list), and cells that a spreadsheet would
run as formulas (starting with =, +, -, @) neutralized.
"""

from __future__ import annotations

import csv
from typing import TextIO

from bot.db import Database, to_db
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
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: no formula, no invisible reordering characters."""
    text = clean_user_text(value).replace("\n", " ")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def write_registrations(
    db: Database, countries: CountryDirectory, out: TextIO, event_code: str | None = None
) -> int:
    """Write the CSV to `out` (opened with newline=""); returns the number of rows."""
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(COLUMNS)
    count = 0
    async for row in db.registrations.export_rows(event_code):
        country = countries.name(row.country, "en") if row.country else ""
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
                to_db(row.registered_at),
                "" if row.position is None else row.position,
            ]
        )
        count += 1
    return count
