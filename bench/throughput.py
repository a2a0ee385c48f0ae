"""Issue 7's throughput figure: our bot against a bare python-telegram-bot bot that makes the
same Bot API calls with the same payloads (bench/bare_bot.py), in one run, on one emulator.

Many simulated users at once each go through /start, /events, an event card and Register.
Both bots get the same users and the same updates, through the same per-user update processor,
in rounds that alternate ours and the bare one (so a busy neighbour on the machine weighs on
both alike). The figure is ours in updates/s over the bare bot's: the share of the framework's
ceiling that our own code (database, services, i18n, rendering) leaves.

The bare bot's replies are recorded from ours first, one journey per language, and checked:
the calls it makes are ours, method by method, payload by payload. Latencies are not
comparable: the bare bot never waits during an update (the emulator answers at once), so its
updates run one after the other, while ours wait for the database and interleave.

Where our time goes: `python -m bench.profile_throughput`; what changes would buy:
`python -m bench.what_if`.

    python -m bench.throughput [--users 400] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from telegram import Update
from telegram.ext import Application

from bench.bare_bot import CARD, EVENTS, REGISTER, START, STEPS, Reply, Script, build_bare_bot
from bench.harness import LANGUAGES, NOW, Bench, percentile, programme_csv, running_bot
from bot.db import Database
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, EmulatorRequest, FakeUser
from bot.services.delivery import OVERALL_RATE

USERS = 400
ROUNDS = 5
ONE_AT_A_TIME = 60  # journeys per bot for the per-step figures
EVENTS_SHOWN = 8  # the first page of /events: the card pressed is one of these
# Calls Telegram counts against a bot's ~30 messages/s: python-telegram-bot's AIORateLimiter
# paces every call that names a chat (answerCallbackQuery does not).
OVERALL_RATED = ("sendMessage", "sendDocument", "editMessageText", "sendPhoto")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class Meter:
    """What the bots cost besides their own code: units of work (calls of `Database.read` and
    `Database.write`, the bot's short ones run on the event loop's thread, heavy ones on a
    database thread), the time spent running them, and the time the in-process Telegram (the
    emulator) spends answering."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.units = 0
        self.db_seconds = 0.0  # spent running units of work
        self.db_cpu_seconds = 0.0  # of which on a CPU (the rest: the disk, waiting for the GIL)
        self.emulator_seconds = 0.0
        self._emulator = emulator

    def _counted(self, original: Callable[..., Any]) -> Callable[..., Any]:
        async def run(db: Database, work: Callable[[Any], Any], **options: Any) -> Any:
            self.units += 1

            def timed(uow: Any) -> Any:
                started, cpu = time.perf_counter(), time.thread_time()
                try:
                    return work(uow)
                finally:
                    self.db_seconds += time.perf_counter() - started
                    self.db_cpu_seconds += time.thread_time() - cpu

            return await original(db, timed, **options)

        return run

    @contextmanager
    def installed(self) -> Iterator[None]:
        original_handle = self._emulator.handle

        async def handle(
            method: str, params: JSON, files: dict[str, tuple[str, bytes]] | None = None
        ) -> tuple[int, JSON]:
            started = time.perf_counter()
            try:
                return await original_handle(method, params, files)
            finally:
                self.emulator_seconds += time.perf_counter() - started

        with (
            patch.object(Database, "read", self._counted(Database.read)),
            patch.object(Database, "write", self._counted(Database.write)),
            patch.object(self._emulator, "handle", handle),
        ):
            yield


@dataclass
class Figures:
    """One bot's figures over a set of updates."""

    updates: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the whole process, every thread: steadier than the wall
    kernel_seconds: float = 0.0  # of which in the kernel (thread wake-ups, the self-pipe)
    calls: int = 0
    units: int = 0
    db_seconds: float = 0.0
    db_cpu_seconds: float = 0.0
    emulator_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def line(self) -> str:
        median = statistics.median(self.latencies) * 1000
        p99 = percentile(self.latencies, 0.99) * 1000
        return (
            f"{self.rate:,.0f} updates/s, {self.cpu_seconds / self.updates * 1000:.2f} ms of CPU "
            f"per update ({self.kernel_seconds / self.updates * 1000:.2f} ms in the kernel), "
            f"{self.calls / self.updates:.2f} Bot API calls and "
            f"{self.units / self.updates:.2f} units of work per update "
            f"({self.db_seconds / self.updates * 1000:.2f} ms running units of work, "
            f"{self.db_cpu_seconds / self.updates * 1000:.2f} ms of it on a CPU), "
            f"emulator {self.emulator_seconds / self.updates * 1000:.2f} ms per update; "
            f"latency median {median:.1f} ms, p99 {p99:.0f} ms"
        )


