"""End to end, privacy and robustness: `python -m bot` as a real process against the Bot API
emulator on 127.0.0.1 (the `Bot` of tests/test_end_to_end.py).

What the log of a run full of error paths holds, what is left on disk after /forgetme, a
hostile 1 MB CSV while others are being served, and the database deleted under the bot.
Waits are on what the messages say, never on how many there are.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.db import SqliteDatabase
from bot.devtools.emulator import ApiCall, ApiError, BotApiEmulator, FakeUser
from bot.devtools.emulator_server import BotApiServer, FloodControl
from handlers.buttons import Register
from tests import test_end_to_end
from tests.conftest import buttons_of, sqlite_only
from tests.postgres import SERVER
from tests.test_end_to_end import (
    ORGANIZER,
    WAIT,
    Bot,
    programme_file,
    serving,
    with_profiles,
)
from tests.test_webhook import free_port

pytestmark = pytest.mark.end_to_end
bot = test_end_to_end.bot  # the fixture: the bot process and the emulator it talks to

TOKEN = "987654:SecretTokenValue_xyz"
SECRET_HALF = TOKEN.partition(":")[2]


# -- the user's side, waiting on what the bot says ----------------------------------------


def texts(bot: Bot, user: FakeUser) -> list[str]:
    """What the bot shows in `user`'s chat: texts and captions, edits included."""
    return [m.get("text") or m.get("caption") or "" for m in bot.messages(user)]


Expected = str | tuple[str, ...]  # a fragment of the text awaited, or any of several


def count(bot: Bot, user: FakeUser, expect: Expected) -> int:
    """How many of the bot's messages in `user`'s chat contain `expect`."""
    fragments = (expect,) if isinstance(expect, str) else expect
    return sum(any(f in text for f in fragments) for text in texts(bot, user))


async def until_said(bot: Bot, user: FakeUser, expect: Expected, before: int) -> None:
    """Wait until `user`'s chat has more messages containing `expect` than `before`."""
    await bot.until(lambda: count(bot, user, expect) > before)


async def say(bot: Bot, user: FakeUser, text: str, expect: Expected) -> None:
    """`user` sends `text`; wait for a message from the bot containing `expect`."""
    before = count(bot, user, expect)
    bot.emulator.user_message(user, text)
    await until_said(bot, user, expect, before)


async def press(bot: Bot, user: FakeUser, label: str, expect: Expected) -> None:
    """`user` presses the newest button whose label contains `label`; wait for `expect`."""
    message, data = next(
        (m, data)
        for m in reversed(bot.messages(user))
        for text, data in buttons_of(m)
        if label in text
    )
    before = count(bot, user, expect)
    bot.emulator.user_presses(user, message["message_id"], data)
    await until_said(bot, user, expect, before)


async def publish(bot: Bot, start: datetime) -> None:
    """The organizer sends the programme: one event, code "flood", title "Urban floods"."""
    before = count(bot, ORGANIZER, "1 event added")
    bot.emulator.user_document(ORGANIZER, "programme.csv", programme_file(start))
    await until_said(bot, ORGANIZER, "1 event added", before)


async def sign_up(
    bot: Bot, user: FakeUser, name: str, country: str, city: str, org: str, email: str
) -> None:
    """From the deep link to the confirmation, typing every answer (English)."""
    await say(bot, user, "/start flood", ("Choose your language", "Urban floods"))
    if not count(bot, user, "Urban floods"):  # the language first, then the event
        await press(bot, user, "English", "Urban floods")
    await press(bot, user, "Register", "What is your full name?")
    await say(bot, user, name, "In which country")
    await say(bot, user, country, "In which city")
    await say(bot, user, city, "Which organization")
    await say(bot, user, org, "What is your role")
    await press(bot, user, "Skip", "What is your email address")
    registered = "You are registered for"
    await say(bot, user, email, ("Before I register you", registered))
    if not count(bot, user, registered):  # consent asked last rather than with the first question
        await press(bot, user, "I agree", registered)


HEADER = "code,topic,starts_at,duration_minutes,capacity,language,join_url,title,description\n"
PARTICIPANTS = [FakeUser(id=2300 + i, first_name=f"P{i}", language_code="en") for i in range(5)]


def log_of(bot: Bot) -> str:
    return (bot.folder / "bot.log").read_text("utf-8", errors="replace")


# -- 1. the log of a run full of error paths ------------------------------------------------

