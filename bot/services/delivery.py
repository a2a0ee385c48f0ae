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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.clock import Clock
from bot.db import Database, DatabaseGone, UnitOfWork, from_db
from bot.db.outbox import Campaign, Delivery, Progress
from bot.forgetful import ForgetfulDict
from bot.metrics import NoMetrics, Observer
from bot.models import (
    CampaignKind,
    CampaignStatus,
    Certificate,
    DeliveryStatus,
    Event,
    RegistrationStatus,
    User,
)
from bot.services.certificates import Subject, standing_certificate
from bot.services.sender import Buttons, Outcome, Sender
from bot.services.users import UserService

logger = logging.getLogger(__name__)

OVERALL_RATE = 29.0  # messages per second, under Telegram's ~30 for bulk messages
PER_CHAT_INTERVAL = timedelta(seconds=1)
MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(minutes=5)
PRUNE_ABOVE = 10_000
MAX_PAUSE = 60.0  # seconds the whole worker waits after repeated server or network errors
BATCH = 100
# How long a batch claimed by one process is left to it unless renewed (every quarter of
# it while the batch is being sent): a process that died gives its batch back this soon.
DELIVERY_LEASE = timedelta(seconds=20)
IDLE_WAIT = 30.0  # seconds to sleep when nothing is due and nobody wakes the worker
PROGRESS_EVERY = timedelta(seconds=3)
FILES_KEPT = 16  # files made and kept for their retries (a certificate: some 25 KB)
SENDS_IN_FLIGHT = 8  # deliveries awaiting Telegram's answer at once (29/s at 0.25 s a trip)
WAIT_LOGGED_EVERY = timedelta(minutes=1)
# Those of paid notices (up to 1,000 a second): 100 in flight go at 400 a second at 0.25 s.
PAID_IN_FLIGHT = 100


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: Buttons = ()
    document: tuple[str, bytes] | None = None
    # A file too costly to make on the event loop (a certificate's PDF): made in a thread
    # just before sending, one at a time.
    make_document: Callable[[], tuple[str, bytes]] | None = None


@dataclass(frozen=True)
class Recipient:
    """What one campaign's message to one person is made from, read in one hop."""

    campaign: Campaign
    user: User
    event: Event | None
    status: RegistrationStatus | None  # the user's registration for the event, if any
    answered_feedback: bool
    language: str  # the reader's, as the user service resolves it
    timezone: str
    # The event's own reminder offsets in minutes (empty: the settings' defaults), read only
    # for the messages that carry its calendar file: its alarm rings at the first reminder.
    reminder_offsets: tuple[int, ...] = ()
    # A certificate's message: the recipient's standing certificate and what it is for.
    certificate: Certificate | None = None
    subject: Subject | None = None


class Renderer(Protocol):
    """Writes the message (on the Telegram side: HTML, buttons, calendar file)."""

    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        """The message for this recipient; None when there is nothing to say to them."""
        ...


def concerns(recipient: Recipient, now: datetime) -> bool:
    """Whether the message still concerns its recipient at the moment of sending: a reminder
    of a session they left, that moved (its new reminders are queued) or was cancelled is
    not sent, nor a feedback question they answered already."""
    campaign, event = recipient.campaign, recipient.event
    if not recipient.user.is_active:
        return False
    if campaign.kind == CampaignKind.BROADCAST:
        return True
    if campaign.kind == CampaignKind.CERTIFICATE:  # unless revoked or withdrawn meanwhile
        return recipient.certificate is not None and recipient.subject is not None
    if event is None:
        return False
    if campaign.kind in (CampaignKind.REMINDER, CampaignKind.STARTING):
        planned = from_db(campaign.payload["starts_at"])
        if (
            event.is_cancelled
            or planned != event.starts_at
            or recipient.status != RegistrationStatus.CONFIRMED
        ):
            return False
        if campaign.kind == CampaignKind.STARTING:
            return event.ends_at > now
        return event.starts_at > now
    if campaign.kind == CampaignKind.FEEDBACK:
        return not recipient.answered_feedback
    # A cancellation withdrawn (/restoreevent) before its notice went is not announced; the
    # news that it takes place after all is not sent once it is cancelled again.
    if campaign.kind == CampaignKind.CANCELLED:
        return event.is_cancelled
    if campaign.kind == CampaignKind.RESTORED:
        return not event.is_cancelled
    return True


