"""Issue 17's figures: what the ways of deploying the bot cost and give, measured side by side.

1. `--part webhook`: updates a second one `python -m bot` process (SQLite) handles through
   long polling and through its webhook, on the same workload in the same run: 400 returning
   users each send /start then /events, all 800 updates queued at the same moment with the
   Bot API emulator on 127.0.0.1 (in this process, as the end-to-end tests run it; 100,000
   messages/s allowed, no per-chat pace, so that the emulator refuses nothing). Measured from
   the moment the updates are queued: when Telegram holds none of them any more (the intake:
   confirmed by the next getUpdates, or answered 200 by the webhook once stored), and when the
   bot's 800 answers (one sendMessage each) have all arrived; the bot's CPU seconds meanwhile
   (/proc). The bot paces what it sends itself (29 messages a second, its own scheduler,
   whatever the server allows), so the bot as shipped answers at 29 a second in both modes:
   that run is shown first. Then, `--rounds` times each, the same bot with its pacing lifted
   (`python -m bench.deployment --bot-without-pacing`: `python -m bot` with
   `build_application(pace=False)`, nothing else changed): what the inbound path itself can
   do when Telegram's 30 a second is not the limit.
2. `--part databases`: SQLite and PostgreSQL side by side, the real Application in this
   process on each (Bot API emulated in-process, no pacing, no delivery worker, as
   bench/harness.py runs it, but on a database URL too): (a) 1,000 presses of Register at
   once for 100 seats (checked in the database: 100 confirmed, 900 waitlisted, in order of
   arrival): the burst's wall time and each press's time from the burst to its answer, then
   Register one press at a time; (b) /events and an event card with 500 events, 100,000
   users and 100,000 registrations, the clock moved two seconds before each /events so that
   every page is read from the database, not from `EventService`'s one-second memory; (c) the
   export of those 100,000 registrations: wall time and peak Python memory (tracemalloc, as
   bench/signup.py). Seeding is plain SQL beside the bot, the same rows on both (sqlite3
   `executemany`, psycopg `COPY`).
3. `--part processes` (PostgreSQL): one and then two `python -m bot` processes in webhook
   mode behind the emulator's balancer (it posts to the processes in turn). (a) Inbound,
   `--rounds` times: 600 returning users' /start at once, the processes' pacing lifted as in
   1, the emulator allowing 100,000 messages/s; the CPU of the bots and of PostgreSQL's
   backends for this database (/proc, the server being on this machine). (b) The processes as
   shipped, the emulator at 30 messages/s (429 beyond): the organizer (ADMIN_IDS) sends a
   broadcast to everyone (/broadcast, Everyone, the text, Preview, Send), 1,000 seeded users
   and themselves, and the 600 send /start again right after Send. Where the messages arrive:
   the busiest second, the busiest five seconds / 5, messages a second from Send to the last
   one, the 429s, how long the replies waited, and how the budget was shared while they did.

PostgreSQL: a server where the URL's user may create databases (default the project's
development server, `postgresql://postgres@127.0.0.1:55432/postgres`; `--postgres URL` or
BENCH_POSTGRES_URL); the bench creates databases named `bench_deployment_*` and drops them.
Without a reachable server the PostgreSQL figures are skipped, the reason printed. Tables are
printed as Markdown. About 6 minutes in all on the project's 2-core machine.

    python -m bench.deployment [--part webhook|databases|processes] [--rounds 2]
        [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import signal
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit, urlunsplit

from telegram import Update

from bench.harness import LANGUAGES, NOW, ZONES, percentile, programme_csv
from bot.app import BotApplication, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import to_db
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, EmulatorRequest, FakeUser
from bot.devtools.emulator_server import SENDING_METHODS, BotApiServer, FloodControl

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:DEPLOY"
SECRET = "bench-Deployment_secret"
ORGANIZER = FakeUser(id=5001, first_name="Olga", language_code="en")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:55432/postgres"
UNLIMITED = 100_000  # messages a second the emulator allows when Telegram's limit is not measured
TELEGRAM_LIMIT = 30
EVENTS = 500
WEBHOOK_USERS = 400
SEATS = 100
CROWD = 1_000
ONE_BY_ONE = 200
EXPORT_ROWS = 100_000
SAMPLES = 400
BURST_USERS = 600
AUDIENCE = 1_000
BROADCAST_TEXT = "The programme is online."
WAIT = 240.0  # seconds any one wait may take before the bench gives up
GONE = 30.0  # seconds a bot has to exit after SIGTERM
SETTLE_FOR = 20.0  # seconds at most to wait for a started bot to go idle


# -- small helpers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving `database` on this machine (its
    process title names the database)."""
    found: dict[int, float] = {}
    title = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            command = (entry / "cmdline").read_bytes()
            if command.startswith(b"postgres: ") and title in command:
                found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def postgres_spent(database: str | None, before: dict[int, float]) -> float | None:
    """CPU seconds PostgreSQL's backends of `database` spent since `before` (a backend that
    ended meanwhile is not counted)."""
    if database is None:
        return None
    after = postgres_cpu(database)
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def median_p99(seconds: Sequence[float]) -> str:
    return f"{ms(statistics.median(seconds))} / {ms(percentile(seconds, 0.99))}"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A Markdown table, ready for bench/README.md."""
    print(f"\n{title}\n", flush=True)
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(flush=True)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def postgres_problem(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip()[:200]}"
    return None


def create_database(admin_url: str, name: str) -> str:
    """A new, empty database (the bot migrates it when it opens it); its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
        conn.execute(f"CREATE DATABASE {name}".encode())
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


