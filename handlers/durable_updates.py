"""Telegram's side of the inbox (`bot.services.inbox`): stored before confirmed, done after.

python-telegram-bot's Updater confirms what it fetched by asking for the next updates with a
higher offset, right after putting them in its queue. The Updater is given this stand-in for
the bot: its getUpdates first records what was handled since the last call, then fetches, and
stores what came before returning it, so the confirmation (the next call) always follows a
commit. A redelivered update that is already stored is let through to keep the offset moving,
and skipped by the application.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from bot.services.inbox import Inbox


class DurableState:
    """What the application and the stand-in share: the inbox (once the database is open),
    the updates to skip, the updates handled since the last poll."""

    def __init__(self) -> None:
        self.inbox: Inbox | None = None
        self.skip: set[int] = set()
        self.handled: list[int] = []

    async def flush(self) -> None:
        if self.inbox is not None and self.handled:
            handled, self.handled = self.handled, []
            await self.inbox.finish(handled)

    def done(self, update_id: int) -> None:
        if self.inbox is not None:
            self.handled.append(update_id)

    def should_skip(self, update_id: int) -> bool:
        if update_id in self.skip:
            self.skip.discard(update_id)
            return True
        return False


class DurableUpdates:
    """The bot as the Updater sees it: everything forwarded, but getUpdates made durable."""

    def __init__(self, bot: ExtBot[None], state: DurableState) -> None:
        self._bot = bot
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        await self._state.flush()
        updates: tuple[Update, ...] = await self._bot.get_updates(*args, **kwargs)
        inbox = self._state.inbox
        if updates and inbox is not None:
            stored = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
            new = await inbox.store(stored)
            self._state.skip |= {u.update_id for u in updates} - new
        return updates


async def requeue_pending(inbox: Inbox, bot: ExtBot[None], queue: Any) -> int:
    """At start: what was stored and not handled before the last stop goes first."""
    pending = await inbox.pending()
    for _, payload in pending:
        await queue.put(Update.de_json(json.loads(payload), bot))
    return len(pending)