QUINTESSA = FakeUser(id=2101, first_name="Quintessa", language_code="en")
Q_NAME = "Quintessa Vandermolen-Ashgrove"
Q_CITY = "Kisumu Ndogo Heights"
Q_ORG = "Obsidian Lantern Collective"
Q_EMAIL = "q.vandermolen+e2e@lanternmail.example"
CSV_SECRET = "csv.cell.secret@spreadsheet.example"
MALLORY = FakeUser(id=2102, first_name="Mallory", language_code="en")
RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (?P<level>[A-Z]+) ", re.MULTILINE)


class PersonalDataInDebugLog(AssertionError):
    """What a participant typed, found in a DEBUG record of the log."""


def records(log: str) -> list[tuple[str, str]]:
    """The log's records as (level, whole text with its traceback)."""
    starts = list(RECORD.finditer(log))
    return [
        (match["level"], log[match.start() : nxt.start() if nxt else len(log)])
        for match, nxt in zip(starts, [*starts[1:], None], strict=True)
    ]


async def test_the_log_of_a_run_through_error_paths_has_no_token_and_no_typed_data(
    bot: Bot,
) -> None:
    """LOG_LEVEL=DEBUG; a sign-up with an email typed; forged button data; a bad programme
    file; the Bot API answering sends with 500, 400, 429 and 403 while people write their
    data. Nowhere in the log: the token or its secret half; the typed email, name, city,
    organization or a CSV cell in no record (records at DEBUG: the expected failure)."""
    await bot.start(BOT_TOKEN=TOKEN)
    await publish(bot, datetime.now(UTC) + timedelta(days=3))

    async def forged_presses() -> None:
        """Garbage carrying the email, and a well-formed press of no event."""
        calls = len(bot.emulator.calls)
        bot.emulator.user_presses(MALLORY, 1, f"zz|{Q_EMAIL}|\u202e{Q_NAME}")
        bot.emulator.user_presses(MALLORY, 1, Register("nosuchcode").pack())
        await bot.until(
            lambda: sum(c.method == "answerCallbackQuery" for c in bot.emulator.calls[calls:]) >= 2
        )

    async def bad_programme() -> None:
        """A programme file with every cell wrong, quoting someone's email."""
        bad = (
            f"{HEADER}bad code!,nope,yesterday,-5,many,xx,ftp://{CSV_SECRET},,{CSV_SECRET}\n"
        ).encode()
        before = count(bot, ORGANIZER, "Nothing was imported")
        bot.emulator.user_document(ORGANIZER, "bad.csv", bad)
        await until_said(bot, ORGANIZER, "Nothing was imported", before)

    # Replies to one person are paced (about one a second): the three go side by side.
    await asyncio.gather(
        sign_up(bot, QUINTESSA, Q_NAME, "Kenya", Q_CITY, Q_ORG, Q_EMAIL),
        forged_presses(),
        bad_programme(),
    )

    # Four people write their data; the next four sends are refused, whoever they go to.
    for status, description, parameters in (
        (500, "Internal Server Error", None),
        (400, "Bad Request: can't parse entities: unsupported start tag", None),
        (429, "Too Many Requests: retry after 1", {"retry_after": 1}),
        (403, "Forbidden: bot was blocked by the user", None),
    ):
        bot.emulator.fail_next("sendMessage", ApiError(status, description, parameters))
    writers = [QUINTESSA, MALLORY, *PARTICIPANTS[:2]]
    for person, text in zip(writers, (Q_EMAIL, Q_NAME, Q_CITY, f"{Q_ORG} {Q_EMAIL}"), strict=True):
        bot.emulator.user_message(person, text)
    await bot.until(lambda: not bot.emulator.failures.get("sendMessage"))
    # One person's updates are handled in order: their /help answered, the text was handled.
    await asyncio.gather(*(say(bot, person, "/help", "Commands:") for person in writers))

    assert await bot.stop(signal.SIGTERM) == 0

    log = log_of(bot)
    assert "Error while handling" in log  # the error paths were taken
    assert TOKEN not in log
    assert SECRET_HALF not in log
    typed = (Q_EMAIL, Q_NAME, Q_CITY, Q_ORG, CSV_SECRET)
    leaks: list[str] = []
    for level, record in records(log):
        found = [value for value in typed if value in record]
        assert not found or level == "DEBUG", f"{found} in: {record[:600]}"
        leaks += [f"{value} in: {record[:300]}" for value in found]
    if leaks:
        raise PersonalDataInDebugLog(f"{len(leaks)} DEBUG records, first: {leaks[0]}")


