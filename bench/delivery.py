"""Issue 5's figures.

1. A broadcast to 3,000 users against a local fake Bot API (a separate process on 127.0.0.1)
   that enforces 30 messages/s and answers 429 beyond: average rate (must be 28/s or more)
   and the number of 429 answers (must be 0).
2. The same fake without the limit: the engine's own ceiling in messages/s.
3. Peak memory of the engine while 10,000 and 100,000 deliveries are queued and drained (with a
   sender that only counts): it must not grow with the audience.
4. Start-up with 500 events and 1,000,000 registrations: the reminder schedule rebuilt from
   the database in under 2 s; and the periodic re-planning of the same jobs, which the running
   bot does every few minutes.

    python -m bench.delivery
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bench.harness import Bench, Seeder, running_bot, seed_scale
from bot.app import build_application
from bot.clock import SystemClock
from bot.config import Settings
from bot.db import SqliteDatabase
from bot.db.outbox import Campaign, Progress
from bot.devtools.emulator import BotApiEmulator, EmulatorRequest
from bot.models import Audience, AudienceKind, CampaignKind
from bot.services.delivery import DeliveryWorker, Recipient, Rendered
from bot.services.sender import Buttons, Outcome, Result
from handlers.jobs import JobQueueScheduler, plan_all

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_fake(limit: int | None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bot.devtools.emulator_server",
        "--port",
        str(port),
        "--open-chats",
    ]
    if limit:
        command += ["--limit", str(limit)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()  # "Bot API emulator on ..." once it listens
    return process, port


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as answer:
        return dict(json.loads(answer.read()))


async def broadcast_over_http(folder: Path, limit: int | None, users: int) -> None:
    process, port = start_fake(limit)
    try:
        settings = Settings(
            bot_token="1:BENCH",
            database_path=folder / f"http-{limit}.sqlite3",
            telegram_api_url=f"http://127.0.0.1:{port}/bot",
        )
        # Without the fake's limit, the bot's own pacing is switched off too: the figure is
        # the engine's ceiling (database, rendering, HTTP), not Telegram's limit.
        app = build_application(settings, clock=SystemClock(), pace=limit is not None)
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)  # starts the delivery worker
        services = app.bot_data.services
        Seeder(settings.database_path).users(users)
        db = await SqliteDatabase.open(settings.database_path)  # the bench's own, to watch
        try:
            started = time.perf_counter()
            campaign = await services.broadcasts.start(
                1, Audience(AudienceKind.EVERYONE), {"default": "Hello"}
            )
            services.delivery.wake()
            while (await db.read(lambda u: u.outbox.progress(campaign))).pending:  # noqa: ASYNC110
                await asyncio.sleep(0.2)  # watch from outside, as an organizer would
            elapsed = time.perf_counter() - started
            progress = await db.read(lambda u: u.outbox.progress(campaign))
        finally:
            await db.close()
        seen = stats(port)
        label = f"limit {limit}/s" if limit else "no limit"
        print(
            f"broadcast to {users} users over HTTP ({label}): {elapsed:.1f} s, "
            f"{progress.sent / elapsed:.1f} messages/s, sent={progress.sent} "
            f"failed={progress.failed}, 429 answers={seen['refused']}"
        )
        await app.post_shutdown(app)
        await app.shutdown()
    finally:
        process.terminate()
        process.wait()


class CountingSender:
    def __init__(self) -> None:
        self.count = 0

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
        paid: bool = False,
    ) -> Result:
        self.count += 1
        return Result(Outcome.SENT)

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()) -> Result:
        return Result(Outcome.SENT)

    async def post(self, chat_id: int, text: str) -> int | None:
        return None


class Same:
    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        return Rendered("Hello")


class Quiet:
    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None:
        return None

    async def paid_refused(self, campaign: Campaign) -> None:
        return None


class NoLimit:
    async def acquire(self, amount: float = 1) -> None:
        return None


async def memory(bench: Bench, users: int, first: int) -> tuple[int, float]:
    bench.seed.users(users, first_id=first)
    now = bench.clock.now()
    await bench.db.write(
        lambda uow: uow.outbox.enqueue(
            CampaignKind.BROADCAST, f"mem-{users}", Audience(AudienceKind.EVERYONE), {}, now
        )
    )
    sender = CountingSender()
    # A running clock, as in production: the per-chat pacing memory forgets chats after 1 s.
    worker = DeliveryWorker(
        bench.db,
        bench.app.bot_data.services.users,
        sender,
        Same(),
        Quiet(),
        SystemClock(),
        limiter=NoLimit(),
    )
    tracemalloc.start()
    started = time.perf_counter()
    while await worker.drain_once():
        pass
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, sender.count / elapsed


async def startup(folder: Path) -> None:
    async with running_bot(folder / "scale") as bench:
        await seed_scale(bench)
        count = bench.seed.fetch_one("SELECT COUNT(*) FROM registrations")
        path = bench.seed.path
        clock = bench.clock
    settings = Settings(bot_token="1:BENCH", database_path=path)
    app = build_application(
        settings, request=EmulatorRequest(BotApiEmulator()), clock=clock, deliver=False
    )
    started = time.perf_counter()
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    elapsed = time.perf_counter() - started
    assert app.job_queue is not None
    jobs = len(app.job_queue.scheduler.get_jobs())
    size = path.stat().st_size / 1e6
    print(
        f"start-up with 500 events and {count[0]:,} registrations ({size:.0f} MB database): "
        f"{elapsed:.2f} s, {jobs} jobs planned{' OK' if elapsed < 2 else ' OVER'}"
    )
    # The bot plans every job again every few minutes (changes made on the command line).
    [replanning] = app.job_queue.get_jobs_by_name("replan")
    assert isinstance(replanning.data, JobQueueScheduler)
    started = time.perf_counter()
    await plan_all(replanning.data, app.bot_data.services)
    print(
        f"the periodic re-planning of those {jobs} jobs: {time.perf_counter() - started:.2f} s "
        "(the event loop does nothing else meanwhile)"
    )
    await app.post_shutdown(app)
    await app.shutdown()
    as_a_process(path)


def as_a_process(path: Path) -> None:
    """`python -m bot` on that database: time to its first getUpdates and its memory then."""
    fake, port = start_fake(None)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "1:BENCH",
        "DATABASE_PATH": str(path),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
    }
    started = time.perf_counter()
    bot = subprocess.Popen([sys.executable, "-m", "bot"], env=env)
    try:
        while stats(port).get("polls", 0) < 1:
            time.sleep(0.05)
        ready = time.perf_counter() - started
        rss = rss_mb(bot.pid)
        print(
            f"python -m bot on it: polling after {ready:.2f} s (imports, migrations, "
            f"{rss:.0f} MB resident)"
        )
    finally:
        bot.terminate()
        bot.wait()
        fake.terminate()
        fake.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


PARTS = ("broadcast", "memory", "startup")


async def main(parts: Sequence[str] = PARTS) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if "broadcast" in parts:
            await broadcast_over_http(root, 30, 3_000)
            await broadcast_over_http(root, None, 3_000)
        if "memory" in parts:
            async with running_bot(root / "memory") as bench:
                small_peak, small_rate = await memory(bench, 10_000, 50_000_000)
                large_peak, large_rate = await memory(bench, 100_000, 60_000_000)
            print(
                f"engine with a counting sender: 10,000 deliveries peak "
                f"{small_peak / 1e6:.2f} MB ({small_rate:.0f}/s); 100,000 deliveries peak "
                f"{large_peak / 1e6:.2f} MB ({large_rate:.0f}/s)"
            )
        if "startup" in parts:
            await startup(root)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=PARTS, help="the parts to run (default: all)"
    )
    asyncio.run(main(parser.parse_args().only))