@contextlib.contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    url = create_database(admin_url, name)
    try:
        yield url
    finally:
        drop_database(admin_url, name)


# -- the database beside the bot ---------------------------------------------------------------


class Store:
    """Plain SQL on the bot's database, beside the bot: sqlite3 on its file, or psycopg on its
    URL (`?` parameters either way, turned into psycopg's by the bot's own `to_psycopg`).
    Blocking on purpose: seeding happens while the bot is idle."""

    def __init__(self, target: Path | str) -> None:
        self.target = target

    @property
    def postgres(self) -> bool:
        return isinstance(self.target, str)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if isinstance(self.target, str):
            import psycopg

            from bot.db.postgres import to_psycopg

            with psycopg.connect(self.target) as conn:
                return [tuple(row) for row in conn.execute(to_psycopg(sql), params).fetchall()]
        lite = sqlite3.connect(self.target, timeout=30)
        try:
            with lite:
                return lite.execute(sql, params).fetchall()
        finally:
            lite.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement, committed."""
        if isinstance(self.target, str):
            import psycopg

            from bot.db.postgres import to_psycopg

            with psycopg.connect(self.target, autocommit=True) as conn:
                conn.execute(to_psycopg(sql), params)
        else:
            self.fetch_all(sql, params)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows at once: one `executemany` on SQLite, one `COPY` on PostgreSQL."""
        names = ", ".join(columns)
        if isinstance(self.target, str):
            import psycopg

            with (
                psycopg.connect(self.target) as conn,
                conn.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN".encode()) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        lite = sqlite3.connect(self.target, timeout=30)
        try:
            with lite:
                marks = ", ".join("?" * len(columns))
                lite.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        finally:
            lite.close()

    def users(self, count: int, first_id: int, profile: bool = False) -> list[FakeUser]:
        """`count` returning users (their Telegram client's language is the one they chose),
        as bench/harness.py's `Seeder.users` makes them; with `profile`, the profile the
        export of bench/signup.py reads (Cyrillic name, city and organization, an email)."""
        stamp = to_db(NOW)
        columns = [
            "user_id", "first_name", "language", "telegram_language", "timezone", "created_at",
            "last_seen_at",
        ]  # fmt: skip
        if profile:
            columns += ["full_name", "country", "city", "organization", "email", "consent_at"]
        rows: list[tuple[Any, ...]] = []
        for i in range(count):
            user_id, language = first_id + i, LANGUAGES[i % 6]
            row: tuple[Any, ...] = (
                user_id, f"User {i}", language, language, ZONES[i % 6], stamp, stamp,
            )  # fmt: skip
            if profile:
                row += (f"Участник {user_id}", "RU", "Казань", "Мэрия", "x@example.org", stamp)
            rows.append(row)
        self.insert("users", columns, rows)
        return [FakeUser(id=r[0], first_name=r[1], language_code=r[2]) for r in rows]

    def profiles(self) -> None:
        """Every user without a profile gets one (with consent): Register is then one tap."""
        self.execute(
            "UPDATE users SET full_name = first_name, country = 'KE', city = 'Nairobi',"
            " consent_at = ? WHERE consent_at IS NULL",
            (to_db(NOW),),
        )

    def copy_to(self, path: Path) -> None:
        """A SQLite database copied whole (SQLite's backup), for a second run from the same
        start."""
        assert isinstance(self.target, Path)
        source, copy = sqlite3.connect(self.target), sqlite3.connect(path)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()


# -- the bot in this process -----------------------------------------------------------------


@dataclass
class InProcess:
    app: BotApplication
    emulator: BotApiEmulator
    store: Store
    clock: FrozenClock

    async def deliver(self, update: JSON) -> float:
        """Seconds the bot spent on one update, from its arrival to its last reply."""
        parsed = Update.de_json(update, self.app.bot)
        started = time.perf_counter()
        await self.app.process_update(parsed)
        return time.perf_counter() - started

    def last_message(self, user: FakeUser) -> int:
        return max(m for (chat, m) in self.emulator.messages if chat == user.id)


@contextlib.asynccontextmanager
async def in_process(path: Path, url: str, now: datetime) -> AsyncIterator[InProcess]:
    """The real Application on the SQLite file `path`, or on PostgreSQL at `url`, the Bot API
    emulated in-process, no pacing, no delivery worker (bench/harness.py's `running_bot`,
    with a database URL)."""
    clock = FrozenClock(now)
    emulator = BotApiEmulator(now=clock.now)
    settings = Settings(
        bot_token=TOKEN,
        database_path=path,
        database_url=url,
        admin_ids=frozenset({ORGANIZER.id}),
    )
    app = build_application(
        settings,
        request=EmulatorRequest(emulator),
        clock=clock,
        deliver=False,
        pace=False,
        freeze_heap=True,
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    try:
        yield InProcess(app, emulator, Store(url or path), clock)
    finally:
        for thread in threading.enumerate():
            if thread.name == "city-list":  # the application's start-up reading
                thread.join()
        await app.post_shutdown(app)
        await app.shutdown()


async def seed_programme(path: Path, url: str, now: datetime) -> None:
    """The schema and 500 events two hours apart from three days on (through the real
    import, in this process), for a bot that runs on the real clock."""
    first = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    async with in_process(path, url, now) as bench:
        services = bench.app.bot_data.services
        await services.programme.import_now(
            programme_csv(EVENTS, first, timedelta(hours=2)), admin_id=ORGANIZER.id
        )


# -- the bot as a process ----------------------------------------------------------------------


def bot_without_pacing() -> int:
    """`python -m bot`, its own pacing of what it sends lifted (`pace=False`), nothing else
    changed: what the inbound path can do when Telegram's 30 a second is not the limit."""
    import bot.app
    from bot.__main__ import main

    original = bot.app.build_application

    def unpaced(settings: Settings, **options: Any) -> BotApplication:
        options["pace"] = False
        return original(settings, **options)

    with patch("bot.app.build_application", unpaced):
        return main(["run"])


class BotProcess:
    """`python -m bot` (or, not `paced`, the same without its pacing) with its settings from
    the environment, as an operator starts it; webhook mode when `webhook_url` is given."""

    def __init__(self, name: str, folder: Path, database: dict[str, str]) -> None:
        self.name = name
        self.folder = folder
        self.database = database
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.log_path = folder / f"{name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    async def start(self, api_url: str, *, paced: bool, webhook_url: str | None) -> None:
        webhook = (
            {
                "WEBHOOK_URL": webhook_url,
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_LISTEN": f"127.0.0.1:{self.port}",
            }
            if webhook_url
            else {}
        )
        command = ["-m", "bot"] if paced else ["-m", "bench.deployment", "--bot-without-pacing"]
        with self.log_path.open("ab") as log:
            log.write(f"--- started {'paced' if paced else 'without pacing'}\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *command,
                cwd=self.folder,
                env={
                    "PATH": os.environ.get("PATH", ""),
                    "PYTHONPATH": str(ROOT),
                    "BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": api_url,
                    **self.database,
                    "ADMIN_IDS": str(ORGANIZER.id),
                    "LOG_LEVEL": "WARNING",
                    **webhook,
                },
                stdout=log,
                stderr=log,
            )

    async def stop(self) -> str:
        """SIGTERM, as a supervisor stops the bot; what happened."""
        if self.process is None or self.process.returncode is not None:
            return "not running"
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(GONE):
                code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return f"still running {GONE:g} s after SIGTERM: killed"
        return f"exit {code} in {time.perf_counter() - started:.1f} s"

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def problems(self) -> list[str]:
        """The log's lines at WARNING and above."""
        if not self.log_path.exists():
            return []
        return [
            line
            for line in self.log_path.read_text(errors="replace").splitlines()
            if any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))
        ]

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def settle(processes: Sequence[BotProcess]) -> float:
    """Wait until the started bots are idle (the world city list is read on a thread at
    start-up: two seconds of CPU that would weigh on the first burst); seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < SETTLE_FOR:
        before = [p.cpu() for p in processes]
        await asyncio.sleep(0.5)
        if all(p.cpu() - b < 0.05 for p, b in zip(processes, before, strict=True)):
            break
    return time.monotonic() - started


async def until(
    server: BotApiServer,
    processes: Sequence[BotProcess],
    predicate: Callable[[], bool],
    seconds: float = WAIT,
) -> None:
    """Wait, woken by each Bot API call, until `predicate` holds; the logs if it does not."""
    try:
        async with asyncio.timeout(seconds):
            await server.emulator.wait_until(predicate)
    except TimeoutError:
        logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes)
        raise RuntimeError(f"not within {seconds:g} s; the bots' logs:\n{logs}") from None


async def listening(server: BotApiServer, processes: Sequence[BotProcess], webhook: bool) -> None:
    """Until each process polls, or has set its webhook."""
    emulator = server.emulator
    if webhook:
        before = sum(1 for c in emulator.calls if c.method == "setWebhook")
        await until(
            server,
            processes,
            lambda: (
                sum(1 for c in emulator.calls if c.method == "setWebhook")
                >= before + len(processes)
            ),
            60,
        )
    else:
        polls = emulator.polls
        await until(server, processes, lambda: emulator.polls > polls, 60)


class Answers:
    """Counts the bot's messages to a set of chats as the emulator accepts them (a listener:
    nothing is scanned at each call)."""

    def __init__(
        self, emulator: BotApiEmulator, chats: set[int], expected: int, skip_text: str = ""
    ) -> None:
        self.emulator = emulator
        self.chats = chats
        self.expected = expected
        self.skip_text = skip_text
        self.times: list[float] = []
        self.first: dict[int, float] = {}  # chat: when its first answer arrived
        self.done = asyncio.Event()
        emulator.listeners.append(self.seen)

    def seen(self, call: ApiCall, result: JSON) -> None:
        if call.method not in SENDING_METHODS:
            return
        chat = result.get("chat", {}).get("id")
        if chat not in self.chats or (self.skip_text and self.skip_text in result.get("text", "")):
            return
        now = time.monotonic()
        self.times.append(now)
        self.first.setdefault(chat, now)
        if len(self.times) >= self.expected:
            self.done.set()

    def close(self) -> None:
        self.emulator.listeners.remove(self.seen)


async def moment_when(predicate: Callable[[], bool], every: float = 0.005) -> float:
    while not predicate():  # noqa: ASYNC110 (the emulator's queue has no event to wait on)
        await asyncio.sleep(every)
    return time.monotonic()


@dataclass
class Burst:
    updates: int
    intake: float  # seconds from queued until Telegram held none of them
    answered: float  # seconds from queued until the last answer arrived
    cpu: list[float]  # CPU seconds of each bot process meanwhile
    emulator_cpu: float  # CPU seconds of this process (the emulator, its webhook posts)
    refused: int
    database_cpu: float | None = None  # PostgreSQL's backends, when on PostgreSQL

    @property
    def rate(self) -> float:
        return self.updates / self.answered

    @property
    def intake_rate(self) -> float:
        return self.updates / self.intake


async def burst(
    server: BotApiServer,
    processes: Sequence[BotProcess],
    updates: Sequence[tuple[FakeUser, str]],
    database: str | None = None,
) -> Burst:
    """`updates` queued at once; each is answered by one message. `database`: PostgreSQL's,
    whose backends' CPU is counted too."""
    emulator = server.emulator
    backends = postgres_cpu(database) if database else {}
    answers = Answers(emulator, {user.id for user, _ in updates}, len(updates))
    refused = server.flood.refused if server.flood else 0
    cpu = [p.cpu() for p in processes]
    mine = time.process_time()
    started = time.monotonic()
    for user, text in updates:
        emulator.user_message(user, text)
    intake = asyncio.create_task(moment_when(lambda: emulator.pending_updates() == 0))
    try:
        async with asyncio.timeout(WAIT):
            await answers.done.wait()
        answered = answers.times[len(updates) - 1] - started
        spent = [p.cpu() - c for p, c in zip(processes, cpu, strict=True)]
        emulator_cpu = time.process_time() - mine
        database_cpu = postgres_spent(database, backends)
        async with asyncio.timeout(30):
            taken = await intake - started
    except TimeoutError:
        intake.cancel()
        logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes)
        raise RuntimeError(
            f"{len(answers.times)} of {len(updates)} answered within {WAIT:g} s, "
            f"{emulator.pending_updates()} still with Telegram; the logs:\n{logs}"
        ) from None
    finally:
        answers.close()
    return Burst(
        updates=len(updates),
        intake=taken,
        answered=answered,
        cpu=spent,
        emulator_cpu=emulator_cpu,
        refused=(server.flood.refused if server.flood else 0) - refused,
        database_cpu=database_cpu,
    )


