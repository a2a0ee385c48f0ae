"""Issue 3's figures: /events and an event card with 500 events and 100,000 users (median under
20 ms of bot-side processing), and importing a 500-row CSV (under 2 s).

    python -m bench.programme
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.harness import NOW, programme_csv, report, running_bot, timed

EVENTS = 500
USERS = 100_000
SAMPLES = 400


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            services = bench.app.bot_data.services
            data = programme_csv(EVENTS, NOW + timedelta(days=1))
            first = await timed(lambda: services.events.import_programme(data, admin_id=1))
            print(f"import {EVENTS} new rows: {first:.3f} s{' OK' if first < 2 else ' OVER'}")
            again = programme_csv(EVENTS, NOW + timedelta(days=2))  # every start moves
            second = await timed(lambda: services.events.import_programme(again, admin_id=1))
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


if __name__ == "__main__":
    asyncio.run(main())
