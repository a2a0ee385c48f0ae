"""The test harness: the real Application on a real SQLite file, the Bot API emulated.

`ChatDriver` plays a Telegram user: it feeds real Update JSON to `Application.process_update`
and returns the calls the bot made in answer, as the emulated server received them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import BotApplication, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import open_database
from bot.devtools.emulator import ApiCall, BotApiEmulator, EmulatorRequest, FakeUser
from bot.i18n import Catalogs
from bot.models import Contact
from bot.services.container import Directories, Services
from tests.postgres import SERVER
from tests.store import Store

# python-telegram-bot's future behaviour (retry_after as a timedelta), which the bot opts into too.
os.environ["PTB_TIMEDELTA"] = "1"

# Property-based tests: a quick pass by default, a long one with HYPOTHESIS_PROFILE=thorough.
# Both build on the profile hypothesis chose itself ("ci" when it detects CI: derandomized) and,
# like that one, check behaviour, not timings: no deadline per example and no "too slow" health
# check, which fail at random on a busy machine.
_hypothesis_base = hypothesis_settings(
    hypothesis_settings.get_profile(hypothesis_settings.get_current_profile_name()),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("fast", _hypothesis_base, max_examples=50)
hypothesis_settings.register_profile("thorough", _hypothesis_base, max_examples=2_000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
# Every character but surrogates: what st.text() draws by default, minus hypothesis working out
# which characters UTF-8 can encode, which takes each test process 2-3 s on a fresh checkout.
ANY_CHARACTER = st.characters(exclude_categories=["Cs"])

ORGANIZER_ID = 5001
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests first: they spend most of their time waiting on the bot process (its
    paced sending, its reconnection back-off), so the other worker runs the rest meanwhile
    instead of everyone waiting for them at the end."""
    items.sort(key=lambda item: item.get_closest_marker("end_to_end") is None)


