"""The delivery engine's worker: the one way out for messages to many people.

It drains the outbox at Telegram's pace (about 30 messages a second overall, one a second to a
chat), obeys 429 answers, retries server and network errors a bounded number of times, and
marks a delivery sent only after Telegram accepted it. Everything it knows lives in the
database, so a restart (even after SIGKILL) resumes exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Database
from bot.db.outbox import Campaign, Delivery, Progress
from bot.forgetful import ForgetfulDict
from bot.services.sender import Buttons, Outcome, Sender

logger = logging.getLogger(__name__)

OVERALL_RATE = 29.0  # messages per second, under Telegram's ~30 for bulk messages
PER_CHAT_INTERVAL = timedelta(seconds=1)
MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(minutes=5)
PRUNE_ABOVE = 10_000
MAX_PAUSE = 60.0  # seconds the whole worker waits after repeated server or network errors
BATCH = 100
IDLE_WAIT = 30.0  # seconds to sleep when nothing is due and nobody wakes the worker
PROGRESS_EVERY = timedelta(seconds=3)


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: Buttons = ()
    document: tuple[str, bytes] | None = None


class Renderer(Protocol):
    async def render(self, campaign: Campaign, user_id: int) -> Rendered | None:
        """The message of `campaign` for one user; None when it no longer concerns them."""
        ...


class ProgressReporter(Protocol):
    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None: ...


class Limiter(Protocol):
    async def acquire(self, amount: float = 1) -> None: ...


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        renderer: Renderer,
        reporter: ProgressReporter,
        clock: Clock,
        *,
        limiter: Limiter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._db = db
        self._sender = sender
        self._renderer = renderer
        self._reporter = reporter
        self._clock = clock
        # Pacing normally happens in the bot's rate limiter, shared with interactive replies
        # (see bot.app); a limiter given here paces this worker alone (benchmarks, tools).
        self._limiter: Limiter | None = limiter
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_sent: ForgetfulDict[int, datetime] = ForgetfulDict(
            lambda at, now: now - at >= PER_CHAT_INTERVAL, floor=PRUNE_ABOVE
        )
        self._campaigns: dict[int, Campaign | None] = {}
        self._reported: dict[int, datetime] = {}
        self._failures_in_a_row = 0  # server or network errors, whoever the recipient

    def wake(self) -> None:
        """New work was queued: look now rather than at the next scheduled time."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the message in flight, then return from `run`."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self.drain_once()
            except Exception:
                logger.exception("Delivery worker failed; retrying in a few seconds")
                handled = 0
                await self._idle(5.0)
            if not handled and not self._stopping.is_set():
                await self._idle(await self._seconds_until_due())

    async def _seconds_until_due(self) -> float:
        due = await self._db.outbox.next_due_at()
        if due is None:
            return IDLE_WAIT
        return min(max((due - self._clock.now()).total_seconds(), 0.05), IDLE_WAIT)

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def drain_once(self) -> int:
        """Send what is due now, one batch; returns how many deliveries were handled."""
        batch = await self._db.outbox.due(self._clock.now(), BATCH)
        handled = 0
        for delivery in batch:
            if self._stopping.is_set():
                break
            await self._deliver(delivery)
            handled += 1
        await self._report(finished_only=not batch)
        return handled

    async def _campaign(self, campaign_id: int) -> Campaign | None:
        if campaign_id not in self._campaigns:
            self._campaigns[campaign_id] = await self._db.outbox.campaign(campaign_id)
        return self._campaigns[campaign_id]

    async def _deliver(self, delivery: Delivery) -> None:
        outbox = self._db.outbox
        now = self._clock.now()
        last = self._last_sent.get(delivery.user_id)
        if last is not None and now - last < PER_CHAT_INTERVAL:
            await outbox.retry_at(delivery.delivery_id, last + PER_CHAT_INTERVAL, "pacing", False)
            return
        if not await outbox.is_pending(delivery.delivery_id):
            self._campaigns.pop(delivery.campaign_id, None)  # stopped meanwhile
            return
        campaign = await self._campaign(delivery.campaign_id)
        if campaign is None or campaign.status != "running":
            await outbox.finish(delivery.delivery_id, "skipped", now, "campaign stopped")
            return
        message = await self._renderer.render(campaign, delivery.user_id)
        if message is None:
            await outbox.finish(delivery.delivery_id, "skipped", now, "no longer concerned")
            return
        if self._limiter is not None:
            await self._limiter.acquire()
        result = await self._sender.send(
            delivery.user_id, message.text, message.buttons, message.document
        )
        now = self._clock.now()
        if result.outcome is Outcome.RETRY and result.retry_after is None:
            # Telegram unreachable or failing: back off for everyone, not just this message,
            # so an outage does not use up the attempts of the whole queue.
            self._failures_in_a_row += 1
            await self._sleep(min(2.0**self._failures_in_a_row, MAX_PAUSE))
        else:
            self._failures_in_a_row = 0
        if result.outcome is Outcome.SENT:
            self._last_sent[delivery.user_id] = now
            self._last_sent.forget_idle(now)
            await outbox.finish(delivery.delivery_id, "sent", now)
        elif result.outcome is Outcome.BLOCKED:
            await outbox.finish(delivery.delivery_id, "blocked", now, result.error)
        elif result.outcome is Outcome.FAILED:
            await outbox.finish(delivery.delivery_id, "failed", now, result.error)
        elif result.retry_after is not None:
            # Flood control is for the whole bot: everyone waits, and this try does not count.
            logger.warning("Telegram asked to wait %.1f s", result.retry_after)
            await outbox.retry_at(delivery.delivery_id, now, result.error or "429", False)
            await self._sleep(result.retry_after)
        elif delivery.attempts + 1 >= self._max_attempts:
            await outbox.finish(delivery.delivery_id, "failed", now, result.error)
        else:
            backoff = min(timedelta(seconds=2 ** (delivery.attempts + 1)), MAX_BACKOFF)
            await outbox.retry_at(delivery.delivery_id, now + backoff, result.error or "", True)

    async def _report(self, finished_only: bool) -> None:
        """Progress for organizers now and then, and a summary when a campaign ends."""
        now = self._clock.now()
        outbox = self._db.outbox
        for campaign_id in await outbox.close_finished(now):
            self._campaigns.pop(campaign_id, None)
            campaign = await outbox.campaign(campaign_id)
            if campaign is not None:
                await self._reporter.report(campaign, await outbox.progress(campaign_id), True)
        if finished_only:
            return
        for campaign_id, campaign in list(self._campaigns.items()):
            if campaign is None or campaign.progress_message is None:
                continue
            if now - self._reported.get(campaign_id, campaign.created_at) < PROGRESS_EVERY:
                continue
            self._reported[campaign_id] = now
            await self._reporter.report(campaign, await outbox.progress(campaign_id), False)
