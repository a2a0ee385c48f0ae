"""The command menus Telegram shows: everyone's, and the organizers' fuller one in their chats.

Telegram shows each user the menu of their client's language, so each menu is published once
per catalog and once without a language. A failure leaves the old menu in place, which is no
reason to stop: it is logged, and the commands work whatever the menu says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.i18n import Catalogs, Translator
from bot.services.organizers import OrganizerRole
from handlers.commands import CommandInfo, commands_for

logger = logging.getLogger(__name__)


def _menu(t: Translator, commands: list[CommandInfo]) -> list[BotCommand]:
    return [BotCommand(c.name, t._(c.description)[:256]) for c in commands]


Call = tuple[list[BotCommand], Any, str | None]  # a menu, its scope, its language


def _in_every_language(catalogs: Catalogs, scope: Any) -> list[Call]:
    calls: list[Call] = [(_menu(catalogs.get(None), commands_for(False)), scope, None)]
    for t in catalogs.all():
        calls.append((_menu(t, commands_for(False)), scope, t.language))
    return calls


def _organizer_menu(t: Translator, user_id: int, role: OrganizerRole) -> Call:
    """An organizer's menu, in their chat only, in the language they read the bot in: one
    call (a list without a language is what Telegram shows when no list of the client's
    language exists for that chat). Organizers of chosen events see their commands only."""
    commands = commands_for(True, role.whole_programme)
    return (_menu(t, commands), BotCommandScopeChat(user_id), None)


async def publish_commands(
    bot: ExtBot[None], catalogs: Catalogs, organizers: Mapping[int, tuple[str, OrganizerRole]]
) -> None:
    """Everyone's menu in every language, and each organizer's (`organizers`: their
    language and role by user id) in their chat."""
    calls = _in_every_language(catalogs, BotCommandScopeDefault())
    for user_id, (language, role) in sorted(organizers.items()):
        calls.append(_organizer_menu(catalogs.get(language), user_id, role))
    await _publish(bot, calls)


async def publish_organizer_menu(
    bot: ExtBot[None], catalogs: Catalogs, user_id: int, language: str, role: OrganizerRole
) -> None:
    """A new organizer (or one who changed language) sees their menu at once."""
    await _publish(bot, [_organizer_menu(catalogs.get(language), user_id, role)])


async def withdraw_organizer_menu(bot: ExtBot[None], catalogs: Catalogs, user_id: int) -> None:
    """Someone who is no longer an organizer gets everyone's menu back (the lists of every
    language go: earlier versions published one per language)."""
    scope = BotCommandScopeChat(user_id)
    for language in [None, *(t.language for t in catalogs.all())]:
        try:
            await bot.delete_my_commands(scope=scope, language_code=language)
        except TelegramError as exc:
            logger.warning("Could not withdraw an organizer menu (language %s): %s", language, exc)


async def _publish(bot: ExtBot[None], calls: list[Call]) -> None:
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
