"""Issue 12's figures: a 50,000-row Zoom webinar attendee report imported in under 2 s, and a
session code typed during a check-in answered in under 5 ms of bot time at the median.

The report is the one tests/fixtures/attendance/zoom_webinar_large.py writes (the same
sections and byte shape as Zoom's, with rejoins and "Attended = No" rows); its people are
registered for the session first, from their emails in the file (a regular expression, not
the parser being measured).

    python -m bench.attendance
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import NOW, Bench, report, running_bot
from bot.db import to_db
from bot.services.attendance_matching import Verdict
from tests.fixtures.attendance.zoom_webinar_large import report as zoom_report
from tests.programme_files import programme, row

ROWS = 50_000
CODE_MESSAGES = 400
SESSION = NOW + timedelta(days=1)


async def import_large_report(bench: Bench) -> None:
    services = bench.app.bot_data.services
    data = zoom_report(ROWS)
    emails = sorted(set(re.findall(rb"user\d{6}@city\d+\.example", data)))
    stamp = to_db(NOW)
    found = await services.events.find("webinar")
    assert found is not None
    event = found.event
    with bench.seed.transaction() as conn:
        conn.executemany(
            "INSERT INTO users (user_id, first_name, email, created_at, last_seen_at)"
            " VALUES (?, 'Participant', ?, ?, ?)",
            [(30_000_000 + i, e.decode(), stamp, stamp) for i, e in enumerate(emails)],
        )
        conn.executemany(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)"
            " VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [
                (event.event_id, 30_000_000 + i, stamp, stamp, 5_000_000 + i)
                for i in range(len(emails))
            ],
        )
    bench.clock.set(event.ends_at + timedelta(hours=1))
    started = time.perf_counter()
    result = await services.attendance.import_report(event, data, 1)
    elapsed = time.perf_counter() - started
    assert result.problem is None, result.problem
    present = len(result.having(Verdict.PRESENT))
    short = len(result.having(Verdict.TOO_SHORT))
    print(
        f"Zoom webinar attendee report, {ROWS:,} rows ({len(data) / 1e6:.1f} MB), "
        f"{len(emails):,} registrants: {elapsed:.2f} s; {present:,} present, {short:,} too short, "
        f"{sum(result.skipped.values()):,} rows left out{' OK' if elapsed < 2 else ' OVER'}"
    )


async def code_messages(bench: Bench) -> None:
    """Participants registered for a running session with a code: each sends the code (half
    of them full-width or with look-alike letters), then an ordinary message."""
    services = bench.app.bot_data.services
    people = bench.seed.users(CODE_MESSAGES, first_id=40_000_000)
    stamp = to_db(NOW)
    found = await services.events.find("live")
    assert found is not None
    with bench.seed.transaction() as conn:
        conn.executemany(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)"
            " VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [
                (found.event.event_id, u.id, stamp, stamp, 6_000_000 + i)
                for i, u in enumerate(people)
            ],
        )
    await services.attendance.set_code(found.event, "M5EMP7", 1)
    bench.clock.set(found.event.starts_at + timedelta(minutes=10))
    typed = ["M5EMP7", "Ｍ５ＥＭＰ７", "м5емр7", "m5 emp-7"]
    codes = [
        await bench.deliver(bench.emulator.user_message(user, typed[i % len(typed)]))
        for i, user in enumerate(people)
    ]
    print(report("a session code during the check-in (bot-side)", codes, 5))
    chatter = [
        await bench.deliver(bench.emulator.user_message(user, "Merci, à bientôt !"))
        for user in people[:100]
    ]
    print(report("an ordinary message during the check-in (answer and hint)", chatter, 5))
    checked = bench.seed.fetch_one(
        "SELECT COUNT(*) FROM attendance WHERE event_id = ?", (found.event.event_id,)
    )
    print(f"  checked in by code: {checked[0]} of {CODE_MESSAGES}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            await bench.app.bot_data.services.programme.import_now(
                programme(
                    [
                        row("webinar", SESSION, duration_minutes="95", capacity=""),
                        row("live", SESSION + timedelta(days=1), capacity=""),
                    ]
                ),
                1,
            )
            await import_large_report(bench)
            await code_messages(bench)


if __name__ == "__main__":
    asyncio.run(main())
