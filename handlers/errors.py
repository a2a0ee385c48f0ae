"""The error handler: log what happened with its context first, then tell the user."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import Forbidden, InvalidToken, NetworkError
from telegram.ext import Application

from bot.db import DatabaseGone
from bot.i18n import resolve_language
from handlers.context import BotContext, BotData

logger = logging.getLogger(__name__)


def stop_for_good(
    application: Application[Any, Any, Any, Any, Any, Any], error: DatabaseGone | InvalidToken
) -> None:
    """Nothing written from now on would survive a restart (or, for a token Telegram now
    refuses, nothing more can be fetched or sent): stop (once, whoever noticed first: a
    poll, a handler, the periodic check), and say why."""
    data = application.bot_data
    assert isinstance(data, BotData)
    if data.stopped_for_good:
        return
    data.stopped_for_good = True
    if isinstance(error, InvalidToken):  # its own message would quote the token
        logger.critical(
            "Stopping: the Bot API now refuses the token (401/404); it was revoked or changed "
            "in @BotFather. Set the new BOT_TOKEN and start the bot again."
        )
    else:
        logger.critical("Stopping: %s", error)
    application.stop_running()


def describe(update: object) -> str:
    """An update as the log may name it: its id, its kind and the user's id; never texts,
    names, emails or files (people's data does not belong in logs)."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [k for k in ("message", "edited_message", "callback_query") if getattr(update, k)]
    user = update.effective_user
    return (
        f"update {update.update_id} ({', '.join(kinds) or 'other'}), "
        f"user {user.id if user else '-'}"
    )


async def on_error(update: object, context: BotContext) -> None:
    if isinstance(context.error, DatabaseGone):
        stop_for_good(context.application, context.error)
    elif update is None and isinstance(context.error, NetworkError):
        # Fetching updates failed (Telegram unreachable): python-telegram-bot retries on its
        # own; one line each time, not a traceback.
        logger.warning("Could not reach the Bot API: %s", context.error)
    else:
        logger.error("Error while handling %s", describe(update), exc_info=context.error)
    if not isinstance(update, Update) or isinstance(context.error, Forbidden):
        return
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    try:
        services = context.services
        stored = await services.users.get(user.id)
        language = resolve_language(
            stored.language if stored else None,
            user.language_code,
            services.settings.default_language,
        )
        t = context.bot_data.catalogs.get(language)
        text = t._("Sorry, something went wrong on my side. Please try again in a moment.")
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(chat_id=chat.id, text=t.directed(text))
    except (NetworkError, RuntimeError):
        logger.exception("Could not tell user %s about the error", user.id)
