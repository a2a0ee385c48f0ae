"""End to end: `python -m bot` as a real process, talking HTTP to the Bot API emulator on
127.0.0.1, through whole journeys; then SIGTERM and SIGKILL in the middle of a broadcast.

Waiting here is event-driven: the emulator wakes the test on every call the bot makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.db import open_database
from bot.devtools.emulator import BotApiEmulator, FakeUser
from bot.devtools.emulator_server import BotApiServer, FloodControl
from tests.conftest import buttons_of, sqlite_only
from tests.store import oracle

pytestmark = pytest.mark.end_to_end

ROOT = Path(__file__).resolve().parent.parent
ORGANIZER = FakeUser(id=5001, first_name="Olga", language_code="en")
LEA = FakeUser(id=2001, first_name="Léa", last_name="Martin", language_code="fr")
WAIT = 30.0
RECIPIENTS = 60  # of the broadcast: 2 s of sending at 29/s


class Bot:
    """The bot process and the user's side of the conversation."""

    def __init__(
        self, emulator: BotApiEmulator, server: BotApiServer, folder: Path, database_url: str = ""
    ) -> None:
        self.emulator = emulator
        self.server = server
        self.folder = folder
        self.database_url = database_url
        self.process: asyncio.subprocess.Process | None = None

    @property
    def database(self) -> Path | str:
        """Where the bot keeps its data: its SQLite file, or PostgreSQL's URL (the oracle's
        target, see tests.store)."""
        return self.database_url or self.folder / "bot.sqlite3"

    @property
    def database_env(self) -> dict[str, str]:
        if self.database_url:
            return {"DATABASE_URL": self.database_url}
        return {"DATABASE_PATH": str(self.folder / "bot.sqlite3")}

    async def create_database(self) -> None:
        """The schema, before the bot's first start (to arrange a scene in it)."""
        await (await open_database(self.folder / "bot.sqlite3", self.database_url)).close()

    async def start(self, **env: str) -> None:
        """Start `python -m bot` and wait until it listens: polls, or (WEBHOOK_URL in `env`)
        has set its webhook."""
        polls = self.emulator.polls
        webhooks = self._webhooks_set()
        log = (self.folder / "bot.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.folder,
            env={**self.env, "ADMIN_IDS": "5001", "LOG_LEVEL": "WARNING", **env},
            stderr=log,
        )
        log.close()  # the child has its own copy
        if "WEBHOOK_URL" in env:
            await self.until(lambda: self._webhooks_set() > webhooks)
        else:
            await self.until(lambda: self.emulator.polls > polls)

    @property
    def env(self) -> dict[str, str]:
        """What a `python -m bot` of this bot runs with: its token, the emulator, its database."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": "123456:E2E",
            "TELEGRAM_API_URL": self.server.base_url,
            **self.database_env,
        }

    async def ends_by_itself(self, **env: str) -> int:
        """Start the bot and wait for its process to end on its own; its exit code."""
        earlier = self.process
        starting = asyncio.create_task(self.start(**env))  # it waits for what never comes
        try:
            async with asyncio.timeout(WAIT):
                while self.process is earlier:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                assert self.process is not None
                return await self.process.wait()
        finally:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting

    def _webhooks_set(self) -> int:
        return sum(1 for call in self.emulator.calls if call.method == "setWebhook")

    async def stop(self, how: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(how)
        async with asyncio.timeout(WAIT):
            return await self.process.wait()

    async def log_says(self, text: str) -> None:
        """Wait until the bot's log mentions `text` (checked every 50 ms, for WAIT at most)."""
        log = self.folder / "bot.log"
        async with asyncio.timeout(WAIT):
            while not (log.exists() and text in log.read_text(errors="replace")):  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    async def until(self, predicate: Callable[[], bool]) -> None:
        try:
            async with asyncio.timeout(WAIT):
                await self.emulator.wait_until(predicate)
        except TimeoutError:
            log = (self.folder / "bot.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"the bot did not get there; its log:\n{log}") from None

    def messages(self, user: FakeUser) -> list[dict[str, Any]]:
        bot_id = self.emulator.bot_user["id"]
        return [
            m
            for (chat, _), m in sorted(self.emulator.messages.items())
            if chat == user.id and m["from"]["id"] == bot_id
        ]

    async def say(self, user: FakeUser, text: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.messages(user))
        self.emulator.user_message(user, text)
        await self.until(lambda: len(self.messages(user)) >= before + replies)
        return self.messages(user)[before:]

    async def press(self, user: FakeUser, label: str, replies: int = 1) -> list[dict[str, Any]]:
        message = next(m for m in reversed(self.messages(user)) if m.get("reply_markup"))
        found = [d for text, d in buttons_of(message) if label in text]
        assert found, (label, [m.get("text", "")[:80] for m in self.messages(user)[-6:]])
        data = found[0]
        calls = len(self.emulator.calls)
        before = len(self.messages(user))
        self.emulator.user_presses(user, message["message_id"], data)
        await self.until(
            lambda: (
                len(self.emulator.calls) > calls and len(self.messages(user)) >= before + replies
            )
        )
        return self.messages(user)[before:]


@contextlib.asynccontextmanager
async def serving(server: BotApiServer, folder: Path, database_url: str = "") -> AsyncIterator[Bot]:
    """The emulator's server up, and the bot (once started) killed at the end if still
    running."""
    await server.start()
    running = Bot(server.emulator, server, folder, database_url)
    try:
        yield running
    finally:
        if running.process is not None and running.process.returncode is None:
            running.process.kill()
            await running.process.wait()
        await server.stop()


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[Bot]:
    server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(30))
    async with serving(server, tmp_path, database_url) as running:
        yield running
    assert server.flood is not None and server.flood.refused == 0, "the bot exceeded 30/s"


