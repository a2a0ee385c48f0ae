"""Updates of different users run concurrently; the updates of one user run in order.

python-telegram-bot either handles updates one at a time (slow for thousands of users) or all
concurrently (then a double tap or a quick "text, then button" from one user can race and a
wizard sees its steps out of order). This processor gives each user a lock of their own,
and drops what a flooding user sends beyond ten updates waiting for their turn.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

UNBOUNDED = 1_000_000
MAX_QUEUED = 10  # a user's updates waiting for their turn, beyond which new ones are dropped
BACKLOGGED = 3  # a user's updates in hand (handled or waiting) from which they ask faster
# than they are answered: a flood, seen before the flood guard has counted enough of it


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self, max_concurrent_updates: int = 256, max_queued_per_user: int = MAX_QUEUED
    ) -> None:
        # python-telegram-bot's own semaphore would be taken before the user's turn (its
        # `process_update` is final): it is left wide open and the slots are taken here.
        super().__init__(UNBOUNDED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._max_queued = max_queued_per_user
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        # Told of each update dropped unhandled, so that it counts as handled (the inbox).
        self.on_dropped: Callable[[Update], None] = lambda update: None

    def is_backlogged(self, user_id: int) -> bool:
        """More of their updates are in hand than a person chatting ever has at once."""
        return self._waiting.get(user_id, 0) >= BACKLOGGED

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
        if self._waiting.get(key, 0) > self._max_queued and isinstance(update, Update):
            # A flood: this many of theirs already wait their turn. Dropped at arrival, so a
            # flood's backlog never builds up (the flood guard told them once already).
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            self.on_dropped(update)
            return
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