# -- 1. long polling and the webhook ----------------------------------------------------------


@dataclass
class ModeRun:
    pacing: str
    mode: str
    figures: Burst
    stop: str
    problems: list[str]


async def one_mode(
    folder: Path, seeded: Store, index: int, users: list[FakeUser], paced: bool, webhook: bool
) -> ModeRun:
    path = folder / f"run-{index}.sqlite3"
    seeded.copy_to(path)  # every run from the same start
    server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(UNLIMITED))
    await server.start()
    process = BotProcess(f"run-{index}", folder, {"DATABASE_PATH": str(path)})
    try:
        url = f"http://127.0.0.1:{process.port}/telegram/hook" if webhook else None
        await process.start(server.base_url, paced=paced, webhook_url=url)
        await listening(server, [process], webhook)
        await settle([process])
        figures = await burst(
            server, [process], [(u, text) for u in users for text in ("/start", "/events")]
        )
        stop = await process.stop()
    finally:
        await process.kill()
        await server.stop()  # its webhook posting too
    return ModeRun(
        "as shipped (29/s)" if paced else "lifted",
        "webhook" if webhook else "long polling",
        figures,
        stop,
        process.problems(),
    )


async def webhook_part(folder: Path, rounds: int) -> None:
    print(f"\n== long polling and the webhook (SQLite): {load()}", flush=True)
    seeded = folder / "seeded.sqlite3"
    await seed_programme(seeded, "", datetime.now(UTC))
    store = Store(seeded)
    users = store.users(WEBHOOK_USERS, first_id=10_000_000)
    runs: list[ModeRun] = []
    plan = [(True, False), (True, True)] + [(False, False), (False, True)] * rounds
    for index, (paced, webhook) in enumerate(plan):
        run = await one_mode(folder, store, index, users, paced, webhook)
        runs.append(run)
        f = run.figures
        print(
            f"  {run.pacing}, {run.mode}: {f.updates} updates answered in {f.answered:.2f} s "
            f"({f.rate:.0f}/s), Telegram held none after {f.intake:.2f} s; bot CPU "
            f"{f.cpu[0]:.2f} s, emulator CPU {f.emulator_cpu:.2f} s; {run.stop}",
            flush=True,
        )
    table(
        f"One `python -m bot` process on SQLite, {WEBHOOK_USERS} users each sending /start then "
        f"/events ({2 * WEBHOOK_USERS} updates queued at once), emulator allowing "
        f"{UNLIMITED:,} messages/s, no per-chat pace; {load()}",
        [
            "bot's pacing", "mode", "all answered", "updates/s", "Telegram held none after",
            "intake, updates/s", "bot CPU per update", "emulator CPU", "429s",
        ],
        [
            [
                r.pacing, r.mode, f"{r.figures.answered:.2f} s", f"**{r.figures.rate:.0f}**",
                f"{r.figures.intake:.2f} s", f"{r.figures.intake_rate:.0f}",
                ms(r.figures.cpu[0] / r.figures.updates), f"{r.figures.emulator_cpu:.1f} s",
                str(r.figures.refused),
            ]
            for r in runs
        ],
    )  # fmt: skip
    problems = [(r.mode, line) for r in runs for line in r.problems]
    print(f"bot log lines at WARNING or above: {len(problems)}")
    for mode, line in problems[:10]:
        print(f"  [{mode}] {line}")


