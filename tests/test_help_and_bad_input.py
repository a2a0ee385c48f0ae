"""/help, the answers of last resort, and the error handler."""

from __future__ import annotations

import logging

import pytest
from telegram.ext import CommandHandler

from bot.app import BotApplication
from bot.devtools.emulator import BotApiEmulator
from bot.services.container import Services
from handlers.commands import COMMANDS
from tests.conftest import ChatDriver, chat_as, sqlite_only, texts


async def test_help_lists_the_commands_in_the_users_language(
    amina: ChatDriver, organizer: ChatDriver
) -> None:
    """/help lists each participant command with its description; organizers see theirs too."""
    await organizer.settle(language="en")
    [reply] = texts(await amina.send("/help"))
    [organizers] = texts(await organizer.send("/help"))
    organizers_own = {c.name for c in COMMANDS if c.organizer_only}
    for command in COMMANDS:
        line = f"/{command.name} – {command.description}"
        assert (line in reply) == (not command.organizer_only)
        # A command both use (/certificates) is described to organizers as they use it.
        assert (line in organizers) == (
            command.organizer_only or command.name not in organizers_own
        )


async def test_every_listed_command_is_handled(organizer: ChatDriver) -> None:
    """No command of the menu falls through to the "unknown command" answer."""
    for command in COMMANDS:
        replies = texts(await organizer.send(f"/{command.name}"))
        assert replies and not any("do not know the command" in r for r in replies), command.name
        await organizer.send("/cancel")


async def test_unknown_commands_text_and_stickers_get_a_helpful_answer(amina: ChatDriver) -> None:
    """Anything not understood is answered, in the user's language, with a pointer to /help."""
    [unknown] = texts(await amina.send("/frobnicate now"))
    assert "/frobnicate" in unknown and "/help" in unknown
    [text] = texts(await amina.send("hello?"))
    assert "/help" in text
    [sticker] = texts(await amina.send_sticker())
    assert "/help" in sticker
    [long] = texts(await amina.send("x" * 4096))
    assert "/help" in long
    [nothing] = texts(await amina.send("/cancel"))
    assert "nothing to cancel" in nothing


async def test_forged_or_stale_buttons_are_answered_and_change_nothing(
    amina: ChatDriver, db: object
) -> None:
    """Arbitrary callback data up to 64 bytes only gets a short notice."""
    await amina.send("/start")
    for data in ("", "x", "admin:delete:all", "🙂" * 16, "lang", "\x00\x01", "a" * 64):
        calls = await amina.press(data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "no longer active" in texts(calls)[0]


async def test_an_unexpected_error_is_logged_and_the_user_told(
    app: BotApplication, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that raises does not crash the bot: the error is logged, the user is told."""

    async def broken(update: object, context: object) -> None:
        raise ZeroDivisionError("boom")

    app.add_handler(CommandHandler("boom", broken), group=-2)
    chat = chat_as(app, emulator, id=4001, first_name="Ивана", language_code="ru")
    sorry = app.bot_data.catalogs.get("ru")._(
        "Sorry, something went wrong on my side. Please try again in a moment."
    )
    with caplog.at_level(logging.ERROR):
        calls = await chat.send("/boom ivana@example.org")
    assert sorry in texts(calls) and sorry.startswith("Извините")
    record = next(r for r in caplog.records if "Error while handling update" in r.message)
    assert "(message), user 4001" in record.message and record.exc_info is not None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Ивана" not in logged and "ivana@example.org" not in logged  # no one's data


async def test_updates_from_groups_are_ignored(
    app: BotApplication, emulator: BotApiEmulator
) -> None:
    """The bot lives in private chats; a group message gets no answer and stores nothing."""
    from telegram import Update

    services: Services = app.bot_data.services
    update = emulator.user_message(chat_as(app, emulator, id=4100).user, "/start")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Team"}
    mark = len(emulator.calls)
    await app.process_update(Update.de_json(update, app.bot))
    assert emulator.calls[mark:] == []
    assert await services.users.get(4100) is None


@sqlite_only
async def test_a_deleted_database_stops_the_bot_with_a_clear_message(
    app: BotApplication, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The next update that would write finds the file gone: the bot says why and stops
    instead of confirming registrations into a file nobody will open again."""
    path = app.bot_data.services.settings.database_path
    for file in path.parent.iterdir():
        if file.name.startswith(path.name):
            file.unlink()
    chat = chat_as(app, emulator, id=4200, first_name="New", language_code="en")
    with caplog.at_level(logging.CRITICAL):
        await chat.send("/start")
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "was deleted or replaced while the bot was running" in record.getMessage()
