"""Issue 6's figures: /stats over 500 events and 1,000,000 registrations (under 1 s of
bot-side processing) and importing a 50,000-row attendance report (under 5 s).

    python -m bench.stats
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.harness import Bench, report, running_bot, seed_scale
from bot.db import to_db
from bot.devtools.emulator import FakeUser

ORGANIZER = FakeUser(id=1, first_name="Organizer", language_code="en")


async def attendance_and_feedback(bench: Bench) -> None:
    """A third of the registrants attended; half of those rated the session."""
    stamp = to_db(bench.clock.now())
    async with bench.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (event_id, user_id, method, checked_in_at)"
            " SELECT event_id, user_id, 'button', ? FROM registrations WHERE seq % 3 = 0",
            (stamp,),
        )
        await conn.execute(
            "INSERT INTO feedback (event_id, user_id, rating, created_at, updated_at)"
            " SELECT event_id, user_id, 1 + user_id % 5, ?, ? FROM attendance"
            " WHERE user_id % 2 = 0",
            (stamp, stamp),
        )


async def report_import(bench: Bench) -> None:
    """An event whose 50,000 registrants' emails are known; a report of 50,000 rows."""
    services = bench.app.bot_data.services
    big = await bench.db.events.by_code("ev-0499")
    assert big is not None
    stamp = to_db(bench.clock.now())
    async with bench.db.transaction() as conn:
        await conn.execute(
            "UPDATE users SET email = 'p' || user_id || '@example.org' WHERE user_id < 10050000"
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO registrations (event_id, user_id, status, created_at,"
            " updated_at, seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [(big.event_id, 10_000_000 + i, stamp, stamp, 2_000_000 + i) for i in range(50_000)],
        )
    lines = ["Name,User Email,Join Time,Duration (Minutes)"]
    for i in range(50_000):
        email = f"p{10_000_000 + i}@example.org" if i % 10 else f"guest{i}@elsewhere.org"
        lines.append(f"Participant {i},{email},2026-11-29 10:00,55")
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    result = await services.attendance.import_report(big, data, 1)
    elapsed = time.perf_counter() - started
    print(
        f"attendance report of 50,000 rows: {elapsed:.2f} s, matched {result.matched}, "
        f"unmatched {len(result.unmatched)}{' OK' if elapsed < 5 else ' OVER'}"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            await seed_scale(bench)
            await attendance_and_feedback(bench)
            counts = await bench.db.fetch_one(
                "SELECT (SELECT COUNT(*) FROM registrations), (SELECT COUNT(*) FROM attendance)"
            )
            assert counts is not None
            print(f"data: 500 events, {counts[0]:,} registrations, {counts[1]:,} attendances")
            overall = [
                await bench.deliver(bench.emulator.user_message(ORGANIZER, "/stats"))
                for _ in range(5)
            ]
            print(report("/stats over the programme", overall, 1000))
            one = [
                await bench.deliver(bench.emulator.user_message(ORGANIZER, "/stats ev-0007"))
                for _ in range(5)
            ]
            print(report("/stats CODE with its chart", one, 1000))
            await report_import(bench)


if __name__ == "__main__":
    asyncio.run(main())