# -- 2. SQLite and PostgreSQL ---------------------------------------------------------------


@dataclass
class DatabaseFigures:
    name: str
    seeding: float = 0.0
    confirmed: int = 0
    waitlisted: int = 0
    in_order: bool = False
    burst_wall: float = 0.0
    burst_waits: list[float] = field(default_factory=list)  # from the burst to each answer
    one_by_one: list[float] = field(default_factory=list)
    events: list[float] = field(default_factory=list)
    cards: list[float] = field(default_factory=list)
    export_seconds: float = 0.0
    export_peak: int = 0
    export_size: int = 0


class CountingSink(io.TextIOBase):
    """A file that only counts what is written, so only the export's own memory is measured."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text.encode())
        return len(text)


async def database_figures(name: str, path: Path, url: str) -> DatabaseFigures:
    found = DatabaseFigures(name)
    async with in_process(path, url, NOW) as bench:
        services = bench.app.bot_data.services
        store = bench.store
        started = time.perf_counter()
        await services.programme.import_now(
            programme_csv(EVENTS, NOW + timedelta(days=1), timedelta(hours=2)),
            admin_id=ORGANIZER.id,
        )
        start = (NOW + timedelta(days=1)).isoformat()
        rush = (
            "code,topic,starts_at,duration_minutes,capacity,language,join_url,title,description\n"
            f"rush,climate-change,{start},60,{SEATS},en,https://meet.example.org/rush,Rush,Full\n"
        ).encode()
        await services.programme.import_now(rush, admin_id=ORGANIZER.id)
        crowd = store.users(CROWD, first_id=10_000_000)
        store.profiles()
        found.seeding += time.perf_counter() - started

        # (a) the race: everyone opens the card first, then all press at once
        cards = []
        for user in crowd:
            await bench.deliver(bench.emulator.user_message(user, "/start rush"))
            cards.append(bench.last_message(user))
        presses = [
            bench.emulator.user_presses(user, card, "rg:r:rush")
            for user, card in zip(crowd, cards, strict=True)
        ]
        started = time.perf_counter()

        async def answered(update: JSON) -> float:
            """Seconds from the burst to the press's answer."""
            await bench.deliver(update)
            return time.perf_counter() - started

        found.burst_waits = list(await asyncio.gather(*(answered(p) for p in presses)))
        found.burst_wall = time.perf_counter() - started
        rows = store.fetch_all(
            "SELECT r.status, r.user_id FROM registrations r JOIN events e"
            " ON e.event_id = r.event_id WHERE e.code = 'rush' ORDER BY r.seq"
        )
        confirmed = [r[1] for r in rows if r[0] == "confirmed"]
        waitlisted = [r[1] for r in rows if r[0] == "waitlisted"]
        found.confirmed, found.waitlisted = len(confirmed), len(waitlisted)
        found.in_order = confirmed + waitlisted == [u.id for u in crowd]
        print(
            f"  {name}: {CROWD} presses for {SEATS} seats: {found.confirmed} confirmed, "
            f"{found.waitlisted} waitlisted, in order of arrival: {found.in_order}; "
            f"{found.burst_wall:.2f} s",
            flush=True,
        )
        alone = store.users(ONE_BY_ONE, first_id=40_000_000)
        store.profiles()
        for user in alone:
            await bench.deliver(bench.emulator.user_message(user, "/start rush"))
            card = bench.last_message(user)
            found.one_by_one.append(
                await bench.deliver(bench.emulator.user_presses(user, card, "rg:r:rush"))
            )

        # 100,000 users and 100,000 registrations, the same rows on either database
        started = time.perf_counter()
        more = EXPORT_ROWS - CROWD - ONE_BY_ONE
        others = store.users(more, first_id=20_000_000, profile=True)
        events = [r[0] for r in store.fetch_all("SELECT event_id FROM events ORDER BY event_id")]
        stamp = to_db(NOW)
        store.insert(
            "registrations",
            ["event_id", "user_id", "status", "created_at", "updated_at", "seq"],
            [
                (events[i % len(events)], u.id, "confirmed", stamp, stamp, 20_000_000 + i)
                for i, u in enumerate(others)
            ],
        )
        found.seeding += time.perf_counter() - started
        if store.postgres:
            store.execute("ANALYZE")  # as autovacuum would soon after such a load

        # (b) /events and a card, every page read from the database
        rng = random.Random(7)
        everyone = crowd + alone + others
        for _ in range(SAMPLES):
            user = rng.choice(everyone)
            bench.clock.advance(timedelta(seconds=2))
            found.events.append(await bench.deliver(bench.emulator.user_message(user, "/events")))
            message = bench.last_message(user)
            code = f"ev-{rng.randrange(EVENTS):04d}"
            found.cards.append(
                await bench.deliver(bench.emulator.user_presses(user, message, f"ev:c:{code}:-:0"))
            )
        print(f"  {name}: /events {median_p99(found.events)}", flush=True)

        # (c) the export
        sink = CountingSink()
        tracemalloc.start()
        started = time.perf_counter()
        written = await services.exports.write_registrations(sink)
        found.export_seconds = time.perf_counter() - started
        _, found.export_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        found.export_size = sink.size
        assert written == EXPORT_ROWS, (written, EXPORT_ROWS)
        print(f"  {name}: export {found.export_seconds:.2f} s", flush=True)
    return found