# The messages that carry the event's calendar file (see CampaignMessages).
WITH_CALENDAR = frozenset(
    {CampaignKind.PROMOTION, CampaignKind.MOVED, CampaignKind.CANCELLED, CampaignKind.RESTORED}
)


def _recipient(uow: UnitOfWork, delivery: Delivery, users: UserService) -> Recipient | None:
    """The recipient of a delivery still pending (a campaign may have been stopped since the
    batch was read); None when there is none any more."""
    if not uow.outbox.is_pending(delivery.delivery_id):
        return None
    campaign = uow.outbox.campaign(delivery.campaign_id)
    user = uow.users.get(delivery.user_id)
    if campaign is None or user is None:
        return None
    event = uow.events.by_id(campaign.event_id) if campaign.event_id else None
    status = uow.registrations.status_of(event.event_id, user.user_id) if event else None
    answered = (
        event is not None
        and campaign.kind == CampaignKind.FEEDBACK
        and uow.attendance.feedback_of(event.event_id, user.user_id) is not None
    )
    offsets = (
        uow.outbox.event_offsets(event.event_id)
        if event is not None and campaign.kind in WITH_CALENDAR
        else []
    )
    certificate = subject = None
    if campaign.kind == CampaignKind.CERTIFICATE:
        certificate, subject = standing_certificate(uow, user.user_id, campaign.payload)
    return Recipient(
        campaign,
        user,
        event,
        status,
        answered,
        users.language_of(user),
        users.timezone_of(user),
        tuple(offsets),
        certificate,
        subject,
    )


class ProgressReporter(Protocol):
    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None: ...
    async def paid_refused(self, campaign: Campaign) -> None: ...


def _renew(uow: UnitOfWork, owner: str, until: datetime) -> None:
    uow.outbox.renew(owner, until)


@dataclass(frozen=True)
class Backlog:
    due: int  # deliveries due now, not sent yet
    oldest_waited: float  # seconds since the oldest of them was queued (0 when none)
    last_finished: datetime | None  # when this process last finished one (None: not yet)
    # When this process's worker last got anywhere: finished a delivery, or found nothing to
    # send. Deliveries due and this long ago: it is stalled (Telegram refusing everything,
    # a worker stuck), whatever their own times say (a retry reschedules them).
    progress_at: datetime | None = None


