"""Sending and editing answers: one place that applies direction, markup and Telegram quirks."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    WebAppInfo,
)
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.i18n import Translator
from bot.services.formatting import html_to_text, utf16_length
from handlers.buttons import ButtonData
from handlers.context import BotContext

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# (label, what pressing it does): typed button data, or an https:// link to open. Other text
# is callback data packed elsewhere (the services' messages, until they pass typed data too).


@dataclass(frozen=True)
class OpenMiniApp:
    """A button that opens a page of the Mini App inside Telegram (`web_app`: private chats
    only, which is where the bot lives)."""

    url: str


Button = tuple[str, ButtonData | str | OpenMiniApp]
Rows = Sequence[Sequence[Button]]
KEYBOARDS_KEPT = 4096


def page_buttons(
    t: Translator, page: int, pages: int, to_page: Callable[[int], ButtonData]
) -> list[Button]:
    """◀ Previous and Next ▶ as far as there are pages (`page` counts from 0)."""
    row: list[Button] = []
    if page > 0:
        row.append((t._("◀ Previous"), to_page(page - 1)))
    if page + 1 < pages:
        row.append((t._("Next ▶"), to_page(page + 1)))
    return row


def packed(rows: Rows) -> list[list[tuple[str, str]]]:
    """Rows of buttons as the delivery engine carries them: labels and packed data."""
    return [[(label, _packed(data)) for label, data in row] for row in rows]


def _packed(data: ButtonData | str | OpenMiniApp) -> str:
    if isinstance(data, OpenMiniApp):
        raise TypeError("a Mini App button is for a message to one person, not a delivery")
    return data.pack() if isinstance(data, ButtonData) else data


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    """An inline keyboard from rows of buttons; None when there are no rows."""
    return _markup(tuple(tuple(row) for row in rows if row))


@functools.lru_cache(maxsize=KEYBOARDS_KEPT)
def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Built once per distinct keyboard: most are the same for everyone who sees a screen
    (a card's Register and Back, the list's pages), and python-telegram-bot's objects are
    frozen once built, so one can be sent any number of times. A plain memo of immutable
    values, like `re`'s compiled patterns: the same rows always give the same keyboard."""
    built = [[_button(label, data) for label, data in row] for row in rows]
    return InlineKeyboardMarkup(built) if built else None


def _button(label: str, data: ButtonData | str | OpenMiniApp) -> InlineKeyboardButton:
    if isinstance(data, OpenMiniApp):
        return InlineKeyboardButton(label, web_app=WebAppInfo(data.url))
    if isinstance(data, ButtonData):
        return InlineKeyboardButton(label, callback_data=data.pack())
    if data.startswith("https://"):
        return InlineKeyboardButton(label, url=data)
    return InlineKeyboardButton(label, callback_data=data)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Telegram refuses texts over 4,096 characters: cut long ones between lines."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            chunks.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    chunks.append(current)
    return chunks


async def send(context: BotContext, text: str, rows: Rows = ()) -> Message:
    """A new message to the viewer, in their reading direction; very long texts in parts."""
    chunks = split_message(context.viewer.t.directed(text))
    for chunk in chunks[:-1]:
        await context.bot.send_message(
            chat_id=context.viewer.user_id, text=chunk, disable_web_page_preview=True
        )
    return await context.bot.send_message(
        chat_id=context.viewer.user_id,
        text=chunks[-1],
        reply_markup=keyboard(rows),
        disable_web_page_preview=True,
    )


def fits_caption(html: str) -> bool:
    """Telegram limits a file's caption to 1,024 characters of text once its markup is
    parsed (counted, like its entities, in UTF-16 units)."""
    return utf16_length(html_to_text(html)) <= MAX_CAPTION_LENGTH


async def send_with_file(
    bot: ExtBot[None], chat_id: int, text: str, file: tuple[str, bytes]
) -> None:
    """A text and its file (a calendar invitation) as one message, the text as the file's
    caption: one message of Telegram's sending budget instead of two. A text too long for a
    caption goes first, the file after it."""
    name, content = file
    if fits_caption(text):
        await bot.send_document(chat_id=chat_id, document=content, filename=name, caption=text)
        return
    await bot.send_message(chat_id=chat_id, text=text, disable_web_page_preview=True)
    await bot.send_document(chat_id=chat_id, document=content, filename=name)


# Telegram's answers when the pressed message is gone or may no longer be changed.
GONE = ("message to edit not found", "message can't be edited")


async def edit(query: CallbackQuery, context: BotContext, text: str, rows: Rows = ()) -> None:
    """Replace the message whose button was pressed; an unchanged message is not an error,
    and a message that can no longer be changed gets the new screen below it instead."""
    try:
        await query.edit_message_text(
            text=context.viewer.t.directed(text),
            reply_markup=keyboard(rows),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        reason = exc.message.lower()
        if any(gone in reason for gone in GONE):
            await send(context, text, rows)
        elif "not modified" not in reason:
            raise


async def show_screen(
    context: BotContext,
    text: str,
    rows: Rows,
    query: CallbackQuery | None = None,
    notice: str | None = None,
) -> int | None:
    """A screen (a card) in place of the pressed message, or as a new one; a `notice` above
    it (a greeting, the language just chosen) saves a message of its own. The message's id
    (None when the pressed message cannot be known)."""
    if notice:
        text = f"{notice}\n\n{text}"
    if query is not None:
        await edit(query, context, text, rows)
        return query.message.message_id if query.message is not None else None
    return (await send(context, text, rows)).message_id


async def edit_message(context: BotContext, message_id: int, text: str, rows: Rows = ()) -> None:
    """Replace one of the bot's messages in the viewer's chat by its id (not a pressed
    one); a message gone or no longer editable is left as it is."""
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_text(
            chat_id=context.viewer.user_id,
            message_id=message_id,
            text=context.viewer.t.directed(text),
            reply_markup=keyboard(rows),
            disable_web_page_preview=True,
        )


async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner, optionally with a short notice."""
    await query.answer(text=text[:200] if text else None, show_alert=alert)


async def no_longer_active(query: CallbackQuery, context: BotContext) -> None:
    """The answer to a button whose moment has passed: an old message, a wizard that ended."""
    await answer(query, context.viewer.t._("This button is no longer active."))