async def databases_part(folder: Path, admin_url: str) -> None:
    print(f"\n== SQLite and PostgreSQL, in-process: {load()}", flush=True)
    results = [await database_figures("SQLite", folder / "side.sqlite3", "")]
    problem = postgres_problem(admin_url)
    if problem is None:
        with postgres_database(admin_url, "bench_deployment_side") as url:
            results.append(await database_figures("PostgreSQL", folder / "unused", url))
    else:
        print(f"PostgreSQL skipped: {problem}")

    def row(label: str, value: Callable[[DatabaseFigures], str]) -> list[str]:
        return [label, *(value(r) for r in results)]

    table(
        f"The Application in-process (Bot API emulated, no pacing); {load()}",
        ["figure", *(r.name for r in results)],
        [
            row(
                f"{CROWD:,} Register presses at once, {SEATS} seats",
                lambda r: (
                    f"{r.confirmed} confirmed, {r.waitlisted} waitlisted, in order of "
                    f"arrival: {'yes' if r.in_order else '**no**'}"
                ),
            ),
            row(
                "the burst's wall time (sign-ups/s; bot-side ms per press)",
                lambda r: (
                    f"{r.burst_wall:.2f} s ({CROWD / r.burst_wall:.0f}/s; "
                    f"{r.burst_wall / CROWD * 1000:.2f} ms)"
                ),
            ),
            row(
                "from the burst to a press's answer, median / p99 (queueing included)",
                lambda r: (
                    f"{statistics.median(r.burst_waits):.2f} s / "
                    f"{percentile(r.burst_waits, 0.99):.2f} s"
                ),
            ),
            row(
                f"Register one at a time ({ONE_BY_ONE}, waitlisted), median / p99",
                lambda r: median_p99(r.one_by_one),
            ),
            row(
                f"/events, {EVENTS} events, {EXPORT_ROWS:,} users and registrations, median / p99",
                lambda r: median_p99(r.events),
            ),
            row("event card, median / p99", lambda r: median_p99(r.cards)),
            row(
                f"export {EXPORT_ROWS:,} registrations",
                lambda r: (
                    f"{r.export_seconds:.2f} s, peak Python memory "
                    f"{r.export_peak / 1e6:.2f} MB ({r.export_size / 1e6:.1f} MB of CSV)"
                ),
            ),
            row("seeding (programme import, users, registrations)", lambda r: f"{r.seeding:.1f} s"),
        ],
    )


