"""Where a user's conversation state waits between two of their updates when several
processes serve the bot: in the database, as the opaque value the Telegram side made of it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.db import Database, UnitOfWork

KEEP_IDLE = timedelta(days=1)  # a wizard left alone ends after 30 minutes anyway


class SessionService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def load(self, user_id: int) -> bytes | None:
        return await self._db.read(lambda uow: uow.sessions.get(user_id))

    async def save(self, user_id: int, state: bytes | None) -> None:
        """Keep `state` (None: nothing to keep). Nothing is kept for someone the update
        erased (/forgetme): what they were in the middle of goes with them."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            if state is None or uow.users.get(user_id) is None:
                uow.sessions.delete(user_id)
            else:
                uow.sessions.put(user_id, state, now)

        await self._db.write(work)

    async def prune(self) -> int:
        before = self._clock.now() - KEEP_IDLE
        return await self._db.write(lambda uow: uow.sessions.prune(before))