@dataclass
class Recording:
    """One journey's Bot API calls and units of work, step by step."""

    calls: dict[str, list[ApiCall]] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)

    def script(self) -> Script:
        return {name: [Reply.of(call) for call in calls] for name, calls in self.calls.items()}

    def all_calls(self) -> list[ApiCall]:
        return [call for name in STEPS for call in self.calls[name]]


class Journeys:
    """Drives the journey for users of one bot, as Telegram would deliver it: each update goes
    through the application's update processor (per-user order, at most 256 at once)."""

    def __init__(self, app: AnyApplication, emulator: BotApiEmulator) -> None:
        self.app = app
        self.emulator = emulator
        self.last_sent: dict[int, int] = {}  # chat -> id of the bot's latest new message
        emulator.listeners.append(self._seen)

    def _seen(self, call: ApiCall, result: JSON) -> None:
        if call.method == "sendMessage" and "message_id" in result:
            self.last_sent[int(result["chat"]["id"])] = int(result["message_id"])

    def close(self) -> None:
        self.emulator.listeners.remove(self._seen)

    async def deliver(self, update: JSON) -> float:
        parsed = Update.de_json(update, self.app.bot)
        started = time.perf_counter()
        await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        return time.perf_counter() - started

    def _button(self, user: FakeUser, message_id: int, row: int) -> str:
        markup = self.emulator.messages[(user.id, message_id)]["reply_markup"]
        return str(markup["inline_keyboard"][row][0]["callback_data"])

    async def journey(
        self, user: FakeUser, latencies: list[float] | None = None, row: int | None = None
    ) -> list[float]:
        """/start, /events, the card of one of the listed events (by default one chosen by the
        user's id), Register on that card; the time of each step."""
        took = [await self.deliver(send()) for _, send in self._steps(user, row)]
        if latencies is not None:
            latencies.extend(took)
        return took

    async def crowd(self, users: Sequence[FakeUser], meter: Meter) -> Figures:
        """Every user's journey at once; the bot's figures over them.

        What earlier crowds left in the emulator is dropped first, so the garbage collector
        has as much to walk through in every round, whichever bot and round comes last.
        """
        self.emulator.calls.clear()
        chats = {user.id for user in users}
        for key in [key for key in self.emulator.messages if key[0] not in chats]:
            del self.emulator.messages[key]
        gc.collect()
        calls, units, spent = len(self.emulator.calls), meter.units, meter.emulator_seconds
        db_seconds, db_cpu = meter.db_seconds, meter.db_cpu_seconds
        figures = Figures()
        started, cpu, kernel = time.perf_counter(), time.process_time(), os.times().system
        await asyncio.gather(*(self.journey(user, figures.latencies) for user in users))
        figures.seconds = time.perf_counter() - started
        figures.cpu_seconds = time.process_time() - cpu
        figures.kernel_seconds = os.times().system - kernel
        figures.updates = len(figures.latencies)
        figures.calls = len(self.emulator.calls) - calls
        figures.units = meter.units - units
        figures.db_seconds = meter.db_seconds - db_seconds
        figures.db_cpu_seconds = meter.db_cpu_seconds - db_cpu
        figures.emulator_seconds = meter.emulator_seconds - spent
        return figures

    async def record(self, user: FakeUser, meter: Meter) -> Recording:
        """One user's journey alone (the first event's card): the calls of each step, and the
        units of work each took."""
        recording = Recording()
        emulator = self.emulator
        for name, send in self._steps(user, 0):
            before, units_before = len(emulator.calls), meter.units
            await self.deliver(send())
            recording.calls[name] = emulator.calls[before:]
            recording.units[name] = meter.units - units_before
        return recording

    async def scripts(self, recorders: Sequence[FakeUser], meter: Meter) -> dict[str, Script]:
        """Our bot's calls for one journey per language, for the bare bot to replay."""
        return {
            str(user.language_code): (await self.record(user, meter)).script() for user in recorders
        }

    def _steps(self, user: FakeUser, row: int | None) -> Iterator[tuple[str, Callable[[], JSON]]]:
        """The journey's updates, each made once the previous one was answered; buttons are
        read from the bot's messages, as a user would press them."""
        emulator = self.emulator
        yield START, lambda: emulator.user_message(user, "/start")
        yield EVENTS, lambda: emulator.user_message(user, "/events")
        listing = self.last_sent[user.id]
        card = self._button(user, listing, user.id % EVENTS_SHOWN if row is None else row)
        yield CARD, lambda: emulator.user_presses(user, listing, card)
        register = self._button(user, listing, 0)  # the card replaced the list in place
        yield REGISTER, lambda: emulator.user_presses(user, listing, register)


