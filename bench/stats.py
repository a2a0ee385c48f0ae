"""Issue 6's figures: /stats over 500 events and 1,000,000 registrations (under 1 s of
bot-side processing) and importing a 50,000-row attendance report (under 5 s); and, on the same
data, what one Register costs at that scale.

    python -m bench.stats
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import Bench, report, running_bot, seed_scale
from bench.signup import one_at_a_time
from bot.db import to_db
from bot.devtools.emulator import FakeUser
from bot.services.attendance_matching import Verdict

ORGANIZER = FakeUser(id=1, first_name="Organizer", language_code="en")


def attendance_and_feedback(bench: Bench) -> None:
    """A third of the registrants attended; half of those rated the session."""
    stamp = to_db(bench.clock.now())
    with bench.seed.transaction() as conn:
        conn.execute(
            "INSERT INTO attendance (event_id, user_id, method, checked_in_at)"
            " SELECT event_id, user_id, 'button', ? FROM registrations WHERE seq % 3 = 0",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO feedback (event_id, user_id, rating, created_at, updated_at)"
            " SELECT event_id, user_id, 1 + user_id % 5, ?, ? FROM attendance"
            " WHERE user_id % 2 = 0",
            (stamp, stamp),
        )


async def report_import(bench: Bench) -> None:
    """An event whose 50,000 registrants' emails are known; a report of 50,000 rows."""
    services = bench.app.bot_data.services
    big = await bench.db.read(lambda uow: uow.events.by_code("ev-0499"))
    assert big is not None
    stamp = to_db(bench.clock.now())
    with bench.seed.transaction() as conn:
        conn.execute(
            "UPDATE users SET email = 'p' || user_id || '@example.org' WHERE user_id < 10050000"
        )
        conn.executemany(
            "INSERT OR IGNORE INTO registrations (event_id, user_id, status, created_at,"
            " updated_at, seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [(big.event_id, 10_000_000 + i, stamp, stamp, 2_000_000 + i) for i in range(50_000)],
        )
    lines = ["Name,User Email,Join Time,Duration (Minutes)"]
    for i in range(50_000):
        email = f"p{10_000_000 + i}@example.org" if i % 10 else f"guest{i}@elsewhere.org"
        lines.append(f"Participant {i},{email},2026-11-29 10:00,55")
    data = ("\n".join(lines) + "\n").encode()
    before = bench.clock.now()
    bench.clock.set(big.ends_at + timedelta(hours=1))  # a report comes after the session
    started = time.perf_counter()
    result = await services.attendance.import_report(big, data, 1)
    elapsed = time.perf_counter() - started
    bench.clock.set(before)
    present = len(result.having(Verdict.PRESENT))
    unknown = len(result.having(Verdict.NOT_REGISTERED))
    print(
        f"attendance report of 50,000 rows: {elapsed:.2f} s, present {present}, "
        f"not registered {unknown}{' OK' if elapsed < 5 else ' OVER'}"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            await seed_scale(bench)
            attendance_and_feedback(bench)
            counts = bench.seed.fetch_one(
                "SELECT (SELECT COUNT(*) FROM registrations), (SELECT COUNT(*) FROM attendance)"
            )
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
            await sign_ups_at_scale(bench)


async def sign_ups_at_scale(bench: Bench) -> None:
    """Register, one press at a time, with 1,000,000 registrations stored (2,000 an event):
    the next place in line is MAX(seq) over every registration. Then the same after adding an
    index on registrations (seq), a what-if for a proposed migration."""
    codes = [f"ev-{i:04d}" for i in range(100, 200)]
    plain = await one_at_a_time(bench, 100, 80_000_000, codes)
    print(report("Register with 1,000,000 registrations stored (bot-side)", plain))
    bench.seed.execute("CREATE INDEX bench_registrations_seq ON registrations (seq)")
    indexed = await one_at_a_time(bench, 100, 81_000_000, codes)
    print(report("the same with an index on registrations (seq)", indexed))


if __name__ == "__main__":
    asyncio.run(main())
