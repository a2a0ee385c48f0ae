"""The command menus Telegram shows: everyone's, and the organizers' fuller one in their chats.

Telegram shows each user the menu of their client's language, so each menu is published once
per catalog and once without a language. A failure leaves the old menu in place, which is no
reason to stop: it is logged, and the commands work whatever the menu says.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.i18n import Catalogs, Translator
from handlers.commands import CommandInfo, commands_for

logger = logging.getLogger(__name__)


def _menu(t: Translator, commands: list[CommandInfo]) -> list[BotCommand]:
    return [BotCommand(c.name, t._(c.description)[:256]) for c in commands]


Call = tuple[list[BotCommand], Any, str | None]  # a menu, its scope, its language


def _in_every_language(catalogs: Catalogs, scope: Any, organizer: bool) -> list[Call]:
    calls: list[Call] = [(_menu(catalogs.get(None), commands_for(organizer)), scope, None)]
    for t in catalogs.all():
        calls.append((_menu(t, commands_for(organizer)), scope, t.language))
    return calls


async def publish_commands(
    bot: ExtBot[None], catalogs: Catalogs, organizer_ids: Iterable[int]
) -> None:
    """Everyone's menu, and the organizers' in the chat of each organizer."""
    calls = _in_every_language(catalogs, BotCommandScopeDefault(), organizer=False)
    for user_id in sorted(organizer_ids):
        calls += _in_every_language(catalogs, BotCommandScopeChat(user_id), organizer=True)
    await _publish(bot, calls)


async def publish_organizer_menu(bot: ExtBot[None], catalogs: Catalogs, user_id: int) -> None:
    """A new organizer sees the organizer commands in their menu at once."""
    await _publish(bot, _in_every_language(catalogs, BotCommandScopeChat(user_id), organizer=True))


async def withdraw_organizer_menu(bot: ExtBot[None], catalogs: Catalogs, user_id: int) -> None:
    """Someone who is no longer an organizer gets everyone's menu back."""
    scope = BotCommandScopeChat(user_id)
    for language in [None, *(t.language for t in catalogs.all())]:
        try:
            await bot.delete_my_commands(scope=scope, language_code=language)
        except TelegramError as exc:
            logger.warning("Could not withdraw an organizer menu (language %s): %s", language, exc)


async def _publish(
    bot: ExtBot[None], calls: list[tuple[list[BotCommand], Any, str | None]]
) -> None:
    for commands, scope, language in calls:
        try:
            await bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramError as exc:
            logger.warning(
                "Could not publish the command menu (scope %s, language %s): %s",
                scope.type,
                language or "default",
                exc,
            )