def comparable(calls: Sequence[ApiCall]) -> list[tuple[str, JSON, list[bytes]]]:
    """Calls without what differs from chat to chat (ids), to compare two bots' payloads."""
    ids = ("chat_id", "message_id", "callback_query_id")
    return [
        (
            call.method,
            {key: value for key, value in call.params.items() if key not in ids},
            [content for _, content in call.files.values()],
        )
        for call in calls
    ]


@asynccontextmanager
async def bare_bot(emulator: BotApiEmulator, scripts: dict[str, Script]) -> AsyncIterator[Any]:
    app = build_bare_bot(EmulatorRequest(emulator), scripts)
    await app.initialize()
    try:
        yield app
    finally:
        await app.shutdown()


def per_step(script: Script) -> str:
    """The calls of each step by method, and how many count against Telegram's limit."""
    lines = []
    total = 0
    for name in STEPS:
        methods = Counter(reply.method for reply in script[name])
        paced = sum(methods[m] for m in OVERALL_RATED)
        total += paced
        listed = ", ".join(f"{count} {method}" for method, count in methods.items())
        lines.append(f"    {name}: {listed}; {paced} rate-limited")
    journeys = OVERALL_RATE / total
    lines.append(
        f"    the journey: {total} rate-limited messages; at the bot's {OVERALL_RATE:.0f}/s, at "
        f"most {journeys:.1f} journeys ({journeys * len(STEPS):.0f} updates) a second against "
        "Telegram, whatever the CPU"
    )
    return "\n".join(lines)


@dataclass
class People:
    """Returning users with profiles (Register is one tap), none registered yet."""

    recorders: list[FakeUser]  # one per language, whose journeys the bare bot replays
    crowd: list[FakeUser]  # the rounds' users
    alone: list[FakeUser]  # one journey at a time


async def setup(bench: Bench, users: int) -> People:
    """40 upcoming events with room for everyone, and the users."""
    await bench.app.bot_data.services.programme.import_now(
        programme_csv(40, NOW + timedelta(days=1), capacity=100_000), admin_id=1
    )
    people = People(
        recorders=bench.seed.users(len(LANGUAGES), first_id=5_000_000),
        crowd=bench.seed.users(users, first_id=10_000_000),
        alone=bench.seed.users(ONE_AT_A_TIME, first_id=20_000_000),
    )
    bench.seed.profiles()
    return people


def forget_sign_ups(bench: Bench, users: Sequence[FakeUser]) -> None:
    """Drop a crowd's registrations, so every round meets the same number of them (signing up
    reads the highest place in line, which costs more the more registrations there are)."""
    with bench.seed.transaction() as conn:
        conn.executemany("DELETE FROM registrations WHERE user_id = ?", [(u.id,) for u in users])


