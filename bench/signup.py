"""Issue 4's figures.

1. 1,000 users press Register at the same moment for an event with 100 seats, through the
   real Application (all updates processed concurrently, as the bot does): exactly 100
   confirmed and 900 waitlisted in order of arrival, checked in the database, and the
   bot-side time per registration at the median and 99th percentile.
2. Exporting 100,000 registrations: the CSV is streamed (peak Python memory does not grow with
   the number of rows) and takes under 10 s.

    python -m bench.signup
"""

from __future__ import annotations

import asyncio
import io
import itertools
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bench.harness import NOW, Bench, report, running_bot
from bot.db import to_db

SEATS = 100
CROWD = 1_000


async def burst(bench: Bench) -> None:
    services = bench.app.bot_data.services
    start = (NOW + timedelta(days=1)).isoformat()
    csv = (
        "code,topic,starts_at,duration_minutes,capacity,language,join_url,title,description\n"
        f"rush,climate-change,{start},60,{SEATS},en,https://meet.example.org/rush,Rush,Full\n"
    ).encode()
    await services.programme.import_now(csv, admin_id=1)
    users = bench.seed.users(CROWD)
    bench.seed.profiles()
    cards = []
    for user in users:  # everyone opens the event's card first, then all press at once
        await bench.deliver(bench.emulator.user_message(user, "/start rush"))
        cards.append(max(m for (chat, m) in bench.emulator.messages if chat == user.id))
    presses = [
        bench.emulator.user_presses(user, card, "rg:r:rush")
        for user, card in zip(users, cards, strict=True)
    ]
    started = time.perf_counter()
    durations = await asyncio.gather(*(bench.deliver(update) for update in presses))
    wall = time.perf_counter() - started
    rows = bench.seed.fetch_all("SELECT status, user_id FROM registrations ORDER BY seq")
    confirmed = [r[1] for r in rows if r[0] == "confirmed"]
    waitlisted = [r[1] for r in rows if r[0] == "waitlisted"]
    in_order = confirmed + waitlisted == [u.id for u in users]
    print(
        f"{CROWD} simultaneous sign-ups for {SEATS} seats: confirmed={len(confirmed)} "
        f"waitlisted={len(waitlisted)} in arrival order={in_order} "
        f"wall={wall:.2f} s ({CROWD / wall:.0f} sign-ups/s)"
    )
    print(report("time from press to answer during the burst (queueing included)", list(durations)))
    print(f"bot-side processing per registration: {wall / CROWD * 1000:.2f} ms (wall / sign-ups)")
    one_by_one = await one_at_a_time(bench, 300, 40_000_000)
    print(report("one registration at a time (waitlist, bot-side)", one_by_one))


async def one_at_a_time(
    bench: Bench, count: int, first_id: int, codes: Sequence[str] = ("rush",)
) -> list[float]:
    """`count` new users with profiles each open an event's card (one of `codes` in turn) and
    press Register, one after the other: the bot-side time of each Register."""
    users = bench.seed.users(count, first_id=first_id)
    bench.seed.profiles()
    took = []
    for user, code in zip(users, itertools.cycle(codes), strict=False):
        await bench.deliver(bench.emulator.user_message(user, f"/start {code}"))
        card = max(m for (chat, m) in bench.emulator.messages if chat == user.id)
        took.append(await bench.deliver(bench.emulator.user_presses(user, card, f"rg:r:{code}")))
    return took


class CountingSink(io.TextIOBase):
    """A file that only counts what is written, so only the export's own memory is measured."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text.encode())
        return len(text)


async def export(bench: Bench, rows: int) -> tuple[float, int, int]:
    """Seconds, peak traced memory and CSV size of exporting `rows` registrations."""
    sink = CountingSink()
    tracemalloc.start()
    started = time.perf_counter()
    written = await bench.app.bot_data.services.exports.write_registrations(sink)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert written == rows, (written, rows)
    return elapsed, peak, sink.size


def seed_registrations(bench: Bench, count: int, first_user: int) -> None:
    users = bench.seed.users(count, first_id=first_user)
    with bench.seed.transaction() as conn:
        conn.execute(
            "UPDATE users SET full_name = 'Участник ' || user_id, country = 'RU',"
            " city = 'Казань', organization = 'Мэрия', email = 'x@example.org'"
            " WHERE user_id >= ?",
            (first_user,),
        )
        event_ids = [r[0] for r in conn.execute("SELECT event_id FROM events")]
        conn.executemany(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)"
            " VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [
                (event_ids[i % len(event_ids)], u.id, to_db(NOW), to_db(NOW), first_user + i)
                for i, u in enumerate(users)
            ],
        )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            await burst(bench)
            seed_registrations(bench, 10_000 - CROWD - 300, 20_000_000)
            small = await export(bench, 10_000)
            seed_registrations(bench, 90_000, 30_000_000)
            large = await export(bench, 100_000)
            for (elapsed, peak, size), rows in ((small, 10_000), (large, 100_000)):
                verdict = "OK" if elapsed < 10 else "OVER"
                print(
                    f"export {rows} registrations: {elapsed:.2f} s {verdict}, "
                    f"{size / 1e6:.1f} MB of CSV, peak Python memory {peak / 1e6:.2f} MB"
                )
            growth = (large[1] - small[1]) / 1e6
            print(f"peak memory growth from 10,000 to 100,000 rows: {growth:.2f} MB")


if __name__ == "__main__":
    asyncio.run(main())