class TokenInOutput(AssertionError):
    """The token, found in what the bot wrote to its standard error (its log)."""


async def test_a_token_telegram_rejects_ends_the_process_without_printing_it(bot: Bot) -> None:
    """getMe answered 401 at start (python-telegram-bot's InvalidToken): the process ends
    with an error saying what to check, without a traceback, and neither the token nor its
    secret half is in its output."""
    bot.emulator.fail_next("getMe", ApiError(401, "Unauthorized"))
    code = await bot.ends_by_itself(BOT_TOKEN=TOKEN)
    output = log_of(bot)
    assert code != 0, "the bot went on with a token Telegram rejected"
    assert "The Bot API refused the token" in output, output[-2000:]
    assert "Traceback" not in output, output[-3000:]  # one line to act on, not 60 of library
    for secret in (TOKEN, SECRET_HALF):
        if secret in output:
            line = next(line for line in output.splitlines() if secret in line)
            raise TokenInOutput(line)


async def test_a_token_revoked_while_the_bot_runs_ends_the_process(bot: Bot) -> None:
    """The token is revoked in @BotFather while the bot runs (getUpdates answered 401): the
    process ends with an error saying what to do, instead of living on without polling,
    and the token is not in its output."""
    await bot.start(BOT_TOKEN=TOKEN)
    assert bot.process is not None
    bot.emulator.fail_next("getUpdates", ApiError(401, "Unauthorized"))
    bot.emulator.user_message(QUINTESSA, "/help")  # the long poll returns at once
    async with asyncio.timeout(WAIT):
        code = await bot.process.wait()
    output = log_of(bot)
    assert code == 3, output[-2000:]  # stopped for good: a restart would not help
    assert "now refuses the token" in output
    assert TOKEN not in output and SECRET_HALF not in output


# -- 2. /forgetme, then a byte search of everything on disk ----------------------------------

ZULFIYA = FakeUser(id=2201, first_name="Зульфия", last_name="Окаранда", language_code="en")
Z_NAME = "Зульфия Окаранда-Ферштейн"
Z_CITY = "Верхнеколымск-Шуньгинский"
Z_ORG = "مؤسسة الفانوس الأزرق للتعاون"
Z_EMAIL = "zulfiya.forget-me@erasure.example"


class LeftOnDisk(AssertionError):
    """Something of a person who asked to be forgotten, found in a file."""


@sqlite_only
async def test_forgetme_leaves_no_byte_of_the_participant_on_disk(bot: Bot) -> None:
    """A sign-up with a distinctive name, email, city (Cyrillic), organization (Arabic), then
    /forgetme: while the bot still runs, the database, its -wal and -shm and the log hold
    none of them, nor the Telegram name."""
    await bot.start(LOG_LEVEL="INFO")
    await publish(bot, datetime.now(UTC) + timedelta(days=3))
    await sign_up(bot, ZULFIYA, Z_NAME, "Kyrgyzstan", Z_CITY, Z_ORG, Z_EMAIL)
    await say(bot, ZULFIYA, "/forgetme", "Delete everything?")
    await press(bot, ZULFIYA, "Yes, delete my data", "Your data is deleted")
    # A moment for the bot's next poll, which records the handled updates (a write).
    await bot.until(lambda: not bot.emulator.has_pending_updates())

    needles = {
        "name": Z_NAME,
        "email": Z_EMAIL,
        "city": Z_CITY,
        "organization": Z_ORG,
        "Telegram first name": ZULFIYA.first_name,
        "Telegram last name": str(ZULFIYA.last_name),
    }
    database = bot.folder / "bot.sqlite3"
    files = [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
    files.append(bot.folder / "bot.log")
    found = {
        (path.name, what)
        for path in files
        if path.exists()
        for what, value in needles.items()
        if value.encode() in path.read_bytes()
    }
    assert bot.process is not None and bot.process.returncode is None
    assert {name for name, _ in found} <= {database.name}, sorted(found)
    if found:
        places = where_in_database(database, needles)
        assert places, f"{sorted(found)} in freed pages: they were not overwritten"
        elsewhere = [place for place in places if not place.startswith("inbox.")]
        assert not elsewhere, elsewhere
        raise LeftOnDisk(f"{sorted(found)}: {places}")


def where_in_database(database: Path, needles: dict[str, str]) -> list[str]:
    """The tables and columns where the values are still found (for the failure message)."""
    places: list[str] = []
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for column in columns:
                for what, value in needles.items():
                    hit = conn.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE instr(CAST({column} AS TEXT), ?)",
                        (value,),
                    ).fetchone()[0]
                    if hit:
                        places.append(f"{table}.{column}: {what} ({hit} rows)")
    return places


