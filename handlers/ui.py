"""Sending and editing answers: one place that applies direction, markup and Telegram quirks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from html import escape

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.i18n import isolate
from handlers.context import BotContext

logger = logging.getLogger(__name__)

Button = tuple[str, str]  # (label, callback data)
Rows = Sequence[Sequence[Button]]


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of (label, callback data); None when there are no rows."""
    built = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows
    ]
    built = [row for row in built if row]
    return InlineKeyboardMarkup(built) if built else None


def user_text(text: str) -> str:
    """A user's own words (a name, a query) made safe to embed in our HTML messages."""
    return escape(isolate(text), quote=False)


async def send(context: BotContext, text: str, rows: Rows = ()) -> Message:
    """A new message to the viewer, in their reading direction."""
    return await context.bot.send_message(
        chat_id=context.viewer.user_id,
        text=context.viewer.t.directed(text),
        reply_markup=keyboard(rows),
        disable_web_page_preview=True,
    )


async def edit(query: CallbackQuery, context: BotContext, text: str, rows: Rows = ()) -> None:
    """Replace the message whose button was pressed; an unchanged message is not an error."""
    try:
        await query.edit_message_text(
            text=context.viewer.t.directed(text),
            reply_markup=keyboard(rows),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner, optionally with a short notice."""
    await query.answer(text=text[:200] if text else None, show_alert=alert)
