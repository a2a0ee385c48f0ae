"""Updates of different users run concurrently; the updates of one user run in order.

python-telegram-bot either handles updates one at a time (slow for thousands of users) or all
concurrently (then a double tap or a quick "text, then button" from one user can race and a
wizard sees its steps out of order). This processor gives each user a lock of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

UNBOUNDED = 1_000_000


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        # python-telegram-bot's own semaphore would be taken before the user's turn (its
        # `process_update` is final): it is left wide open and the slots are taken here.
        super().__init__(UNBOUNDED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The user's turn first, then one of the shared slots: the updates a user queues
        (a flood, or replies waiting for their chat's pace) wait without holding slots
        that other users' updates need."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            async with self._slots:
                await coroutine
            return
        key = user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle users so the map does not grow forever
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
