"""The services' `Sender`, on top of the Bot API: the way out for deliveries and progress
reports, which go in the send scheduler's bulk lane (they yield to replies, within their
share) and are sent back when the person's chat is busy with replies."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.services.sender import Buttons, Outcome, Result
from handlers.send_scheduler import ChatBusy, bulk_sending, paid_sending
from handlers.ui import fits_caption, keyboard

logger = logging.getLogger(__name__)


class TelegramSender:
    def __init__(self, bot: ExtBot[None]) -> None:
        self._bot = bot

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
        paid: bool = False,
    ) -> Result:
        """Send, and say what happened in terms the delivery engine acts on. A paid send
        that Telegram refuses as a bad request is tried again at the usual pace: if that one
        is not refused too, it was the payment Telegram refused (the bot's balance, or paid
        broadcasts not allowed to it), not the message."""
        if paid:
            with paid_sending():
                result = await self._send(chat_id, text, buttons, document, paid=True)
            if result.outcome is not Outcome.FAILED:
                return result
            with bulk_sending():
                again = await self._send(chat_id, text, buttons, document)
            return replace(again, paid_refused=again.outcome is not Outcome.FAILED)
        with bulk_sending():
            return await self._send(chat_id, text, buttons, document)

    async def _send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons,
        document: tuple[str, bytes] | None,
        paid: bool = False,
    ) -> Result:
        with_caption = document is not None and fits_caption(text)
        pays = True if paid else None  # Bot API: allow_paid_broadcast
        try:
            if with_caption and document is not None:
                name, content = document
                await self._bot.send_document(
                    chat_id=chat_id,
                    document=content,
                    filename=name,
                    caption=text,
                    reply_markup=keyboard(buttons),
                    allow_paid_broadcast=pays,
                )
            else:
                await self._bot.send_message(
                    chat_id=chat_id,
                    text=text,
                    reply_markup=keyboard(buttons),
                    disable_web_page_preview=True,
                    allow_paid_broadcast=pays,
                )
        except ChatBusy as exc:
            return Result(Outcome.BUSY, retry_after=exc.retry_in, error=str(exc))
        except Forbidden as exc:
            return Result(Outcome.BLOCKED, error=str(exc))
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Result(Outcome.RETRY, retry_after=seconds, error=str(exc))
        except BadRequest as exc:
            logger.warning("Telegram refused a message to %s: %s", chat_id, exc)
            return Result(Outcome.FAILED, error=str(exc))
        except TimedOut as exc:
            # No answer in a minute: the message may well have arrived. Sending it again could
            # give the person two; it is counted as not confirmed, not sent again.
            return Result(Outcome.FAILED, error=f"no answer from Telegram ({exc}): not sent again")
        except (NetworkError, TelegramError) as exc:  # 5xx, connection errors
            return Result(Outcome.RETRY, error=str(exc))
        if document is not None and not with_caption:
            # The message went through; a lost attachment must not make us send it twice.
            name, content = document
            try:
                await self._bot.send_document(
                    chat_id=chat_id, document=content, filename=name, allow_paid_broadcast=pays
                )
            except TelegramError as exc:
                logger.warning("Could not send %s to %s: %s", name, chat_id, exc)
        return Result(Outcome.SENT)

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()) -> Result:
        """An organizer's progress report: in the replies' lane, as it is their screen, and
        it must not be skipped when they are busy with the bot (the last one says "finished")."""
        try:
            await self._bot.edit_message_text(
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                reply_markup=keyboard(buttons),
                disable_web_page_preview=True,
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return Result(Outcome.SENT)
            return Result(Outcome.FAILED, error=str(exc))
        except TelegramError as exc:
            return Result(Outcome.RETRY, error=str(exc))
        return Result(Outcome.SENT)

    async def post(self, chat_id: int, text: str) -> int | None:
        try:
            message = await self._bot.send_message(
                chat_id=chat_id, text=text, disable_web_page_preview=True
            )
        except TelegramError as exc:
            logger.warning("Could not send a report to %s: %s", chat_id, exc)
            return None
        return message.message_id