class Limiter(Protocol):
    async def acquire(self, amount: float = 1) -> None: ...


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        users: UserService,
        sender: Sender,
        renderer: Renderer,
        reporter: ProgressReporter,
        clock: Clock,
        *,
        limiter: Limiter | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        observer: Observer | None = None,
        owner: str = "bot",
        senders_counted: Callable[[int], None] = lambda senders: None,
    ) -> None:
        # Which process this worker is: the deliveries it claims carry it (several
        # processes on one database each claim their own, see `OutboxRepository.claim_due`).
        self.owner = owner
        # Told, at each batch, how many processes' workers send deliveries now (their share
        # of Telegram's budget is split among them).
        self._senders_counted = senders_counted
        self._observer = observer or NoMetrics()
        self._last_finished: datetime | None = None  # by this process's worker
        self._progress_at: datetime | None = clock.now()  # see `Backlog.progress_at`
        self._wait_said_at: datetime | None = None  # the last "Telegram asked to wait" line
        self._waits_unsaid = 0
        self._db = db
        self._users = users
        self._sender = sender
        self._renderer = renderer
        self._reporter = reporter
        self._clock = clock
        # Pacing normally happens in the bot's rate limiter, shared with interactive replies
        # (see bot.app); a limiter given here paces this worker alone (benchmarks, tools).
        self._limiter: Limiter | None = limiter
        self._sleep = sleep or self._pause
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_sent: ForgetfulDict[int, datetime] = ForgetfulDict(
            lambda at, now: now - at >= PER_CHAT_INTERVAL, floor=PRUNE_ABOVE
        )
        self._campaigns: dict[int, Campaign | None] = {}
        self._reported: dict[int, datetime] = {}
        self._reporting: asyncio.Task[None] | None = None  # progress being shown, if any
        self._failures_in_a_row = 0  # server or network errors, whoever the recipient
        self._making = asyncio.Semaphore(1)  # files made in a thread, one at a time
        self._made: dict[int, tuple[str, bytes]] = {}  # by delivery, while it may be retried

    async def sample(
        self, campaign: Campaign, user_id: int, language: str | None = None
    ) -> Rendered | None:
        """What `campaign` would say to this person (read as a reader of `language`, or of
        their own), written exactly as this worker writes its deliveries: an organizer's
        preview and test copy of a broadcast. Nothing is queued, sent or recorded."""
        user = await self._db.read(lambda uow: uow.users.get(user_id))
        if user is None:
            return None
        recipient = Recipient(
            campaign,
            user,
            None,
            None,
            False,
            language or self._users.language_of(user),
            self._users.timezone_of(user),
        )
        return self._renderer.render(recipient, self._clock.now())

    async def backlog(self) -> Backlog:
        """What waits to be sent now, for the health check and the metrics."""
        now = self._clock.now()
        count, oldest = await self._db.read(lambda uow: uow.outbox.backlog(now))
        waited = (now - oldest).total_seconds() if oldest is not None else 0.0
        return Backlog(count, max(waited, 0.0), self._last_finished, self._progress_at)

    def wake(self) -> None:
        """New work was queued: look now rather than at the next scheduled time."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the message in flight, then return from `run`."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        self._progress_at = self._clock.now()
        try:
            await self._run()
        finally:
            await self._progress_shown()
            try:  # what this worker claimed and did not send goes back to the others now
                await self._db.write(lambda uow: uow.outbox.release(self.owner))
            except Exception:  # its lease ends anyway
                logger.warning("Could not give back claimed deliveries; their claim lapses")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self.drain_once()
            except DatabaseGone:  # the bot stops (its periodic check says why): no retries
                logger.error("Delivery worker stopped: the database is gone")
                return
            except Exception:
                logger.exception("Delivery worker failed; retrying in a few seconds")
                handled = 0
                await self._idle(5.0)
            if not handled and not self._stopping.is_set():
                await self._idle(await self._seconds_until_due())

    async def _seconds_until_due(self) -> float:
        due = await self._db.read(lambda u: u.outbox.next_due_at())
        if due is None:
            return IDLE_WAIT
        return min(max((due - self._clock.now()).total_seconds(), 0.05), IDLE_WAIT)

    async def _pause(self, seconds: float) -> None:
        """Wait as Telegram asked (or out an outage), unless the bot is stopping: SIGTERM must
        not wait out a whole retry_after."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def drain_once(self) -> int:
        """Send what is due now, one batch; returns how many deliveries were handled.

        Up to SENDS_IN_FLIGHT at a time: one at a time, the pace would be one message per
        Bot API round trip (0.5 a second when Telegram answers in 2 s), not the send
        scheduler's. Two deliveries to one person never overlap, so their order and the
        per-chat pacing hold. Broadcasts scheduled for now are queued first."""
        await self._release_due()
        now = self._clock.now()

        def claim(uow: UnitOfWork) -> tuple[list[Delivery], int]:
            batch = uow.outbox.claim_due(now, BATCH, self.owner, now + DELIVERY_LEASE)
            return batch, uow.outbox.senders(now) if batch else 0

        batch, senders = await self._db.write(claim)
        if batch:
            self._senders_counted(senders)
        else:
            self._progress_at = now  # nothing due: not stalled
        slots = asyncio.Semaphore(SENDS_IN_FLIGHT)
        paid_slots = asyncio.Semaphore(PAID_IN_FLIGHT)
        people: dict[int, asyncio.Lock] = {}
        handled = 0
        failed: list[BaseException] = []

        async def deliver(delivery: Delivery) -> None:
            nonlocal handled
            known = self._campaigns.get(delivery.campaign_id)
            lane = paid_slots if known is not None and known.paid else slots
            async with lane, people.setdefault(delivery.user_id, asyncio.Lock()):
                if self._stopping.is_set() or failed:
                    return
                try:
                    await self._deliver(delivery)
                except Exception as exc:  # the others in flight finish; then the worker pauses
                    failed.append(exc)
                    return
                handled += 1
                self._report_progress()  # every PROGRESS_EVERY, not once a batch
                await asyncio.sleep(0)  # its turn now: short database units do not yield

        renewing = asyncio.create_task(self._keep_claims()) if batch else None
        try:
            await asyncio.gather(*(deliver(delivery) for delivery in batch))
        finally:
            if renewing is not None:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing
        if failed:
            raise failed[0]
        await self._report(finished_only=not batch)
        return handled

    def _say_waited(self, seconds: float, now: datetime) -> None:
        """One log line a minute at most: Telegram refusing for minutes must not bury the
        log under a line a second."""
        self._waits_unsaid += 1
        if self._wait_said_at is not None and now - self._wait_said_at < WAIT_LOGGED_EVERY:
            return
        logger.warning(
            "Telegram asked to wait %.1f s (%d time(s) since the last such line)",
            seconds,
            self._waits_unsaid,
        )
        self._wait_said_at, self._waits_unsaid = now, 0

    async def _stop_paying(self, campaign: Campaign) -> None:
        """Once per campaign (the messages in flight may all be refused): the rest goes
        unpaid, the log and the metrics say so, and the organizer who chose it is told."""
        known = self._campaigns.get(campaign.campaign_id) or campaign
        if not known.paid:
            return
        self._campaigns[campaign.campaign_id] = replace(known, paid=False)
        logger.warning(
            "Telegram refused campaign %s's paid broadcast (the bot's Stars balance, or paid "
            "broadcasts not allowed to it); the rest goes at the usual pace",
            campaign.campaign_id,
        )
        self._observer.paid_refused()
        await self._db.write(lambda uow: uow.outbox.stop_paying(campaign.campaign_id))
        try:
            await self._reporter.paid_refused(campaign)
        except Exception:
            logger.exception("Could not tell the organizer of campaign %s", campaign.campaign_id)

    async def _keep_claims(self) -> None:
        """The batch in hand stays this worker's while it is being sent (a slow Telegram
        can make a batch last minutes)."""
        while True:
            await asyncio.sleep(DELIVERY_LEASE.total_seconds() / 4)
            until = self._clock.now() + DELIVERY_LEASE
            try:
                await self._db.write(partial(_renew, owner=self.owner, until=until))
            except Exception:
                logger.warning("Could not renew the claim on deliveries being sent")

    async def _release_due(self) -> None:
        """Queue the deliveries of campaigns scheduled for now or earlier (the bot may have
        been down at their time), for their audience as it is now; their organizers are shown
        the progress from the start."""
        now = self._clock.now()
        if not await self._db.read(lambda u: u.outbox.has_due_release(now)):
            return

        def release(uow: UnitOfWork) -> list[tuple[Campaign, Progress]]:
            return _with_progress(uow, uow.outbox.release_due(now))

        for campaign, progress in await self._db.write(release, heavy=True):
            logger.info(
                "Scheduled campaign %s queued %s deliveries", campaign.campaign_id, progress.total
            )
            try:
                await self._reporter.report(campaign, progress, False)
            except Exception:  # its summary still comes at the end
                logger.exception("Could not show the start of campaign %s", campaign.campaign_id)

    async def _deliver(self, delivery: Delivery) -> None:
        now = self._clock.now()
        last = self._last_sent.get(delivery.user_id)
        if last is not None and now - last < PER_CHAT_INTERVAL:
            await self._retry(delivery, last + PER_CHAT_INTERVAL, "pacing", counts=False)
            return
        recipient = await self._db.read(lambda uow: _recipient(uow, delivery, self._users))
        if recipient is None:
            self._campaigns.pop(delivery.campaign_id, None)  # stopped meanwhile
            await self._finish(delivery, DeliveryStatus.SKIPPED, "no recipient")
            return
        self._campaigns.setdefault(delivery.campaign_id, recipient.campaign)
        if recipient.campaign.status != CampaignStatus.RUNNING:
            await self._finish(delivery, DeliveryStatus.SKIPPED, "campaign stopped")
            return
        message = self._renderer.render(recipient, now) if concerns(recipient, now) else None
        if message is None:
            await self._finish(delivery, DeliveryStatus.SKIPPED, "no longer concerned")
            return
        document = message.document
        if message.make_document is not None:
            document = await self._made_document(delivery, message.make_document)
            if document is None:
                await self._finish(delivery, DeliveryStatus.FAILED, "file not made")
                return
        if self._limiter is not None:
            await self._limiter.acquire()
        campaign = self._campaigns.get(delivery.campaign_id) or recipient.campaign
        result = await self._sender.send(
            delivery.user_id, message.text, message.buttons, document, paid=campaign.paid
        )
        now = self._clock.now()
        paid = campaign.paid and result.outcome is Outcome.SENT and not result.paid_refused
        if paid:
            self._observer.paid_sent()
        if result.paid_refused:
            await self._stop_paying(campaign)
        if result.outcome is Outcome.BUSY:
            # The person is in a conversation with the bot right now; their replies go first
            # and the broadcast goes on with the next recipient meanwhile.
            wait = timedelta(seconds=result.retry_after or PER_CHAT_INTERVAL.total_seconds())
            await self._retry(delivery, now + wait, "chat busy", counts=False)
            return
        if result.outcome is Outcome.RETRY and result.retry_after is None:
            # Telegram unreachable or failing: back off for everyone, not just this message,
            # so an outage does not use up the attempts of the whole queue.
            self._failures_in_a_row += 1
            await self._sleep(min(2.0**self._failures_in_a_row, MAX_PAUSE))
        else:
            self._failures_in_a_row = 0
        if result.outcome in (Outcome.SENT, Outcome.BLOCKED, Outcome.FAILED):
            self._made.pop(delivery.delivery_id, None)
        if result.outcome is Outcome.SENT:
            self._last_sent[delivery.user_id] = now
            self._last_sent.forget_idle(now)
            await self._finish(delivery, DeliveryStatus.SENT, paid=paid)
        elif result.outcome is Outcome.BLOCKED:
            await self._finish(delivery, DeliveryStatus.BLOCKED, result.error, blocked=True)
        elif result.outcome is Outcome.FAILED:
            await self._finish(delivery, DeliveryStatus.FAILED, result.error)
        elif result.retry_after is not None:
            # Flood control is for the whole bot: everyone waits, and this try does not count.
            self._say_waited(result.retry_after, now)
            await self._retry(delivery, now, result.error or "429", counts=False)
            await self._sleep(result.retry_after)
        elif delivery.attempts + 1 >= self._max_attempts:
            await self._finish(delivery, DeliveryStatus.FAILED, result.error)
        else:
            backoff = min(timedelta(seconds=2 ** (delivery.attempts + 1)), MAX_BACKOFF)
            await self._retry(delivery, now + backoff, result.error or "", counts=True)

    async def _made_document(
        self, delivery: Delivery, make: Callable[[], tuple[str, bytes]]
    ) -> tuple[str, bytes] | None:
        """The delivery's file, made in a thread (one at a time); kept for its retries (a
        busy chat, a 429), so a certificate is not drawn again for each. None if it fails."""
        made = self._made.pop(delivery.delivery_id, None)
        if made is None:
            try:
                async with self._making:
                    made = await asyncio.to_thread(make)
            except Exception:
                logger.exception("Could not make the file of delivery %s", delivery.delivery_id)
                return None
        self._made[delivery.delivery_id] = made
        while len(self._made) > FILES_KEPT:
            self._made.pop(next(iter(self._made)))
        return made

    async def _finish(
        self,
        delivery: Delivery,
        status: DeliveryStatus,
        error: str | None = None,
        *,
        blocked: bool = False,
        paid: bool = False,
    ) -> None:
        """The delivery's final fate; a user who blocked the bot is not written to again
        until they write to it (in the same unit of work). `paid`: sent paid (charged)."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            uow.outbox.finish(delivery.delivery_id, status, now, error, paid=paid)
            if blocked:
                uow.users.mark_blocked(delivery.user_id, now)

        await self._db.write(work)
        self._last_finished = self._progress_at = now
        self._observer.delivery_finished(status.value)

    async def _retry(self, delivery: Delivery, when: datetime, error: str, *, counts: bool) -> None:
        """Try again at `when`; `counts` says whether this attempt counts towards the limit."""
        await self._db.write(
            lambda uow: uow.outbox.retry_at(delivery.delivery_id, when, error, counts=counts)
        )

    async def _report(self, finished_only: bool) -> None:
        """Progress for organizers now and then, and a summary when a campaign ends."""
        now = self._clock.now()

        def close(uow: UnitOfWork) -> list[tuple[Campaign, Progress]]:
            return _with_progress(uow, uow.outbox.close_finished(now))

        closed = await self._db.write(close, heavy=True)
        if closed:
            await self._progress_shown()  # a late "sending" must not follow the summary
        for campaign, progress in closed:
            self._campaigns.pop(campaign.campaign_id, None)
            await self._reporter.report(campaign, progress, True)
        if not finished_only:
            self._report_progress()

    def _report_progress(self) -> None:
        """Show the progress of running campaigns, each at most every PROGRESS_EVERY, on
        the side: an organizer's message edited on a slow day must not hold up the copies."""
        if self._reporting is None or self._reporting.done():
            self._reporting = asyncio.ensure_future(self._show_progress())

    async def _progress_shown(self) -> None:
        if self._reporting is not None:
            with contextlib.suppress(Exception):
                await self._reporting
            self._reporting = None

    async def _show_progress(self) -> None:
        try:
            await self._show_progress_now()
        except Exception:
            logger.exception("Could not show a broadcast's progress; trying again later")

    async def _show_progress_now(self) -> None:
        now = self._clock.now()
        for campaign_id, campaign in list(self._campaigns.items()):
            if campaign is None:
                continue
            if now - self._reported.get(campaign_id, campaign.started_at) < PROGRESS_EVERY:
                continue
            self._reported[campaign_id] = now
            if campaign.progress_message is None:
                # Read before the organizer's progress message was recorded (it is sent
                # while the first copies go out): look again.
                fresh = await self._campaign(campaign_id)
                if fresh is None or fresh.progress_message is None:
                    continue
                campaign = self._campaigns[campaign_id] = fresh
            await self._reporter.report(campaign, await self._progress(campaign_id), False)

    async def _campaign(self, campaign_id: int) -> Campaign | None:
        return await self._db.read(lambda uow: uow.outbox.campaign(campaign_id))

    async def _progress(self, campaign_id: int) -> Progress:
        # On the loop: an index-only count (a few ms for 100,000 copies), every few seconds;
        # through the reader's thread, the progress lagged behind the copies it counts.
        return await self._db.read(lambda uow: uow.outbox.progress(campaign_id))


def _with_progress(uow: UnitOfWork, campaign_ids: list[int]) -> list[tuple[Campaign, Progress]]:
    """The campaigns (those still there) with their figures, as one unit of work read them."""
    found = []
    for campaign_id in campaign_ids:
        campaign = uow.outbox.campaign(campaign_id)
        if campaign is not None:
            found.append((campaign, uow.outbox.progress(campaign_id)))
    return found