# -- 3. a hostile 1 MB CSV while others are served -------------------------------------------

MB = 1 << 20
HOSTILE = {
    # One header line of quoted cells full of separators and doubled quotes.
    "header": ('"a"",;\tb",' * (MB // 10)).encode(),
    # A valid header, then one row whose last cell is 1 MB of quoted text over many lines.
    "cell": (HEADER + 'x,y,z,1,1,en,u,t,"' + ('a,"";\t\n' * (MB // 7)) + '"\n').encode(),
    # Half a million one-letter lines.
    "lines": ("a\n" * (MB // 2)).encode(),
    # 65,000 lines of five U+FDFA (an Arabic ligature): each a column name to fold (NFKC
    # makes every one 18 characters), within the 200,000 rows a report may have.
    "ligatures": ("\ufdfa" * 5 + "\n").encode() * (MB // 16),
}


REFUSALS = ("Nothing was imported", "The file")


class TooSlow(AssertionError):
    """The organizer's answer came later than the bound."""


@pytest.mark.parametrize(
    "shape",
    [
        "header",
        "cell",
        "lines",
        "ligatures",
    ],
)
async def test_a_hostile_megabyte_csv_is_refused_quickly_while_others_are_served(
    bot: Bot, shape: str
) -> None:
    """The organizer sends a ~1 MB CSV made to be slow to read; five participants write while
    it is being read. The organizer is refused within 2 s of sending, each participant
    answered within 1 s of writing."""
    await bot.start()
    # Steady state first: a bot just started reads its world city list in the background
    # (about a second of CPU); the bound is for a bot at work, not one still starting.
    await say(bot, PARTICIPANTS[0], "/timezone", "city")
    await say(bot, PARTICIPANTS[0], "Nairobi", "Nairobi")
    replies: dict[int, list[tuple[float, str]]] = {}

    def record(call: ApiCall, result: dict[str, Any]) -> None:
        if call.method in ("sendMessage", "editMessageText"):
            chat, text = int(call.params["chat_id"]), str(result.get("text", ""))
            replies.setdefault(chat, []).append((time.monotonic(), text))

    def refused() -> float | None:
        return next(
            (t for t, text in replies.get(ORGANIZER.id, []) if text.startswith(REFUSALS)), None
        )

    bot.emulator.listeners.append(record)
    data = HOSTILE[shape]
    assert MB * 0.9 <= len(data) <= MB * 1.1
    fetched = sum(c.method == "getFile" for c in bot.emulator.calls)
    uploaded = time.monotonic()
    bot.emulator.user_document(ORGANIZER, f"{shape}.csv", data)
    # It has the file's address: it downloads and reads it now.
    await bot.until(lambda: sum(c.method == "getFile" for c in bot.emulator.calls) > fetched)
    wrote: dict[int, float] = {}
    for person in PARTICIPANTS:
        wrote[person.id] = time.monotonic()
        bot.emulator.user_message(person, "/help")
    await bot.until(lambda: refused() is not None and all(chat in replies for chat in wrote))

    answered = refused()
    assert answered is not None
    waits = {chat: round(replies[chat][0][0] - wrote[chat], 3) for chat in wrote}
    took = answered - uploaded
    print(f"{shape}: organizer refused in {took:.2f} s; participants answered in {waits}")
    assert max(wrote.values()) < answered  # they wrote while the file was being read
    assert max(waits.values()) < 1.0, waits
    if took >= 2.0:
        raise TooSlow(f"{shape}: the organizer was answered {took:.2f} s after sending")


# -- 4. the database deleted under the running bot -------------------------------------------

NADIA = FakeUser(id=2401, first_name="Nadia", language_code="en")


class LogFlood(AssertionError):
    """The log buried its one clear message under thousands of records."""


@sqlite_only
async def test_the_database_deleted_under_the_bot_stops_it_with_a_clear_message(
    bot: Bot,
) -> None:
    """A participant with a profile opens an event; the database and its side files are
    deleted; they press Register and write. The process ends as soon as those updates come
    (the 30-second check is for a quiet bot), its log says the database is gone (and says
    little else), and nobody is told they are registered."""

    database = bot.folder / "bot.sqlite3"
    await (await SqliteDatabase.open(database)).close()
    stamp = datetime.now(UTC).isoformat()
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "INSERT INTO users (user_id, first_name, language, full_name, country, city,"
            " consent_at, created_at, last_seen_at)"
            " VALUES (?, 'Nadia', 'en', 'Nadia Doe', 'KE', 'Nairobi', ?, ?, ?)",
            (NADIA.id, stamp, stamp, stamp),
        )
    await bot.start()
    await publish(bot, datetime.now(UTC) + timedelta(days=3))
    await say(bot, NADIA, "/start flood", "Urban floods")

    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    deleted = time.monotonic()
    press_register(bot)
    bot.emulator.user_message(NADIA, "/my")
    serious = await stopped_clearly(
        bot, deleted, "was deleted or replaced while the bot was running"
    )
    if len(serious) > 20:
        raise LogFlood(f"{len(serious)} error records")


def press_register(bot: Bot) -> None:
    card = next(m for m in reversed(bot.messages(NADIA)) if m.get("reply_markup"))
    register = next(data for label, data in buttons_of(card) if "Register" in label)
    bot.emulator.user_presses(NADIA, card["message_id"], register)


async def stopped_clearly(bot: Bot, since: float, said: str) -> list[str]:
    """The bot ended within 10 s of `since` with exit code 3 (a supervisor sees that it did
    not end well, and systemd does not start it again on an empty database), its log saying
    `said`, and nobody told they are registered; the log's error records."""
    assert bot.process is not None
    async with asyncio.timeout(40):
        code = await bot.process.wait()
    stopped = time.monotonic() - since
    log = log_of(bot)
    serious = [record for level, record in records(log) if level in ("ERROR", "CRITICAL")]
    print(f"stopped {stopped:.1f} s after, exit code {code}; {len(serious)} error records")
    assert stopped < 10, stopped
    assert code == 3, log[-3000:]
    assert said in log, log[-3000:]
    assert not any("You are registered" in text for text in texts(bot, NADIA))
    return serious


def drop_tables(admin: str, url: str) -> None:
    with psycopg_connection(url) as conn:
        conn.execute(b"DROP SCHEMA public CASCADE")
        conn.execute(b"CREATE SCHEMA public")


def drop_database(admin: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg_connection(admin) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


def truncate_tables(admin: str, url: str) -> None:
    with psycopg_connection(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                b"SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        ]
        conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE".encode())


def psycopg_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


@pytest.mark.skipif(SERVER is None, reason="about a PostgreSQL server")
@pytest.mark.parametrize(
    ("lose", "said"),
    [
        (drop_tables, "the bot's tables are missing from PostgreSQL database"),
        (drop_database, "was dropped while the bot was running"),
        (truncate_tables, "was emptied while the bot was running"),
    ],
    ids=["tables-dropped", "database-dropped", "emptied"],
)
async def test_the_postgresql_database_lost_under_the_bot_stops_it_with_a_clear_message(
    tmp_path: Path, lose: Any, said: str
) -> None:
    """PostgreSQL's counterpart: the bot's tables dropped, its database dropped, or its tables
    emptied by hand while it runs. The process stops with exit code 1 (its health check
    answering 503 "gone" meanwhile) rather than staying up, logging a traceback a second and
    saying "unreachable"; nobody is told they are registered."""
    server_ = SERVER
    assert server_ is not None
    url = server_.empty()
    emulator = BotApiEmulator(open_chats=True)
    try:
        async with serving(BotApiServer(emulator, FloodControl(30)), tmp_path, url) as bot:
            port = free_port()
            await bot.start(METRICS_LISTEN=f"127.0.0.1:{port}")
            await publish(bot, datetime.now(UTC) + timedelta(days=3))
            with_profiles(url, [NADIA])
            await say(bot, NADIA, "/start flood", "Urban floods")
            async with httpx.AsyncClient() as client:
                healthz = f"http://127.0.0.1:{port}/healthz"
                assert (await client.get(healthz)).json()["database"] == "ok"
                lose(server_.admin_url, url)
                lost = time.monotonic()
                press_register(bot)
                with contextlib.suppress(httpx.HTTPError):  # it may be gone already
                    answer = await client.get(healthz)
                    assert answer.status_code == 503, answer.text
                    assert answer.json()["database"] == "gone", answer.text
            serious = await stopped_clearly(bot, lost, said)
            assert len(serious) <= 5, serious
    finally:
        server_.drop(url)