class ChatDriver:
    """One user's private chat with the bot."""

    def __init__(self, app: BotApplication, emulator: BotApiEmulator, user: FakeUser) -> None:
        self.app = app
        self.emulator = emulator
        self.user = user

    async def _deliver(
        self, make_update: Callable[[], dict[str, Any]], pace: timedelta = timedelta(seconds=1)
    ) -> list[ApiCall]:
        # People take a moment between two messages (Telegram stamps each with when it was
        # sent); without it every test would look like a flood to the bot's flood guard.
        clock = self.app.bot_data.services.clock
        if isinstance(clock, FrozenClock):
            clock.advance(pace)
        update = make_update()
        mark = len(self.emulator.calls)
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.emulator.calls[mark:]

    async def send(
        self,
        text: str,
        pace: timedelta = timedelta(seconds=1),
        entities: list[dict[str, Any]] | None = None,
    ) -> list[ApiCall]:
        """A message, a second after the previous one unless `pace` says otherwise; with the
        `entities` Telegram's client gave it (bold applied, links found)."""
        return await self._deliver(
            lambda: self.emulator.user_message(self.user, text, entities), pace
        )

    async def settle(self, language: str | None = None, timezone: str | None = None) -> None:
        """Make this user known to the bot, with a chosen language and time zone."""
        users = self.app.bot_data.services.users
        await users.touch(
            Contact(self.user.id, self.user.first_name, language_code=self.user.language_code)
        )
        if language:
            await users.choose_language(self.user.id, language)
        if timezone:
            await users.choose_timezone(self.user.id, timezone)

    async def send_document(
        self, name: str, content: bytes, caption: str = "", mime_type: str = "text/csv"
    ) -> list[ApiCall]:
        """A file, as Telegram delivers it: its name, type and caption."""
        return await self._deliver(
            lambda: self.emulator.user_document(self.user, name, content, mime_type, caption)
        )

    async def forward(
        self, text: str, author: FakeUser | None, hidden_name: str = ""
    ) -> list[ApiCall]:
        """Forward the bot a message `author` wrote (None: an author who hides themselves)."""
        return await self._deliver(
            lambda: self.emulator.user_forward(self.user, text, author, hidden_name)
        )

    async def send_sticker(self) -> list[ApiCall]:
        return await self._deliver(lambda: self.emulator.user_sticker(self.user))

    async def press(self, data: str, message_id: int | None = None) -> list[ApiCall]:
        """Press a button; by default on the latest bot message that has buttons."""
        if message_id is None:
            message_id = self.last_message_with_buttons()["message_id"]
        pressed = message_id
        return await self._deliver(lambda: self.emulator.user_presses(self.user, pressed, data))

    async def press_label(self, label: str) -> list[ApiCall]:
        message = self.last_message_with_buttons()
        for text, data in buttons_of(message):
            if label in text:
                return await self.press(data, message["message_id"])
        raise AssertionError(f"no button {label!r} in {buttons_of(message)}")

    def messages(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat as they stand now (edits applied), oldest first."""
        bot_id = self.emulator.bot_user["id"]
        return [
            m
            for (chat, _), m in sorted(self.emulator.messages.items())
            if chat == self.user.id and m["from"]["id"] == bot_id
        ]

    def last_message_with_buttons(self) -> dict[str, Any]:
        for message in reversed(self.messages()):
            if message.get("reply_markup"):
                return dict(message)
        raise AssertionError("the bot sent no message with buttons")

    def last_text(self) -> str:
        """The last message's text, or its caption (a file with its message)."""
        last = self.messages()[-1]
        return str(last.get("text", last.get("caption", "")))


def texts(calls: list[ApiCall], chat_id: int | None = None) -> list[str]:
    """What users read from these calls (only `chat_id` if given): message texts, captions
    and button notices, tags removed."""
    from bot.devtools.emulator import html_to_text

    found = []
    for call in calls:
        if chat_id is not None and call.params.get("chat_id") not in (chat_id, None):
            continue
        if call.method in ("sendMessage", "editMessageText"):
            found.append(html_to_text(str(call.params["text"])))
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            found.append(str(call.params["text"]))
        elif call.method == "sendDocument" and call.params.get("caption"):
            found.append(html_to_text(str(call.params.get("caption") or "")))
    return found


def buttons_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", b.get("url", ""))) for row in rows for b in row]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def database_url() -> Iterator[str]:
    """Empty: the test's database is a SQLite file in its folder. With TEST_DATABASE_URL, a
    PostgreSQL database of the test's own (see tests/postgres.py), dropped afterwards."""
    if SERVER is None:
        yield ""
        return
    url = SERVER.fresh()
    try:
        yield url
    finally:
        SERVER.drop(url)


# SQLite's own behaviour (its file, its log, its locks): not a PostgreSQL database's.
sqlite_only = pytest.mark.skipif(SERVER is not None, reason="about SQLite's file")


def pytest_sessionfinish() -> None:
    if SERVER is not None:
        SERVER.close()


def settings_in(folder: Path, database_url: str, **extra: Any) -> Settings:
    """The tests' settings: a token, the organizer, the database in `folder` (or at
    `database_url`); `extra` as a test module needs them."""
    return Settings(
        bot_token="123456:TEST",
        admin_ids=frozenset({ORGANIZER_ID}),
        database_path=folder / "bot.sqlite3",
        database_url=database_url,
        **extra,
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return settings_in(tmp_path, database_url)


@pytest.fixture
def emulator(clock: FrozenClock) -> BotApiEmulator:
    return BotApiEmulator(now=clock.now)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The translators, loaded once for the session: read-only, like `directories`."""
    return Catalogs(default_language=Settings(bot_token=None).default_language)


@pytest.fixture(scope="session")
def directories() -> Directories:
    """Countries and time zones in every language, built once for the session (a bot builds
    them once at start-up; they are never changed afterwards, so tests can share them)."""
    return Directories.build()


@contextlib.asynccontextmanager
async def running_app(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
    **options: Any,
) -> AsyncIterator[BotApplication]:
    """The application as the bot runs it, started and stopped around the block, its
    requests going to `emulator`; `options` for `build_application` (a limiter...)."""
    options = {"deliver": False, "pace": False, **options}
    application = build_application(
        settings,
        request=EmulatorRequest(emulator),
        clock=clock,
        catalogs=catalogs,
        directories=directories,
        **options,
    )
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    try:
        yield application
    finally:
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()


@pytest.fixture
async def app(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
) -> AsyncIterator[BotApplication]:
    async with running_app(settings, emulator, clock, catalogs, directories) as application:
        yield application
    assert emulator.unsupported == [], "the bot called Bot API methods the emulator lacks"


@pytest.fixture
def services(app: BotApplication) -> Services:
    return app.bot_data.services


@pytest.fixture
async def db(app: BotApplication, settings: Settings) -> AsyncIterator[Store]:
    """The bot's database, opened by the test beside the running bot."""
    database = await open_database(settings.database_path, settings.database_url)
    yield Store(database)
    await database.close()


@pytest.fixture
def amina(app: BotApplication, emulator: BotApiEmulator) -> ChatDriver:
    """A participant whose Telegram client is in English."""
    return ChatDriver(app, emulator, FakeUser(id=1001, first_name="Amina", language_code="en"))


@pytest.fixture
def organizer(app: BotApplication, emulator: BotApiEmulator) -> ChatDriver:
    return ChatDriver(
        app, emulator, FakeUser(id=ORGANIZER_ID, first_name="Olga", language_code="ru")
    )


def chat_as(app: BotApplication, emulator: BotApiEmulator, **user: Any) -> ChatDriver:
    return ChatDriver(app, emulator, FakeUser(**user))
