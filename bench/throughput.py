"""Issue 7's throughput figure: many simulated users at once (/start, /events, an event card,
Register) through the real Application and the in-process Bot API emulator; updates per second
and bot-side latency, and the same load on a minimal python-telegram-bot bot that only echoes
(the framework's own ceiling on this machine). Our figure is reported as a ratio of it.

    python -m bench.throughput
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.harness import NOW, Bench, programme_csv, report, running_bot, seed_users
from bot.db import to_db
from bot.devtools.emulator import BotApiEmulator, EmulatorRequest, FakeUser

USERS = 400


async def journey(bench: Bench, user: FakeUser, timings: list[float]) -> None:
    emulator = bench.emulator
    timings.append(await bench.deliver(emulator.user_message(user, "/start")))
    timings.append(await bench.deliver(emulator.user_message(user, "/events")))
    last = max(m for (chat, m) in emulator.messages if chat == user.id)
    code = f"ev-{user.id % 40:04d}"
    timings.append(await bench.deliver(emulator.user_presses(user, last, f"ev:c:{code}:-:0")))
    timings.append(await bench.deliver(emulator.user_presses(user, last, f"rg:r:{code}")))


async def ours(folder: Path) -> tuple[float, list[float], float]:
    async with running_bot(folder) as bench:
        await bench.app.bot_data.services.events.import_programme(
            programme_csv(40, NOW + timedelta(days=1)), admin_id=1
        )
        users = await seed_users(bench.db, USERS)
        async with bench.db.transaction() as conn:  # they have profiles: Register is one tap
            await conn.execute(
                "UPDATE users SET full_name = first_name, country = 'KE',"
                " city = 'Nairobi', consent_at = ?",
                (to_db(NOW),),
            )
        timings: list[float] = []
        calls = len(bench.emulator.calls)
        started = time.perf_counter()
        await asyncio.gather(*(journey(bench, user, timings) for user in users))
        rate = len(timings) / (time.perf_counter() - started)
        return rate, timings, (len(bench.emulator.calls) - calls) / len(timings)


async def echo() -> tuple[float, list[float], float]:
    emulator = BotApiEmulator()
    request = EmulatorRequest(emulator)

    async def repeat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    app: Application[Any, Any, Any, Any, Any, Any] = (
        Application.builder().token("1:ECHO").request(request).get_updates_request(request).build()
    )
    app.add_handler(MessageHandler(filters.TEXT, repeat))
    await app.initialize()
    timings: list[float] = []

    async def one(update: dict[str, Any]) -> None:
        parsed = Update.de_json(update, app.bot)
        started = time.perf_counter()
        await app.process_update(parsed)
        timings.append(time.perf_counter() - started)

    async def user_journey(user: FakeUser) -> None:
        for text in ("/start", "/events", "card", "register"):
            await one(emulator.user_message(user, text))

    users = [FakeUser(id=1000 + i) for i in range(USERS)]
    started = time.perf_counter()
    await asyncio.gather(*(user_journey(user) for user in users))
    rate = len(timings) / (time.perf_counter() - started)
    await app.shutdown()
    return rate, timings, len(emulator.calls) / len(timings)


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        our_rate, our_timings, our_calls = await ours(Path(folder))
    echo_rate, echo_timings, echo_calls = await echo()
    print(f"{USERS} users at once, 4 steps each (/start, /events, a card, Register):")
    print(
        f"  our bot: {our_rate:.0f} updates/s, {our_calls:.2f} Bot API calls per update; "
        f"{report('latency', our_timings)}"
    )
    print(
        f"  echo bot: {echo_rate:.0f} updates/s, {echo_calls:.2f} Bot API calls per update; "
        f"{report('latency', echo_timings)}"
    )
    print(f"  ratio: {our_rate / echo_rate:.2f} of the framework's own ceiling")


if __name__ == "__main__":
    asyncio.run(main())
