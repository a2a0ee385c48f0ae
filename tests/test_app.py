"""Start-up wiring: the command menu per language, and a failing Bot API call is not fatal."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.devtools.emulator import ApiError, BotApiEmulator, EmulatorRequest
from bot.i18n import SUPPORTED_LANGUAGES, Catalogs
from bot.services.container import Directories
from tests.conftest import ORGANIZER_ID

DEFAULT_SCOPE = json.dumps({"type": "default"}, sort_keys=True)


async def test_the_command_menu_is_published_in_every_language(
    app: object, emulator: BotApiEmulator
) -> None:
    """setMyCommands is called per language with translated descriptions, plus a default;
    an organizer's menu once, in their chat, in the language they read the bot in (the
    default one for an owner who has not written yet)."""
    menus = {
        lang: cmds for (scope, lang), cmds in emulator.commands.items() if scope == DEFAULT_SCOPE
    }
    assert set(menus) == {"", *SUPPORTED_LANGUAGES}
    names = [c["command"] for c in menus["fr"]]
    assert "language" in names and "timezone" in names
    descriptions = {lang: menus[lang][1]["description"] for lang in SUPPORTED_LANGUAGES}
    assert len(set(descriptions.values())) == len(SUPPORTED_LANGUAGES)
    organizer_scope = json.dumps({"chat_id": ORGANIZER_ID, "type": "chat"}, sort_keys=True)
    organizer_menus = [lang for scope, lang in emulator.commands if scope == organizer_scope]
    assert organizer_menus == [""]
    organizer_menu = emulator.commands[(organizer_scope, "")]
    assert {"newevent", "addorganizer", "registrants"} <= {c["command"] for c in organizer_menu}
    assert organizer_menu[0]["description"] == "Start again and see what I can do"


async def test_a_failing_command_menu_call_is_logged_not_fatal(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """If Telegram refuses setMyCommands, start-up logs it and carries on."""
    emulator = BotApiEmulator(now=clock.now)
    for _ in range(20):
        emulator.fail_next("setMyCommands", ApiError(400, "Bad Request: BOT_COMMAND_INVALID"))
    settings = Settings(bot_token="1:T", database_path=tmp_path / "bot.sqlite3")
    app = build_application(settings, request=EmulatorRequest(emulator), clock=clock)
    await app.initialize()
    with caplog.at_level(logging.WARNING):
        assert app.post_init is not None
        await app.post_init(app)
    assert any("Could not publish the command menu" in r.message for r in caplog.records)
    # the database is open and usable
    assert await app.bot_data.services.users.get(1) is None
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    await app.shutdown()


def test_shared_catalogs_must_have_the_settings_default_language(
    tmp_path: Path, catalogs: Catalogs, directories: Directories
) -> None:
    """Reference data built once and handed in is refused when its default language is not
    the one the settings ask for, instead of answering strangers in the wrong language."""
    settings = Settings(
        bot_token="1:T", database_path=tmp_path / "bot.sqlite3", default_language="fr"
    )
    with pytest.raises(ValueError, match="default language"):
        build_application(settings, catalogs=catalogs, directories=directories)