def with_profiles(database: Path | str, people: list[FakeUser]) -> None:
    """People who gave their profile before (so that Register signs them up at once)."""
    stamp = datetime.now(UTC).isoformat()
    with oracle(database) as conn:
        conn.executemany(
            "INSERT INTO users (user_id, first_name, full_name, country, city, consent_at,"
            " created_at, last_seen_at) VALUES (?, ?, ?, 'KE', 'Nairobi', ?, ?, ?)",
            [(p.id, p.first_name, f"{p.first_name} Doe", stamp, stamp, stamp) for p in people],
        )


def answered_presses(emulator: BotApiEmulator) -> set[str]:
    """The ids of the button presses the bot answered."""
    return {
        str(call.params.get("callback_query_id"))
        for call in emulator.calls
        if call.method == "answerCallbackQuery"
    }


def programme_file(start: datetime) -> bytes:
    return (
        "code,topic,starts_at,duration_minutes,capacity,language,join_url,title,description,"
        "title_fr\n"
        f"flood,disaster-risk-reduction,{start.isoformat(timespec='seconds')},60,50,fr,"
        "https://meet.example.org/flood,Urban floods,Early warning,Crues urbaines\n"
    ).encode()


async def test_journeys_of_an_organizer_and_a_french_participant(bot: Bot) -> None:
    """Import by document, deep link in French, profile, registration with its calendar file,
    a reminder sent after a restart, a session code check-in, statistics and an export."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    await bot.start()
    await bot.say(ORGANIZER, "/start")
    bot.emulator.user_document(ORGANIZER, "programme.csv", programme_file(start))
    await bot.until(
        lambda: any("1 event added" in m.get("text", "") for m in bot.messages(ORGANIZER))
    )

    [card] = await bot.say(LEA, "/start flood")  # straight to the card, in her language
    assert card["text"].startswith("Bonjour") and "Crues urbaines" in card["text"]
    await bot.press(LEA, "S’inscrire", replies=0)  # the card becomes the first question
    await bot.until(lambda: "/forgetme" in bot.messages(LEA)[-1].get("text", ""))
    await bot.press(LEA, "Léa Martin")
    await bot.say(LEA, "France")
    await bot.say(LEA, "Lyon")
    for question in ("fonction", "adresse"):  # each skip turns the question into the next one
        await bot.press(LEA, "Passer", replies=0)
        await bot.until(
            lambda q=question: q in bot.messages(LEA)[-1].get("text", "")  # type: ignore[misc]
        )
    # the confirmation comes as the calendar file's caption: one message, not two
    done = await bot.press(LEA, "Passer")
    texts = [m.get("text") or m.get("caption", "") for m in done]
    assert any(
        t.startswith("Merci, votre profil est enregistré.\n\nVotre inscription") for t in texts
    ), texts
    await bot.until(lambda: any("document" in m for m in bot.messages(LEA)))
    document = next(m["document"] for m in bot.messages(LEA) if "document" in m)
    ics = Calendar.from_ical(bot.emulator.files[document["file_id"]][1])
    assert ics.events[0].start == start

    # SIGTERM, then a restart with a reminder 1 day before: it fell due "while down" and the
    # event has not started, so it goes out at start-up, in French.
    assert await bot.stop(signal.SIGTERM) == 0
    await bot.start(REMINDER_OFFSETS="1d")
    await bot.until(
        lambda: any(
            m.get("text", "").startswith("\u200fRappel") or "Rappel" in m.get("text", "")
            for m in bot.messages(LEA)
        )
    )

    [code_message] = await bot.say(ORGANIZER, "/checkincode flood GO2026")
    assert "GO2026" in code_message["text"]
    [checked] = await bot.say(LEA, "go2026")
    assert "Crues urbaines" in checked["text"] and checked["text"].startswith("Votre présence"), (
        checked["text"]
    )
    replies = await bot.say(ORGANIZER, "/stats flood", replies=2)
    assert "attended: 1" in replies[0]["text"]
    assert "photo" in replies[1]
    [export] = await bot.say(ORGANIZER, "/export flood")
    content = bot.emulator.files[export["document"]["file_id"]][1].decode("utf-8-sig")
    assert "Léa Martin" in content and ",code," in content


async def test_sigterm_and_sigkill_in_the_middle_of_a_broadcast(bot: Bot) -> None:
    """RECIPIENTS people; the bot is killed, then stopped, mid-way; after each restart everyone
    has the message once (SIGKILL may repeat the one message in flight, which Telegram had
    accepted but the bot had not yet recorded).

    The worker sends one message at a time, 29 a second: a bigger broadcast would only mean
    longer waits, not another moment for a signal to hit. A quarter of it goes out before each
    signal, the rest after the restart, and the emulator's 30/s limit watches throughout."""
    from bot.db import to_db

    await bot.create_database()
    now = to_db(datetime.now(UTC))
    with oracle(bot.database) as conn:
        conn.executemany(
            "INSERT INTO users (user_id, first_name, language, created_at, last_seen_at)"
            " VALUES (?, 'P', 'en', ?, ?)",
            [(10_000 + i, now, now) for i in range(RECIPIENTS)],
        )
    recipients = [FakeUser(id=10_000 + i) for i in range(RECIPIENTS)]
    await bot.start()

    def received(text: str) -> Counter[int]:
        return Counter(
            m["chat"]["id"]
            for (chat, _), m in bot.emulator.messages.items()
            if chat >= 10_000 and m.get("text") == text
        )

    for number, how, news in (
        (1, signal.SIGKILL, "First news"),
        (2, signal.SIGTERM, "Second news"),
    ):
        await bot.say(ORGANIZER, "/broadcast")
        await bot.press(ORGANIZER, "Everyone")
        await bot.say(ORGANIZER, news)
        await bot.press(ORGANIZER, "Preview", replies=2)
        await bot.press(ORGANIZER, "Send")
        await bot.until(lambda text=news: sum(received(text).values()) >= RECIPIENTS // 4)  # type: ignore[misc]
        await bot.stop(how)
        assert sum(received(news).values()) < len(recipients)  # really in the middle
        await bot.start()
        await bot.until(lambda text=news: len(received(text)) == len(recipients))  # type: ignore[misc]
        summary = f"Broadcast #{number} · finished"
        await bot.until(  # the organizer's progress message ends with the summary
            lambda text=summary: any(
                m.get("text", "").startswith(text)  # type: ignore[misc]
                for m in bot.messages(ORGANIZER)
            )
        )
        counts = received(news)
        repeated = sum(n - 1 for n in counts.values())
        assert repeated <= (1 if how is signal.SIGKILL else 0), (how, repeated)
    with oracle(bot.database) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
    assert dict(rows)["sent"] == 2 * RECIPIENTS + 2  # both broadcasts, to the organizer too


async def test_the_bot_api_unreachable_then_back(bot: Bot) -> None:
    """Telegram unreachable at start-up and in the middle of work: the bot keeps trying,
    recovers without a restart, and answers every message sent meanwhile."""
    port = bot.server.port
    await bot.server.stop()
    tried = asyncio.Event()

    def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tried.set()
        writer.close()  # what a Bot API that is down does to the bot's request

    down = await asyncio.start_server(hang_up, "127.0.0.1", port)
    starting = asyncio.create_task(bot.start())
    async with asyncio.timeout(WAIT):
        await tried.wait()
    down.close()
    await down.wait_closed()
    await bot.server.start(port=port)
    await starting
    await bot.say(LEA, "/help")
    await bot.server.stop()
    for text in ("/help", "/events", "/language"):
        bot.emulator.user_message(LEA, text)  # Telegram keeps these until the bot fetches them
    before = len(bot.messages(LEA))
    await bot.server.start(port=port)
    await bot.until(lambda: len(bot.messages(LEA)) >= before + 3)
    assert bot.process is not None and bot.process.returncode is None


PRESSES = 120


async def test_sigkill_during_a_burst_of_presses_loses_none_and_doubles_none(bot: Bot) -> None:
    """120 people press Register at once; the bot is killed in the middle. After the restart
    every press is answered, everyone is registered once: an update is stored before
    Telegram is told it arrived, and what was stored and not done is handled at start."""
    from handlers.buttons import Register

    # What is measured here is durability, not pacing: a restarted bot cannot know what the
    # killed one sent in its last second (tests/test_send_scheduler.py has the 429s), so
    # Telegram's limit is lifted for this run.
    bot.server.flood = FloodControl(100_000)
    start = datetime.now(UTC) + timedelta(days=5)
    (bot.folder / "programme.csv").write_bytes(programme_file(start))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        **bot.database_env,
    }
    importer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "import-events", "programme.csv", cwd=bot.folder, env=env
    )
    assert await importer.wait() == 0
    people = [
        FakeUser(id=30_000 + i, first_name=f"P{i}", language_code="en") for i in range(PRESSES)
    ]
    with_profiles(bot.database, people)
    await bot.start()

    def answered() -> set[str]:
        return answered_presses(bot.emulator)

    presses = [
        str(bot.emulator.user_presses(p, 1, Register("flood").pack())["callback_query"]["id"])
        for p in people
    ]

    def told() -> set[int]:
        """People the bot wrote to (their place, or their confirmation): paced, so slower
        than the presses' answers, which may all be given before the kill."""
        return {
            int(call.params["chat_id"])
            for call in bot.emulator.calls
            if call.method in ("sendMessage", "sendDocument", "editMessageText")
            and int(call.params.get("chat_id", 0)) >= 30_000
        }

    await bot.until(lambda: len(told()) >= 15)
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    assert len(told()) < PRESSES  # killed in the middle of the burst
    await bot.start()

    def registered() -> set[int]:
        with oracle(bot.database) as conn:
            rows = conn.execute("SELECT user_id FROM registrations").fetchall()
        return {row[0] for row in rows}

    everyone = {p.id for p in people}
    await bot.until(lambda: set(presses) <= answered() and everyone <= registered())
    with oracle(bot.database) as conn:
        rows = conn.execute(
            "SELECT user_id, COUNT(*) FROM registrations GROUP BY user_id"
        ).fetchall()
        pending = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
    assert sorted(r[0] for r in rows) == [p.id for p in people]
    assert all(count == 1 for _, count in rows)
    answers = Counter(
        str(call.params.get("callback_query_id"))
        for call in bot.emulator.calls
        if call.method == "answerCallbackQuery"
    )
    twice = sum(1 for press in presses if answers[press] > 1)
    confirmations = Counter(
        call.params.get("chat_id") for call in bot.emulator.calls if call.method == "sendDocument"
    )
    doubled = sum(1 for p in people if confirmations[p.id] > 1)
    print(
        f"presses answered again after the restart: {twice} (in hand at the kill); "
        f"confirmations sent twice: {doubled}"
    )
    assert await bot.stop(signal.SIGTERM) == 0
    with oracle(bot.database) as conn:
        left = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
    assert left == (0,), pending


