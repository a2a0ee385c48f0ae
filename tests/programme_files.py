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
