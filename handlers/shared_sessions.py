"""A user's conversation state in the database between two of their updates, so that any
process of the bot can handle the next one (several processes on PostgreSQL).

python-telegram-bot keeps two things per user in memory: `user_data` (the bot keeps typed
states there, see `handlers.session`) and, in each ConversationHandler, the state of the
user's conversation. Before an update is handled they are put in place from the database;
after it, what they became is stored and the process forgets them, so no process ever
works from a stale copy. One update of a user at a time across processes is the inbox's
claims' job (see `bot.db.inbox`). Stored with pickle: written and read only by the bot
itself (someone who can write the database can do anything anyway).
"""

from __future__ import annotations

import logging
import pickle
from typing import Any

from telegram.ext import Application, ConversationHandler

from bot.services.sessions import SessionService

logger = logging.getLogger(__name__)

ConversationKey = tuple[int | str, ...]


class SharedSessions:
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._app = application
        self.service: SessionService | None = None  # set once the database is open
        self._loaded: dict[int, bytes | None] = {}  # what each user's update began with

    def _wizards(self) -> list[ConversationHandler[Any]]:
        return [
            handler
            for group in self._app.handlers.values()
            for handler in group
            if isinstance(handler, ConversationHandler)
        ]

    async def load(self, user_id: int) -> None:
        """Put the user's stored state in place (or none: a fresh start)."""
        if self.service is None:
            return
        blob = await self.service.load(user_id)
        self._loaded[user_id] = blob
        stored: dict[str, Any] = pickle.loads(blob) if blob else {}
        data = self._app.user_data[user_id]  # python-telegram-bot makes it if need be
        data.clear()
        data.update(stored.get("data", {}))
        conversations: dict[str, dict[ConversationKey, object]] = stored.get("wizards", {})
        for wizard in self._wizards():
            self._forget_in(wizard, user_id)
            for key, state in conversations.get(wizard.name or "", {}).items():
                wizard._conversations[key] = state

    async def save(self, user_id: int) -> None:
        """Store what the update left, then forget it here."""
        if self.service is None:
            return
        data = dict(self._app.user_data.get(user_id, {}))
        conversations: dict[str, dict[ConversationKey, object]] = {}
        for wizard in self._wizards():
            mine = {
                key: state
                for key, state in wizard._conversations.items()
                if key and key[-1] == user_id
            }
            if mine:
                conversations[wizard.name or ""] = mine
            self._forget_in(wizard, user_id)
        blob = (
            pickle.dumps({"data": data, "wizards": conversations}, pickle.HIGHEST_PROTOCOL)
            if data or conversations
            else None
        )
        self._app.drop_user_data(user_id)
        if blob == self._loaded.pop(user_id, b""):
            return  # unchanged (most updates: /events, a card): nothing to write
        await self.service.save(user_id, blob)

    @staticmethod
    def _forget_in(wizard: ConversationHandler[Any], user_id: int) -> None:
        conversations = wizard._conversations
        for key in [key for key in conversations if key and key[-1] == user_id]:
            del conversations[key]