# -- 3. one process and two -------------------------------------------------------------------


@dataclass
class Broadcast:
    audience: int
    delivered: int
    twice: int
    replies: int
    until_last_delivery: float
    messages: int
    span: float
    busiest_1: int
    busiest_5: int
    refused: int
    reply_waits: list[float]
    statuses: dict[str, int]
    cpu: list[float]
    database_cpu: float | None
    replies_window: float  # seconds from the /start burst to the last first reply
    deliveries_in_window: int  # broadcast messages that arrived meanwhile

    @property
    def rate(self) -> float:
        return self.messages / self.span if self.span > 0 else 0.0


@dataclass
class ProcessesRun:
    count: int
    inbound: list[Burst]
    broadcast: Broadcast
    stops: list[str]
    problems: list[str]


def organizer_messages(emulator: BotApiEmulator) -> list[JSON]:
    bot_id = emulator.bot_user["id"]
    return [
        m
        for (chat, _), m in sorted(emulator.messages.items())
        if chat == ORGANIZER.id and m["from"]["id"] == bot_id
    ]


async def say(
    server: BotApiServer, processes: Sequence[BotProcess], text: str, replies: int = 1
) -> None:
    before = len(organizer_messages(server.emulator))
    server.emulator.user_message(ORGANIZER, text)
    await until(
        server, processes, lambda: len(organizer_messages(server.emulator)) >= before + replies
    )


