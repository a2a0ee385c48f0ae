"""Telegram's side of the inbox (`bot.services.inbox`): stored before confirmed, done after.

python-telegram-bot's Updater confirms what it fetched by asking for the next updates with a
higher offset, right after putting them in its queue. The Updater is given this stand-in for
the bot: its getUpdates first records what was handled since the last call, then fetches, and
stores what came before returning it, so the confirmation (the next call) always follows a
commit. A redelivered update that is already stored is let through to keep the offset moving,
and skipped by the application.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import ExtBot

from bot.db import DatabaseGone
from bot.db.inbox import Arrival
from bot.services.inbox import ClaimedInbox, Inbox

logger = logging.getLogger(__name__)


FLUSH_AFTER = 0.1  # seconds: handled updates are recorded together, this soon after
SWEEP_EVERY = 1.0  # seconds between two looks for updates nobody handles (webhook mode)
RENEW_EVERY = 4  # sweeps between two renewals of the claims in hand
ORPHANS_AT_ONCE = 100


class DurableState:
    """What the application and the stand-in share: the inbox (once the database is open),
    the updates to skip, the updates handled and not yet recorded as such.

    Handled updates are recorded a moment after they are handled (FLUSH_AFTER, in one write
    for all of them) and before each poll. Waiting for the poll alone left them unrecorded
    while the long poll waited for news: a crash then had every update of the last burst
    answered again after the restart."""

    def __init__(self, flush_after: float = FLUSH_AFTER) -> None:
        self.inbox: Inbox | None = None
        self.skip: set[int] = set()
        self.handled: list[int] = []
        # When each update waiting to be handled arrived (time.monotonic): its latency.
        self.arrived: dict[int, float] = {}
        # Webhook mode: told of each update handled (the claims), instead of the batches.
        self.on_done: Callable[[int], None] | None = None
        self._flush_after = flush_after
        self._timer: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task[None]] = set()

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.inbox is not None and self.handled:
            handled, self.handled = self.handled, []
            await self.inbox.finish(handled)

    def done(self, update_id: int) -> None:
        self.arrived.pop(update_id, None)
        if self.on_done is not None:
            self.on_done(update_id)
            return
        if self.inbox is None:
            return
        self.handled.append(update_id)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._flush_after, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self._flush_quietly())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except DatabaseGone:
            pass  # the next poll or write stops the bot; those updates come again
        except Exception:
            logger.exception("Could not record handled updates; they are redone after a restart")

    def should_skip(self, update_id: int) -> bool:
        if update_id in self.skip:
            self.skip.discard(update_id)
            return True
        return False


class DurableUpdates:
    """The bot as the Updater sees it: everything forwarded, but getUpdates made durable.

    When the database is gone, or Telegram refuses the token (revoked in @BotFather while
    the bot runs), `on_lost` stops the bot and the poll waits to be cancelled: raising would
    make the Updater log it and poll again at once, over and over (or, for the token, give up
    polling and leave a process that answers nobody), and what was fetched but not stored
    stays unconfirmed, for Telegram to deliver again. When the bot is stopping already
    (`stopping`: someone else noticed first), the poll returns nothing instead: the Updater's
    last call while stopping (its cleanup, with no stop to cancel it) must not wait forever."""

    def __init__(
        self,
        bot: ExtBot[None],
        state: DurableState,
        on_lost: Callable[[DatabaseGone | InvalidToken], None],
        stopping: Callable[[], bool],
    ) -> None:
        self._bot = bot
        self._state = state
        self._on_lost = on_lost
        self._stopping = stopping

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        try:
            await self._state.flush()
            updates: tuple[Update, ...] = await self._bot.get_updates(*args, **kwargs)
            inbox = self._state.inbox
            if updates and inbox is not None:
                new = await inbox.store([arrival(u) for u in updates])
                self._state.skip |= {u.update_id for u in updates} - new
                now = time.monotonic()
                self._state.arrived.update(dict.fromkeys(new, now))
        except (DatabaseGone, InvalidToken) as lost:
            if self._stopping():  # nothing to confirm; the stop under way ends the polling
                return ()
            self._on_lost(lost)
            await asyncio.Event().wait()  # until the stop cancels this poll
            raise
        return updates


class WebhookIntake:
    """Webhook mode's side of the inbox, for one process among several: an update Telegram
    posts is stored, committed, before the HTTP answer (`receive` returns); it is handled by
    the process that claims it, never two of a user's at once (see `ClaimedInbox`). When one
    is handled, the user's next is claimed at once; every second, updates nobody handles
    (their process died) are claimed; the leases of those in hand are renewed meanwhile.
    When the database is gone, `on_lost` stops the bot and the post is refused (Telegram
    posts it again)."""

    def __init__(
        self,
        bot: ExtBot[None],
        state: DurableState,
        queue: asyncio.Queue[object],
        claims: ClaimedInbox,
        on_lost: Callable[[DatabaseGone], None],
    ) -> None:
        self._bot = bot
        self._state = state
        self._queue = queue
        self._claims = claims
        self._on_lost = on_lost
        self._in_hand: dict[int, int | None] = {}  # update id -> its user
        self._finishing: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        state.on_done = self._done

    async def receive(self, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, self._bot)
        user = update.effective_user
        posted = Arrival(
            update.update_id, user.id if user else None, json.dumps(payload, ensure_ascii=False)
        )
        try:
            claimed = await self._claims.receive(posted)
        except DatabaseGone as lost:
            self._on_lost(lost)
            raise
        await self._hand_over(claimed)

    async def _hand_over(self, claimed: list[Arrival]) -> None:
        for item in claimed:
            if item.update_id in self._in_hand:
                continue
            self._in_hand[item.update_id] = item.user_id
            self._state.arrived[item.update_id] = time.monotonic()
            await self._queue.put(Update.de_json(json.loads(item.payload), self._bot))

    def _done(self, update_id: int) -> None:
        if update_id not in self._in_hand:
            return
        user_id = self._in_hand.pop(update_id)
        task = asyncio.get_running_loop().create_task(self._finish(update_id, user_id))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _finish(self, update_id: int, user_id: int | None) -> None:
        try:
            await self._hand_over(await self._claims.finish(update_id, user_id))
        except Exception:  # its lease ends, and it is handled again: effects are idempotent
            logger.exception("Could not record update %s as handled", update_id)

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="inbox claims")

    async def _sweep(self) -> None:
        turns = 0
        while True:
            try:
                await self._hand_over(await self._claims.orphans(ORPHANS_AT_ONCE))
                turns += 1
                if turns % RENEW_EVERY == 0:
                    await self._claims.renew(list(self._in_hand))
            except DatabaseGone as lost:
                self._on_lost(lost)
                return
            except Exception:
                logger.exception("Could not look for updates nobody handles; again shortly")
            await asyncio.sleep(SWEEP_EVERY)

    async def stop(self) -> None:
        """Stop claiming; what was claimed and not handled goes back to the others."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._finishing:
            await asyncio.gather(*self._finishing, return_exceptions=True)
        with contextlib.suppress(Exception):  # the leases end anyway
            await self._claims.release()


def arrival(update: Update) -> Arrival:
    user = update.effective_user
    payload = json.dumps(update.to_dict(), ensure_ascii=False)
    return Arrival(update.update_id, user.id if user is not None else None, payload)


async def requeue_pending(inbox: Inbox, bot: ExtBot[None], queue: Any) -> int:
    """At start: what was stored and not handled before the last stop goes first."""
    pending = await inbox.pending()
    for _, payload in pending:
        await queue.put(Update.de_json(json.loads(payload), bot))
    return len(pending)
