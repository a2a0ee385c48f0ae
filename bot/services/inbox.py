"""No update lost, none handled twice: the bot's side of the inbox.

python-telegram-bot confirms updates to Telegram (the next getUpdates offset) before it has
handled them, so a crash in a burst lost every press fetched and not yet handled. Here an
update is stored, committed, before that next call; it is marked done after it was handled
(in batches, at the next poll: a crash redoes at most the last poll's updates, whose effects
are idempotent: a second Register finds the registration), and on start whatever is stored
and not done is handled first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.inbox import Arrival
from bot.services.sessions import KEEP_IDLE

KEEP_DONE = timedelta(days=1)
# How long an update claimed by a process is left to it unless renewed (every few seconds
# while it is being handled): a process that died gives its updates back this soon.
INBOX_LEASE = timedelta(seconds=15)
PRUNE_EVERY = 500  # finished batches between two prunings


class Inbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._batches = 0

    async def store(self, updates: Sequence[Arrival]) -> set[int]:
        """Store the updates durably; the ids of those not stored before."""
        if not updates:
            return set()
        now = self._clock.now()
        return await self._db.write(lambda uow: uow.inbox.store(updates, now))

    async def waiting(self) -> tuple[int, float]:
        """How many updates are stored and not handled yet, and the seconds the oldest has
        waited (for the health check and the metrics)."""
        count, oldest = await self._db.read(lambda uow: uow.inbox.waiting())
        waited = (self._clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        return count, max(waited, 0.0)

    async def pending(self) -> list[tuple[int, str]]:
        return await self._db.read(lambda uow: uow.inbox.pending(), heavy=True)

    async def finish(self, update_ids: Sequence[int]) -> None:
        if not update_ids:
            return
        now = self._clock.now()
        self._batches += 1
        prune = self._batches % PRUNE_EVERY == 0

        def work(uow: UnitOfWork) -> None:
            uow.inbox.finish(update_ids, now)
            if prune:
                uow.inbox.prune(now - KEEP_DONE)
                uow.sessions.prune(now - KEEP_IDLE)

        await self._db.write(work)


class ClaimedInbox:
    """The inbox shared by several processes (webhook mode): an update is handled by the
    process that claimed it, one update of a user at a time, in order (see
    `InboxRepository.claim_next`). `owner` names this process on its claims."""

    def __init__(self, db: Database, clock: Clock, owner: str, lease: timedelta) -> None:
        self._db = db
        self._clock = clock
        self.owner = owner
        self._lease = lease

    async def receive(self, arrival: Arrival) -> list[Arrival]:
        """Store the update (committed before Telegram is answered); what this process
        should handle now: this update, or an older one of the same user left unclaimed,
        or nothing while another process handles one of theirs."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Arrival]:
            uow.inbox.store([arrival], now)
            return uow.inbox.claim_next(arrival.user_id, self.owner, now, now + self._lease)

        return await self._db.write(work)

    async def finish(self, update_id: int, user_id: int | None) -> list[Arrival]:
        """Handled: marked done, and the user's next update claimed (if any waits)."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Arrival]:
            uow.inbox.finish([update_id], now)
            return uow.inbox.claim_next(user_id, self.owner, now, now + self._lease)

        return await self._db.write(work)

    async def orphans(self, limit: int) -> list[Arrival]:
        """Updates nobody handles (their process died, or nobody claimed them), claimed."""
        now = self._clock.now()
        return await self._db.write(
            lambda uow: uow.inbox.claim_orphans(self.owner, now, now + self._lease, limit)
        )

    async def renew(self, update_ids: Sequence[int]) -> None:
        if not update_ids:
            return
        until = self._clock.now() + self._lease
        await self._db.write(lambda uow: uow.inbox.renew(update_ids, self.owner, until))

    async def release(self) -> None:
        await self._db.write(lambda uow: uow.inbox.release(self.owner))
