"""Issue 3's figures: /events and an event card with 500 events and 100,000 users (median under
20 ms of bot-side processing), and importing a 500-row CSV (under 2 s). Issue 14's: the
preview of a 2,000-row .xlsx re-import (read, parse, compared with a database that holds those
events, some changed since) under 2 s.

    python -m bench.programme            # both
    python -m bench.programme preview    # the preview only
"""

from __future__ import annotations

import asyncio
import io
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import NOW, programme_csv, report, running_bot, timed
from bot.db import to_db
from bot.services.programme_import import MAX_ROWS, parse_programme
from bot.services.programme_preview import ImportApplied, ImportPreview
from bot.services.tables import ReadingBudget, read_table

EVENTS = 500
USERS = 100_000
SAMPLES = 400


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            services = bench.app.bot_data.services
            data = programme_csv(EVENTS, NOW + timedelta(days=1))
            first = await timed(lambda: services.programme.import_now(data, admin_id=1))
            print(f"import {EVENTS} new rows: {first:.3f} s{' OK' if first < 2 else ' OVER'}")
            again = programme_csv(EVENTS, NOW + timedelta(days=2))  # every start moves
            second = await timed(lambda: services.programme.import_now(again, admin_id=1))
            print(
                f"re-import {EVENTS} changed rows: {second:.3f} s{' OK' if second < 2 else ' OVER'}"
            )
            users = bench.seed.users(USERS)
            count = await bench.db.read(lambda uow: uow.users.count())
            print(f"database: {EVENTS} events, {count} users")
            rng = random.Random(7)
            lists, pages, cards = [], [], []
            for _ in range(SAMPLES):
                user = rng.choice(users)
                lists.append(await bench.deliver(bench.emulator.user_message(user, "/events")))
                message_id = max(m for (chat, m) in bench.emulator.messages if chat == user.id)
                page = rng.randrange(0, EVENTS // 8)
                pages.append(
                    await bench.deliver(
                        bench.emulator.user_presses(user, message_id, f"ev:l:-:{page}")
                    )
                )
                code = f"ev-{rng.randrange(EVENTS):04d}"
                cards.append(
                    await bench.deliver(
                        bench.emulator.user_presses(user, message_id, f"ev:c:{code}:-:{page}")
                    )
                )
            print(report("/events (first page)", lists, 20))
            print(report("list page button", pages, 20))
            print(report("event card", cards, 20))
    await preview_figures()


PREVIEW_ROWS = 2_000
PREVIEW_REGISTRATIONS = 40_000
TOPICS = ("disaster-risk-reduction", "public-health", "climate-change", "food-security")
ZONES = ("Europe/Zurich", "Africa/Nairobi", "America/Bogota", "Asia/Manila")


def year_workbook(rows: int, version: int) -> bytes:
    """A year's programme as Excel saves it: half the sessions held, half to come; starts as
    date cells in each row's local time with a timezone column, numbers as numbers, titles
    in three languages and a planning column. `version` 1 changes every tenth event (a
    start moved a day, more seats, a title corrected) and adds 50 sessions."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = [
        "code", "topic", "starts_at", "timezone", "duration_minutes", "capacity", "language",
        "join_url", "title", "description", "title_fr", "title_es", "title_ar", "speaker",
    ]  # fmt: skip
    sheet.append(columns)
    first = NOW - timedelta(days=180)
    for i in range(rows + (50 if version else 0)):
        zone = ZONES[i % len(ZONES)]
        local = (first + timedelta(hours=4 * i)).replace(tzinfo=None)
        capacity, title = 100 + i % 50, f"Webinar {i} on city resilience"
        if version and i % 10 == 0:
            local += timedelta(days=1) if i % 30 == 0 else timedelta()
            capacity += 20 if i % 30 == 10 else 0
            title += " (revised)" if i % 30 == 20 else ""
        sheet.append(
            [
                f"ev-{i:04d}", TOPICS[i % 4], local, zone, 90, capacity, "en",
                f"https://meet.example.org/{i}", title,
                f"What cities learned, session {i}.", f"Webinaire {i}", f"Seminario {i}",
                f"ندوة {i}", "Dr. Amina Diallo",
            ]
        )  # fmt: skip
        sheet.cell(row=sheet.max_row, column=3).number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def preview_figures() -> None:
    """The preview of a 2,000-row workbook against a database that holds those events, with
    40,000 registrations, where every tenth row changed."""
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            programme = bench.app.bot_data.services.programme
            loaded = await programme.read(year_workbook(PREVIEW_ROWS, 0))
            assert isinstance(loaded, ImportPreview), loaded
            assert isinstance(await programme.apply(loaded, 1), ImportApplied)
            users = bench.seed.users(PREVIEW_REGISTRATIONS // 4)
            events = bench.seed.fetch_all("SELECT event_id FROM events ORDER BY event_id")
            at = to_db(NOW)
            with bench.seed.transaction() as conn:
                conn.executemany(
                    "INSERT OR IGNORE INTO registrations (event_id, user_id, status, created_at,"
                    " updated_at) VALUES (?, ?, 'confirmed', ?, ?)",
                    [
                        (events[(n * 7) % len(events)][0], users[n % len(users)].id, at, at)
                        for n in range(PREVIEW_REGISTRATIONS)
                    ],
                )
            data = year_workbook(PREVIEW_ROWS, 1)
            print(f"workbook: {PREVIEW_ROWS + 50} rows, {len(data) / 1024:.0f} KB")
            started = time.perf_counter()
            table = read_table(data, ReadingBudget(rows=MAX_ROWS * 2), first_sheet_only=True)
            read = time.perf_counter() - started
            started = time.perf_counter()
            parsed = parse_programme(data, NOW)
            parse = time.perf_counter() - started  # reading included
            assert parsed.ok and len(table.rows) == PREVIEW_ROWS + 51
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                preview = await programme.read(data)
                samples.append(time.perf_counter() - started)
            assert isinstance(preview, ImportPreview), preview
            whole = sorted(samples)[len(samples) // 2]
            verdict = "OK" if whole < 2 else "OVER"
            print(
                f"preview of the re-import (read + parse + compare), median of 5: {whole:.3f} s"
                f" {verdict} (of which reading the workbook {read:.3f} s, reading and parsing"
                f" {parse:.3f} s)"
            )
            moved = [c for c in preview.changed if c.move is not None]
            print(
                f"  {len(preview.added)} new ({preview.held_added} held),"
                f" {len(preview.changed)} changed, {len(moved)} moved"
                f" ({preview.told} people to tell), {preview.unchanged} unchanged"
            )
            started = time.perf_counter()
            applied = await programme.apply(preview, 1)
            took = time.perf_counter() - started
            assert isinstance(applied, ImportApplied), applied
            print(f"Confirm (compared again and applied in one unit of work): {took:.3f} s")


if __name__ == "__main__":
    asyncio.run(preview_figures() if sys.argv[1:] == ["preview"] else main())
