"""Issue 7's scale figures: `python -m bot` as a process on a database of 350,000 users,
500 events and 1,000,000 registrations; its start-up time, its resident memory after start-up
and minute by minute through an hour of simulated use, and the database size before and after.

The use: participants at once, each in a loop (`/start`, `/events`, a card, Register, `/my`;
one in five is new and picks a language first), answered as fast as the bot's pacing allows
(Telegram's ~30 messages/s), an organizer asking `/stats` and exporting every ten minutes, and
a day-before reminder to one event's 2,000 registrants falling due half-way through. The Bot
API emulator runs in this process on 127.0.0.1 and refuses anything beyond 30/s.

    python -m bench.soak [--minutes 60] [--participants 24]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.delivery import ROOT, rss_mb
from bench.harness import running_bot, seed_scale
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, FakeUser
from bot.devtools.emulator_server import BotApiServer, FloodControl

ORGANIZER = FakeUser(id=1, first_name="Olga", language_code="en")
SEEDED_USERS = range(10_000_000, 10_350_000)
NEW_USERS = itertools.count(90_000_000)
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
ANSWER_WITHIN = 120.0  # seconds; beyond that the bot is considered stuck


Seen = tuple[str, JSON]  # a Bot API method the bot called for a chat, and its result
Done = Callable[[str, JSON], bool]


def a_message(method: str, result: JSON) -> bool:
    return method == "sendMessage"


def a_document(method: str, result: JSON) -> bool:
    return method == "sendDocument"


def the_list(method: str, result: JSON) -> bool:
    return method == "sendMessage" and "ev:c:" in json.dumps(result.get("reply_markup", {}))


def edit_of(message: JSON) -> Done:
    return lambda method, result: (
        method == "editMessageText" and result.get("message_id") == message.get("message_id")
    )


class Conversations:
    """The user's side: sends updates and waits for the bot's answer to each, per chat.

    Each step names the call that completes the bot's answer, so a message that trails the
    previous step is never taken for the answer to this one.
    """

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator
        self.seen: dict[int, list[Seen]] = {}
        self.latencies: list[float] = []
        self.updates = 0
        emulator.listeners.append(self._seen)

    def _seen(self, call: ApiCall, result: JSON) -> None:
        chat = call.params.get("chat_id")
        if isinstance(chat, int):
            self.seen.setdefault(chat, []).append((call.method, result))

    async def _step(self, user: FakeUser, update: Callable[[], object], done: Done) -> JSON:
        seen = self.seen.setdefault(user.id, [])
        before, started = len(seen), time.perf_counter()
        update()

        def answered() -> JSON | None:
            return next((result for method, result in seen[before:] if done(method, result)), None)

        async with asyncio.timeout(ANSWER_WITHIN):
            await self.emulator.wait_until(lambda: answered() is not None)
        self.latencies.append(time.perf_counter() - started)
        self.updates += 1
        return answered() or {}

    async def say(self, user: FakeUser, text: str, done: Done = a_message) -> JSON:
        return await self._step(user, lambda: self.emulator.user_message(user, text), done)

    async def press(self, user: FakeUser, message: JSON, data: str, done: Done) -> JSON:
        message_id = int(message.get("message_id", 0))
        return await self._step(
            user, lambda: self.emulator.user_presses(user, message_id, data), done
        )

    def forget(self, user: FakeUser) -> None:
        """Drop what the emulator keeps of a finished conversation (it is not what we measure);
        called a journey later, once any trailing call of the bot has arrived."""
        for key in [key for key in self.emulator.messages if key[0] == user.id]:
            del self.emulator.messages[key]
        self.emulator.calls.clear()
        self.seen.pop(user.id, None)


async def participant(talk: Conversations, rng: random.Random, until: float, known: range) -> None:
    """Journeys one after the other; `known` are this participant's own seeded users, so two
    participants never speak as the same person at once."""
    previous: FakeUser | None = None
    while time.perf_counter() < until:
        code = f"ev-{rng.randrange(60):04d}"
        if rng.random() < 0.2:
            user = FakeUser(id=next(NEW_USERS), first_name="New", language_code="sw")
            picker = await talk.say(user, "/start")
            await talk.press(user, picker, f"lang:{rng.choice(LANGUAGES)}", edit_of(picker))
            listing = await talk.say(user, "/events", the_list)
            await talk.press(user, listing, f"ev:c:{code}:-:0", edit_of(listing))
        else:
            user = FakeUser(id=rng.choice(known), first_name="User")
            await talk.say(user, "/start")
            listing = await talk.say(user, "/events", the_list)
            card = await talk.press(user, listing, f"ev:c:{code}:-:0", edit_of(listing))
            await talk.press(user, card, f"rg:r:{code}", a_message)
            await talk.say(user, "/my")
        if previous is not None and previous.id != user.id:
            talk.forget(previous)
        previous = user


async def organizer(talk: Conversations, until: float) -> None:
    while time.perf_counter() < until:
        await talk.say(ORGANIZER, "/stats")
        await talk.say(ORGANIZER, "/export ev-0001", a_document)
        await asyncio.sleep(min(600.0, max(0.0, until - time.perf_counter())))


def database_mb(path: Path) -> float:
    files = (path, path.with_name(path.name + "-wal"))
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


async def build_database(folder: Path, first_event: datetime) -> Path:
    async with running_bot(folder / "seed") as bench:
        await seed_scale(bench, first_event=first_event)
        return bench.seed.path


async def soak(minutes: float, participants: int) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # The first event starts 24 h after the half-way mark, so its day-before reminder falls due
    # in the middle of the run; every other reminder is later.
    first_event = now + timedelta(days=1, minutes=minutes / 2 + 1)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = await build_database(Path(folder), first_event)
        print(
            f"database built in {time.perf_counter() - started:.0f} s: {database_mb(path):.0f} MB"
        )
        emulator = BotApiEmulator(open_chats=True)
        flood = FloodControl(30)
        server = BotApiServer(emulator, flood)
        await server.start()
        talk = Conversations(emulator)
        log = Path(folder) / "bot.log"
        with log.open("wb") as stderr:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                env={
                    "PATH": os.environ.get("PATH", ""),
                    "PYTHONPATH": str(ROOT),
                    "BOT_TOKEN": "1:SOAK",
                    "TELEGRAM_API_URL": server.base_url,
                    "DATABASE_PATH": str(path),
                    "ADMIN_IDS": str(ORGANIZER.id),
                    "LOG_LEVEL": "WARNING",
                },
                stderr=stderr,
            )
        await emulator.wait_until(lambda: emulator.polls > 0)
        print(
            f"start-up: polling after {time.perf_counter() - started:.2f} s, "
            f"{rss_mb(process.pid):.0f} MB resident"
        )
        until = time.perf_counter() + minutes * 60
        rng = random.Random(7)
        work = [
            asyncio.create_task(
                participant(
                    talk,
                    random.Random(rng.random()),
                    until,
                    SEEDED_USERS[number::participants],
                )
            )
            for number in range(participants)
        ]
        work.append(asyncio.create_task(organizer(talk, until)))
        minute = 0
        while not all(task.done() for task in work):
            await asyncio.wait(work, timeout=60)
            minute += 1
            recent, talk.latencies = talk.latencies, []
            median = statistics.median(recent) * 1000 if recent else 0.0
            print(
                f"minute {minute:3d}: {talk.updates:7,} updates answered, "
                f"answer median {median:.0f} ms, {rss_mb(process.pid):.0f} MB resident, "
                f"database {database_mb(path):.0f} MB, 429 answers {flood.refused}",
                flush=True,
            )
        for task in work:
            task.result()  # a participant left waiting for an answer is a failure
        process.terminate()
        code = await process.wait()
        await server.stop()
        lines = log.read_text(errors="replace").splitlines()
        errors = [number for number, line in enumerate(lines) if " ERROR " in line]
        print(
            f"after {minutes:g} minutes: {talk.updates:,} updates answered, "
            f"{len(errors)} errors logged, exit code {code} on SIGTERM"
        )
        if errors:  # the first one, with the end of its traceback, to be fixed
            first = errors[0]
            end = next(
                (n for n in range(first + 2, len(lines)) if not lines[n].startswith(" ")),
                len(lines) - 1,
            )
            print("\n".join(line[:300] for line in [lines[first], *lines[end - 4 : end + 1]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--participants", type=int, default=24)
    args = parser.parse_args()
    asyncio.run(soak(args.minutes, args.participants))


if __name__ == "__main__":
    main()