async def compare(users: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            people = await setup(bench, users * rounds)
            meter = Meter(bench.emulator)
            with meter.installed():
                await run_comparison(bench, meter, people, users, rounds)


async def run_comparison(
    bench: Bench, meter: Meter, people: People, users: int, rounds: int
) -> None:
    emulator = bench.emulator
    recorders, crowd = people.recorders, people.crowd
    ours = Journeys(bench.app, emulator)
    recordings = {str(user.language_code): await ours.record(user, meter) for user in recorders}
    scripts = {language: recording.script() for language, recording in recordings.items()}
    english = scripts["en"]
    units = recordings["en"].units
    shapes = {tuple(tuple(r.method for r in s[n]) for n in STEPS) for s in scripts.values()}
    async with bare_bot(emulator, scripts) as app:
        bare = Journeys(app, emulator)
        same = True
        for user in recorders:  # the bare bot's calls, next to ours for the same journey
            mark = len(emulator.calls)
            twin = FakeUser(user.id + 1_000_000, user.first_name, language_code=user.language_code)
            await bare.journey(twin, row=0)
            ours_calls = recordings[str(user.language_code)].all_calls()
            same = same and comparable(emulator.calls[mark:]) == comparable(ours_calls)
        print(
            f"{users} users at once, each /start, /events, an event card, Register; "
            f"{rounds} rounds, our bot then the bare one, on one emulator:"
        )
        ours_rounds, bare_rounds = [], []
        for number in range(rounds):
            group = crowd[number * users : (number + 1) * users]
            ours_rounds.append(await ours.crowd(group, meter))
            forget_sign_ups(bench, group)
            bare_rounds.append(await bare.crowd(group, meter))
            mine, theirs = ours_rounds[-1], bare_rounds[-1]
            print(
                f"  round {number + 1}: ours {mine.rate:,.0f} updates/s, "
                f"bare {theirs.rate:,.0f} updates/s, ratio {mine.rate / theirs.rate:.2f} "
                f"(CPU time: {theirs.cpu_seconds / mine.cpu_seconds:.2f})",
                flush=True,
            )
        ours_all, bare_all = merged(ours_rounds), merged(bare_rounds)
        print(f"  our bot:  {ours_all.line()}")
        print(f"  bare bot: {bare_all.line()}")
        ratio = statistics.median(
            o.rate / b.rate for o, b in zip(ours_rounds, bare_rounds, strict=True)
        )
        print(f"  ratio: {ratio:.2f} (median of rounds; aim 0.8)")
        print(
            f"  ratio of CPU time per update (bare / ours; less swayed by the machine's other "
            f"load): {bare_all.cpu_seconds / ours_all.cpu_seconds:.2f}"
        )
        ours_own = ours_all.seconds - ours_all.emulator_seconds
        bare_own = bare_all.seconds - bare_all.emulator_seconds
        print(
            f"  ratio without the emulator's own time (Telegram's side): {bare_own / ours_own:.2f}"
        )
        print(f"  the bare bot's calls are ours (method, text, keyboard, file): {same}")
        print(f"Bot API calls of each step (every language alike: {len(shapes) == 1}):")
        print(per_step(english))
        print(
            "  units of work of each step (ours, one user alone): "
            + ", ".join(f"{name} {units[name]}" for name in STEPS)
        )
        await one_at_a_time(ours, bare, people.alone)
        bare.close()
    ours.close()


def merged(rounds: Sequence[Figures]) -> Figures:
    total = Figures()
    for figures in rounds:
        total.updates += figures.updates
        total.seconds += figures.seconds
        total.cpu_seconds += figures.cpu_seconds
        total.kernel_seconds += figures.kernel_seconds
        total.calls += figures.calls
        total.units += figures.units
        total.db_seconds += figures.db_seconds
        total.db_cpu_seconds += figures.db_cpu_seconds
        total.emulator_seconds += figures.emulator_seconds
        total.latencies += figures.latencies
    return total


async def one_at_a_time(ours: Journeys, bare: Journeys, users: Sequence[FakeUser]) -> None:
    """Each step's bot-side time with nothing else running (journeys one after the other)."""
    mine = [await ours.journey(user) for user in users]
    theirs = [await bare.journey(user) for user in users]
    print(f"one journey at a time ({len(users)} users), median per step, ours / bare:")
    print(
        "    "
        + ", ".join(
            f"{name} {statistics.median(t[i] for t in mine) * 1000:.2f} / "
            f"{statistics.median(t[i] for t in theirs) * 1000:.2f} ms"
            for i, name in enumerate(STEPS)
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    asyncio.run(compare(args.users, args.rounds))


if __name__ == "__main__":
    main()
