"""What the benchmarks share: a bot on a temporary database, seeded in bulk, timed in-process.

The bench reaches the database the way a test does (tests/conftest.py): a `Database` of its
own on the bot's file, for reading and arranging through the repositories, and plain sqlite3
(`Seeder`) for seeding hundreds of thousands of rows in one statement. The product's SQL stays
in bot/db; the bulk inserts below are the bench's own scaffolding.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.warnings import PTBUserWarning

from bot.app import BotApplication, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database, open_database, to_db
from bot.devtools.emulator import BotApiEmulator, EmulatorRequest, FakeUser

os.environ.setdefault("PTB_TIMEDELTA", "1")
# In-process benchmarks do not run the JobQueue (nothing here is scheduled).
warnings.filterwarnings("ignore", "Ignoring `conversation_timeout`", PTBUserWarning)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
ZONES = ("UTC", "Africa/Nairobi", "America/Bogota", "Asia/Manila", "Europe/Paris", "Asia/Dubai")
COUNTRIES = ("KE", "NG", "BR", "IN", "PH", "CO", "MA", "EG", "CN", "RU", "FR", "MX")


class Seeder:
    """Raw SQL on the bot's database file through a sqlite3 connection of the bench's own.

    Blocking on purpose: seeding happens while the bot is idle, and one `executemany` of
    50,000 rows is far faster than going through the services one user at a time.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection whose statements commit together when the block ends."""
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.transaction() as conn:
            conn.execute(sql, params)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.transaction() as conn:
            return conn.execute(sql, params).fetchall()

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        rows = self.fetch_all(sql, params)
        assert rows, sql
        return rows[0]

    def users(self, count: int, first_id: int = 10_000_000) -> list[FakeUser]:
        """`count` returning users (their Telegram client's language is the one they chose),
        with languages and zones spread over the supported ones."""
        rows = [
            (first_id + i, f"User {i}", LANGUAGES[i % 6], ZONES[i % 6], to_db(NOW))
            for i in range(count)
        ]
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO users (user_id, first_name, language, telegram_language, timezone,"
                " created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?5)",
                rows,
            )
        return [FakeUser(id=r[0], first_name=r[1], language_code=r[2]) for r in rows]

    def profiles(self) -> None:
        """Every user without a profile gets one (with consent): Register is then one tap."""
        self.execute(
            "UPDATE users SET full_name = first_name, country = 'KE', city = 'Nairobi',"
            " consent_at = ? WHERE consent_at IS NULL",
            (to_db(NOW),),
        )


@dataclass
class Bench:
    app: BotApplication
    emulator: BotApiEmulator
    db: Database  # the bench's own, beside the bot's
    seed: Seeder
    clock: FrozenClock

    async def deliver(self, update: dict[str, Any]) -> float:
        """Seconds the bot spent on one update, from its arrival to its last reply."""
        parsed = Update.de_json(update, self.app.bot)
        started = time.perf_counter()
        await self.app.process_update(parsed)
        return time.perf_counter() - started


@asynccontextmanager
async def running_bot(folder: Path, **settings_extra: Any) -> AsyncIterator[Bench]:
    """The real Application on a fresh database in `folder`, the Bot API emulated in-process
    (no pacing, no delivery worker: each benchmark drives what it measures). Its start-up
    objects are frozen out of the cycle collector as in the bot's own process, which helps
    the bare bot of bench/throughput.py too: both run in this process."""
    clock = FrozenClock(NOW)
    emulator = BotApiEmulator(now=clock.now)
    settings = Settings(
        bot_token="1:BENCH",
        database_path=folder / "bench.sqlite3",
        admin_ids=frozenset({1}),
        **settings_extra,
    )
    app = build_application(
        settings,
        request=EmulatorRequest(emulator),
        clock=clock,
        deliver=False,
        pace=False,
        freeze_heap=True,  # as `python -m bot` does
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    db = await open_database(settings.database_path, settings.database_url)
    try:
        yield Bench(app, emulator, db, Seeder(settings.database_path), clock)
    finally:
        await db.close()
        await app.post_shutdown(app)
        await app.shutdown()


def programme_csv(
    count: int,
    first: datetime,
    step: timedelta = timedelta(hours=3),
    capacity: int | None = None,
) -> bytes:
    """`count` events `step` apart; capacities 100 to 149 unless `capacity` is given."""
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
            f"ev-{i:04d},{topics[i % 8]},{start},90,{capacity or 100 + i % 50},en,"
            f"https://meet.example.org/{i},Webinar number {i} on city resilience,"
            f'"What cities learned, session {i}.",Webinaire {i},ندوة {i},研讨会 {i}'
        )
    return ("\n".join(lines) + "\n").encode()


def percentile(seconds: Sequence[float], fraction: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(name: str, seconds: list[float], budget_ms: float | None = None) -> str:
    """Median, 99th percentile and max in milliseconds, and the verdict against a budget."""
    ordered = sorted(seconds)
    median = statistics.median(ordered) * 1000
    p99 = percentile(ordered, 0.99) * 1000
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
    await services.programme.import_now(
        programme_csv(500, first_event, timedelta(hours=2)), admin_id=1
    )
    bench.seed.users(users)
    stamp = to_db(NOW)
    with bench.seed.transaction() as conn:
        conn.execute(
            "UPDATE users SET full_name = first_name, city = 'City', consent_at = ?,"
            " country = CASE user_id % 12 "
            + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COUNTRIES))
            + " END",
            (stamp,),
        )
        events = [r[0] for r in conn.execute("SELECT event_id FROM events ORDER BY event_id")]
        for start in range(0, registrations, 50_000):
            conn.executemany(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at,"
                " seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
                [
                    (events[i % 500], 10_000_000 + (i // 500) % users, stamp, stamp, i + 1)
                    for i in range(start, min(start + 50_000, registrations))
                ],
            )
