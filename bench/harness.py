"""What the benchmarks share: a bot on a temporary database, seeded in bulk, timed in-process."""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.warnings import PTBUserWarning

from bot.app import BotApplication, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database, to_db
from bot.devtools.emulator import BotApiEmulator, EmulatorRequest, FakeUser

os.environ.setdefault("PTB_TIMEDELTA", "1")
# In-process benchmarks do not run the JobQueue (nothing here is scheduled).
warnings.filterwarnings("ignore", "Ignoring `conversation_timeout`", PTBUserWarning)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
ZONES = ("UTC", "Africa/Nairobi", "America/Bogota", "Asia/Manila", "Europe/Paris", "Asia/Dubai")


@dataclass
class Bench:
    app: BotApplication
    emulator: BotApiEmulator
    db: Database
    clock: FrozenClock

    async def deliver(self, update: dict[str, Any]) -> float:
        """Seconds the bot spent on one update, from its arrival to its last reply."""
        parsed = Update.de_json(update, self.app.bot)
        started = time.perf_counter()
        await self.app.process_update(parsed)
        return time.perf_counter() - started


@asynccontextmanager
async def running_bot(folder: Path) -> AsyncIterator[Bench]:
    clock = FrozenClock(NOW)
    emulator = BotApiEmulator(now=clock.now)
    settings = Settings(
        bot_token="1:BENCH", database_path=folder / "bench.sqlite3", admin_ids=frozenset({1})
    )
    app = build_application(
        settings, request=EmulatorRequest(emulator), clock=clock, deliver=False, pace=False
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    try:
        yield Bench(app, emulator, app.bot_data.services.db, clock)
    finally:
        await app.post_shutdown(app)
        await app.shutdown()


async def seed_users(db: Database, count: int, first_id: int = 10_000_000) -> list[FakeUser]:
    """`count` users with languages and zones spread over the supported ones."""
    rows = [
        (first_id + i, f"User {i}", LANGUAGES[i % 6], ZONES[i % 6], to_db(NOW), to_db(NOW))
        for i in range(count)
    ]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (user_id, first_name, language, timezone, created_at,"
            " last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return [FakeUser(id=r[0], first_name=r[1], language_code=r[2]) for r in rows]


def programme_csv(count: int, first: datetime, step: timedelta = timedelta(hours=3)) -> bytes:
    topics = (
        "disaster-risk-reduction",
        "public-health",
        "climate-change",
        "food-security",
        "e-commerce",
        "digital-innovation",
        "sustainable-tourism",
        "other",
    )
    lines = [
        "code,topic,starts_at,duration_minutes,capacity,language,join_url,title,"
        "description,title_fr,title_ar,title_zh"
    ]
    for i in range(count):
        start = (first + i * step).isoformat(timespec="minutes")
        lines.append(
            f"ev-{i:04d},{topics[i % 8]},{start},90,{100 + i % 50},en,"
            f"https://meet.example.org/{i},Webinar number {i} on city resilience,"
            f'"What cities learned, session {i}.",Webinaire {i},ندوة {i},研讨会 {i}'
        )
    return ("\n".join(lines) + "\n").encode()


def report(name: str, seconds: list[float], budget_ms: float | None = None) -> str:
    """Median, 99th percentile and max in milliseconds, and the verdict against a budget."""
    ordered = sorted(seconds)
    median = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    verdict = "" if budget_ms is None else (" OK" if median < budget_ms else " OVER BUDGET")
    return (
        f"{name}: n={len(ordered)} median={median:.2f} ms p99={p99:.2f} ms "
        f"max={ordered[-1] * 1000:.2f} ms{verdict}"
    )


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def seed_scale(
    bench: Bench,
    users: int = 350_000,
    registrations: int = 1_000_000,
    first_event: datetime = NOW + timedelta(days=1),
) -> None:
    """The programme at scale: 500 events two hours apart (through the real import), `users`
    users with profiles, `registrations` confirmed registrations spread over the events."""
    services = bench.app.bot_data.services
    await services.events.import_programme(
        programme_csv(500, first_event, timedelta(hours=2)), admin_id=1
    )
    await seed_users(bench.db, users)
    countries = ("KE", "NG", "BR", "IN", "PH", "CO", "MA", "EG", "CN", "RU", "FR", "MX")
    stamp = to_db(NOW)
    async with bench.db.transaction() as conn:
        await conn.execute(
            "UPDATE users SET full_name = first_name, city = 'City', consent_at = ?,"
            " country = CASE user_id % 12 "
            + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(countries))
            + " END",
            (stamp,),
        )
        events = [r[0] for r in await conn.execute_fetchall("SELECT event_id FROM events")]
        for start in range(0, registrations, 50_000):
            await conn.executemany(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at,"
                " seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
                [
                    (events[i % 500], 10_000_000 + (i // 500) % users, stamp, stamp, i + 1)
                    for i in range(start, min(start + 50_000, registrations))
                ],
            )