@sqlite_only
async def test_a_running_bot_keeps_its_sqlite_file_to_itself(bot: Bot) -> None:
    """While the bot runs on its SQLite file, copying that file into PostgreSQL is refused
    (what the bot wrote after the copy began would be missing), and so is a second bot
    process on it (two pollers of one token take each other's updates). Once it stopped,
    even by SIGKILL, both may go ahead."""
    await bot.start()

    async def command(*args: str, **extra: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=bot.folder,
            env={**bot.env, **extra},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        async with asyncio.timeout(WAIT):
            said, _ = await process.communicate()
        assert process.returncode is not None
        return process.returncode, said.decode()

    # Nothing listens on port 9: refused before any connection is tried.
    nowhere = "postgresql://bot@127.0.0.1:9/webinars"
    code, said = await command("migrate-sqlite-to-postgres", DATABASE_URL=nowhere)
    assert code == 1
    assert "A bot process is running on" in said and "stop it first" in said
    code, said = await command("run")
    assert code == 2
    assert said.startswith("Not started: a bot process is running on")
    [hello] = await bot.say(ORGANIZER, "/start")  # the first one goes on
    assert hello["text"].startswith("Hello")

    assert bot.process is not None
    bot.process.kill()
    await bot.process.wait()
    code, said = await command("migrate-sqlite-to-postgres", DATABASE_URL=nowhere)
    assert "A bot process is running" not in said
    assert "PostgreSQL database webinars on 127.0.0.1:9" in said
