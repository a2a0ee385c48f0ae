"""The services' `Sender`, on top of the Bot API."""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.db import Database
from bot.services.sender import Buttons, Outcome
from handlers.ui import keyboard

logger = logging.getLogger(__name__)


class TelegramSender:
    def __init__(self, bot: ExtBot[None], db: Database, clock: Clock) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
    ) -> Outcome:
        try:
            await self._bot.send_message(
                chat_id=chat_id,
                text=text,
                reply_markup=keyboard(buttons),
                disable_web_page_preview=True,
            )
            if document is not None:
                name, content = document
                await self._bot.send_document(chat_id=chat_id, document=content, filename=name)
        except Forbidden:
            await self._db.users.mark_blocked(chat_id, self._clock.now())
            return Outcome.BLOCKED
        except (BadRequest, TelegramError) as exc:
            logger.warning("Could not message %s: %s", chat_id, exc)
            return Outcome.FAILED
        return Outcome.SENT