async def press(
    server: BotApiServer, processes: Sequence[BotProcess], label: str, replies: int = 1
) -> None:
    emulator = server.emulator
    message = next(m for m in reversed(organizer_messages(emulator)) if m.get("reply_markup"))
    buttons = [
        (button["text"], button.get("callback_data", ""))
        for row in message["reply_markup"].get("inline_keyboard", [])
        for button in row
    ]
    found = [data for text, data in buttons if label in text]
    assert found, (label, buttons)
    calls = len(emulator.calls)
    before = len(organizer_messages(emulator))
    emulator.user_presses(ORGANIZER, message["message_id"], found[0])
    await until(
        server,
        processes,
        lambda: (
            len(emulator.calls) > calls and len(organizer_messages(emulator)) >= before + replies
        ),
    )


async def broadcast(
    server: BotApiServer,
    processes: Sequence[BotProcess],
    store: Store,
    burst_users: Sequence[FakeUser],
    database: str,
) -> Broadcast:
    """The organizer's broadcast to everyone; right after Send, each of `burst_users`
    sends /start."""
    emulator = server.emulator
    await say(server, processes, "/start")
    await say(server, processes, "/broadcast")
    await press(server, processes, "Everyone")
    await say(server, processes, BROADCAST_TEXT)
    await press(server, processes, "Preview", replies=2)
    [(audience,)] = store.fetch_all("SELECT COUNT(*) FROM users WHERE is_active = 1")
    delivered: Counter[int] = Counter()
    delivery_times: list[float] = []
    all_delivered = asyncio.Event()

    def seen(call: ApiCall, result: JSON) -> None:
        # the text as sent, or after a right-to-left mark (the Arabic readers' copy)
        if call.method == "sendMessage" and BROADCAST_TEXT in result.get("text", ""):
            delivered[result["chat"]["id"]] += 1
            delivery_times.append(time.monotonic())
            if len(delivered) >= audience:
                all_delivered.set()

    emulator.listeners.append(seen)
    replies = Answers(
        emulator, {u.id for u in burst_users}, len(burst_users), skip_text=BROADCAST_TEXT
    )
    server.arrivals.clear()
    server.flood = FloodControl(TELEGRAM_LIMIT)
    cpu = [p.cpu() for p in processes]
    backends = postgres_cpu(database)
    try:
        sent = time.monotonic()
        await press(server, processes, "Send")
        queued = time.monotonic()
        for user in burst_users:
            emulator.user_message(user, "/start")
        async with asyncio.timeout(WAIT):
            await all_delivered.wait()
            await replies.done.wait()
        await asyncio.sleep(2.0)  # progress edits and stragglers
    except TimeoutError:
        logs = "\n".join(f"--- {p.name}\n{p.tail()}" for p in processes)
        raise RuntimeError(
            f"broadcast: {len(delivered)} of {audience} delivered, {len(replies.times)} of "
            f"{len(burst_users)} replies within {WAIT:g} s; the logs:\n{logs}"
        ) from None
    finally:
        emulator.listeners.remove(seen)
        replies.close()
    spent = [p.cpu() - c for p, c in zip(processes, cpu, strict=True)]
    database_cpu = postgres_spent(database, backends)
    arrivals = server.arrivals
    last_reply = max(replies.first.values())
    statuses = {
        str(status): int(count)
        for status, count in store.fetch_all(
            "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
        )
    }
    return Broadcast(
        audience=int(audience),
        delivered=len(delivered),
        twice=sum(n - 1 for n in delivered.values()),
        replies=len(replies.first),
        until_last_delivery=delivery_times[-1] - sent,
        messages=len(arrivals),
        span=arrivals[-1] - arrivals[0] if arrivals else 0.0,
        busiest_1=server.busiest(1.0),
        busiest_5=server.busiest(5.0),
        refused=server.flood.refused,
        reply_waits=[at - queued for at in replies.first.values()],
        statuses=statuses,
        cpu=spent,
        database_cpu=database_cpu,
        replies_window=last_reply - queued,
        deliveries_in_window=sum(1 for at in delivery_times if queued <= at <= last_reply),
    )


async def processes_run(folder: Path, admin_url: str, count: int, rounds: int) -> ProcessesRun:
    name = f"bench_deployment_p{count}"
    with postgres_database(admin_url, name) as url:
        await seed_programme(folder / "unused", url, datetime.now(UTC))
        store = Store(url)
        people = store.users(AUDIENCE, first_id=10_000_000)
        server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(UNLIMITED))
        await server.start()
        processes = [
            BotProcess(f"p{count}-{'ab'[i]}", folder, {"DATABASE_URL": url}) for i in range(count)
        ]
        server.emulator.webhook_backends = [f"http://127.0.0.1:{p.port}" for p in processes]
        hook = "https://bot.example.org/telegram"
        stops: list[str] = []
        try:
            # (a) inbound, the processes' pacing lifted
            for process in processes:
                await process.start(server.base_url, paced=False, webhook_url=hook)
            await listening(server, processes, webhook=True)
            await settle(processes)
            inbound = []
            for _ in range(rounds):
                done = await burst(
                    server, processes, [(u, "/start") for u in people[:BURST_USERS]], name
                )
                inbound.append(done)
                print(
                    f"  {count} process(es), inbound: {done.updates} in {done.answered:.2f} s "
                    f"({done.rate:.0f}/s)",
                    flush=True,
                )
            stops += [await p.stop() for p in processes]
            # (b) as shipped: a broadcast, and replies meanwhile, Telegram at 30/s
            for process in processes:
                await process.start(server.base_url, paced=True, webhook_url=hook)
            await listening(server, processes, webhook=True)
            await settle(processes)
            sent = await broadcast(server, processes, store, people[:BURST_USERS], name)
            print(
                f"  {count} process(es), broadcast: {sent.delivered} delivered in "
                f"{sent.until_last_delivery:.1f} s, {sent.rate:.1f} messages/s, "
                f"{sent.refused} × 429",
                flush=True,
            )
            stops += [await p.stop() for p in processes]
        finally:
            for process in processes:
                await process.kill()
            await server.stop()  # its webhook posting too
    return ProcessesRun(
        count, inbound, sent, stops, [line for p in processes for line in p.problems()]
    )


