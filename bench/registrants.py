"""Issue 14's figure for /registrants: one page, and a search, with 100,000 registrations.

A fresh database gets `--people` participants with profiles in six scripts (names in Latin,
Cyrillic, Arabic and Chinese, emails, countries) and as many registrations: `--big` of them for
one large webinar, the rest spread over 50 other events. Then it times the service the handler
calls (`RegistrantService.page`) on the large webinar, and again on a database where all
100,000 registered for that one event (the worst case: a search reads every registrant of the
event): the first page, a page far down, and searches by part of a name (found and not found),
an email, a country typed in Russian, and full-width letters. Each is run `--runs` times; the
figures are the median and the slowest, in milliseconds, on the event loop as the bot runs them.

    python -m bench.registrants [--people 100000] [--big 5000] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.harness import NOW, Seeder
from bot.db import SqliteDatabase, to_db
from bot.db.search_text import fold
from bot.services.container import Directories
from bot.services.registrants import RegistrantService

NAMES = ["Amina Diallo", "Вера Смирнова", "أحمد الخطيب", "李伟", "José Pérez", "Zoë Ndlovu"]
COUNTRIES = ["KE", "RU", "JO", "CN", "EC", "ZA", "FR", "BR", "IN", "KG"]


def seed(path: Path, people: int, big: int) -> None:
    seeder = Seeder(path)
    starts = to_db(NOW.replace(year=NOW.year + 1))
    with seeder.transaction() as conn:
        conn.create_function("fold", 1, fold, deterministic=True)  # as the bot's connections
        conn.executemany(
            "INSERT INTO events (code, topic, starts_at, duration_minutes, capacity, language,"
            " join_url, title, description, status, created_at, updated_at)"
            " VALUES (?, 'climate-change', ?, 60, NULL, 'en', '', ?, '', 'scheduled', ?, ?)",
            [(f"ev-{n}", starts, f"Event {n}", to_db(NOW), to_db(NOW)) for n in range(51)],
        )
        rows = []
        for i in range(people):
            name = f"{NAMES[i % len(NAMES)]} {i}"
            email = f"person{i}@city{i % 97}.example"
            rows.append((1_000_000 + i, name, COUNTRIES[i % len(COUNTRIES)], email))
        conn.executemany(
            "INSERT INTO users (user_id, first_name, full_name, country, city, email,"
            " consent_at, created_at, last_seen_at, search_text)"
            " VALUES (?1, ?2, ?2, ?3, 'City', ?4, ?5, ?5, ?5,"
            " fold(?2 || char(10) || ?4))",
            [(*row, to_db(NOW)) for row in rows],
        )
        conn.executemany(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at,"
            " seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [
                (1 if i < big else 2 + i % 50, user_id, to_db(NOW), to_db(NOW), i + 1)
                for i, (user_id, *_) in enumerate(rows)
            ],
        )


async def measure(path: Path, runs: int) -> list[tuple[str, float, float, int]]:
    db = await SqliteDatabase.open(path)
    try:
        service = RegistrantService(db, Directories.build().countries)
        event = await db.read(lambda u: u.events.by_code("ev-0"))
        assert event is not None
        cases = [
            ("first page", None, 0),
            ("the last page", None, 10**6),
            ("name found: 'diallo 4242'", "diallo 4242", 0),
            ("name, many found: 'amina'", "amina", 0),
            ("name not found: 'quintessa'", "quintessa", 0),
            ("email: 'person777@'", "person777@", 0),
            ("country in Russian: 'Кения'", "Кения", 0),
            ("full width: 'ＡＭＩＮＡ'", "ＡＭＩＮＡ", 0),
        ]
        figures = []
        for label, search, page in cases:
            times = []
            found = 0
            for _ in range(runs):
                started = time.perf_counter()
                result = await service.page(event, search, page)
                times.append((time.perf_counter() - started) * 1000)
                found = result.found
            figures.append((label, statistics.median(times), max(times), found))
        return figures
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    for big in (args.big, args.people):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bot.sqlite3"
            asyncio.run(_schema(path))
            seed(path, args.people, big)
            print(f"\n{args.people:,} registrations; the event searched has {big:,} of them")
            print(f"| query | median | slowest of {args.runs} | found |")
            print("|---|---|---|---|")
            for label, median, slowest, found in asyncio.run(measure(path, args.runs)):
                print(f"| {label} | {median:.1f} ms | {slowest:.1f} ms | {found:,} |")


async def _schema(path: Path) -> None:
    await (await SqliteDatabase.open(path)).close()


if __name__ == "__main__":
    main()