async def processes_part(folder: Path, admin_url: str, rounds: int) -> None:
    print(f"\n== one process and two, webhook mode, PostgreSQL: {load()}", flush=True)
    problem = postgres_problem(admin_url)
    if problem is not None:
        print(f"skipped: PostgreSQL cannot be reached ({problem})")
        return
    runs = [await processes_run(folder, admin_url, count, rounds) for count in (1, 2)]
    table(
        f"Inbound: {BURST_USERS} returning users' /start queued at once, webhook mode, the "
        f"processes' pacing lifted, emulator allowing {UNLIMITED:,} messages/s; {load()}",
        [
            "processes", "all answered", "updates/s", "Telegram held none after",
            "intake, updates/s", "CPU of each bot", "PostgreSQL's CPU", "emulator CPU",
        ],
        [
            [
                str(r.count), f"{b.answered:.2f} s", f"**{b.rate:.0f}**", f"{b.intake:.2f} s",
                f"{b.intake_rate:.0f}", " + ".join(f"{c:.2f} s" for c in b.cpu),
                f"{b.database_cpu or 0:.2f} s", f"{b.emulator_cpu:.1f} s",
            ]
            for r in runs
            for b in r.inbound
        ],
    )  # fmt: skip
    table(
        f"A broadcast to everyone ({AUDIENCE:,} seeded users and the organizer) with "
        f"{BURST_USERS} /start right after Send, the processes as shipped, emulator at "
        f"{TELEGRAM_LIMIT} messages/s (429 beyond); {load()}",
        [
            "processes", "delivered (twice)", "Send to last delivery", "messages, all",
            "messages/s, Send to last message", "busiest 1 s", "busiest 5 s / 5", "429s",
            "replies: wait median / p99 / max", "while replies waited: replies/s, deliveries/s",
            "deliveries in the database", "CPU of each bot", "PostgreSQL's CPU",
        ],
        [
            [
                str(r.count),
                f"{r.broadcast.delivered:,} of {r.broadcast.audience:,} ({r.broadcast.twice})",
                f"{r.broadcast.until_last_delivery:.1f} s", f"{r.broadcast.messages:,}",
                f"**{r.broadcast.rate:.1f}**", str(r.broadcast.busiest_1),
                f"{r.broadcast.busiest_5 / 5:.1f}", str(r.broadcast.refused),
                f"{statistics.median(r.broadcast.reply_waits):.1f} / "
                f"{percentile(r.broadcast.reply_waits, 0.99):.1f} / "
                f"{max(r.broadcast.reply_waits):.1f} s ({r.broadcast.replies})",
                f"{r.broadcast.replies / r.broadcast.replies_window:.1f}, "
                f"{r.broadcast.deliveries_in_window / r.broadcast.replies_window:.1f}",
                ", ".join(f"{n:,} {s}" for s, n in sorted(r.broadcast.statuses.items())),
                " + ".join(f"{c:.1f} s" for c in r.broadcast.cpu),
                f"{r.broadcast.database_cpu or 0:.1f} s",
            ]
            for r in runs
        ],
    )  # fmt: skip
    for r in runs:
        print(f"{r.count} process(es): stops: {'; '.join(r.stops)}")
        print(f"  log lines at WARNING or above: {len(r.problems)}")
        for line in r.problems[:10]:
            print(f"    {line}")


# -- the command line -------------------------------------------------------------------------


async def main(parts: Sequence[str], admin_url: str, rounds: int) -> None:
    started = time.monotonic()
    print(f"bench.deployment, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if "webhook" in parts:
            await webhook_part(Path(folder), rounds)
        if "databases" in parts:
            await databases_part(Path(folder), admin_url)
        if "processes" in parts:
            await processes_part(Path(folder), admin_url, rounds)
    print(f"\ndone in {time.monotonic() - started:.0f} s, {load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--part", choices=["webhook", "databases", "processes"])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        metavar="URL",
        help="a PostgreSQL server where this user may create databases",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="bursts with the bots' pacing lifted: of each mode (webhook), of each number of "
        "processes (processes)",
    )
    parser.add_argument("--bot-without-pacing", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.bot_without_pacing:
        sys.exit(bot_without_pacing())
    chosen = [arguments.part] if arguments.part else ["webhook", "databases", "processes"]
    asyncio.run(main(chosen, arguments.postgres, arguments.rounds))
