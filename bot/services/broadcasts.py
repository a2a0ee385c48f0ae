"""Broadcasts: an organizer's announcement to everyone or to a segment, with progress."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.outbox import Campaign, Progress
from bot.models import Audience, CampaignKind, CampaignStatus
from bot.services.users import UserService


@dataclass(frozen=True)
class BroadcastStatus:
    campaign: Campaign
    progress: Progress
    as_of: datetime | None = None  # when the progress was read, for the time left

    def seconds_left(self, fallback_rate: float) -> float | None:
        """How long the rest will take at the pace so far (`fallback_rate` a second before
        anything was done); None when nothing is left."""
        progress = self.progress
        if not progress.pending:
            return None
        done = progress.total - progress.pending
        elapsed = (self.as_of - self.campaign.created_at).total_seconds() if self.as_of else 0.0
        rate = done / elapsed if done and elapsed > 0 else fallback_rate
        return progress.pending / rate


class ProgressDisplay(Protocol):
    """Shows an organizer how their broadcast is going (an edited message in their chat)."""

    async def show(
        self, chat_id: int, message_id: int, status: BroadcastStatus, finished: bool, language: str
    ) -> None: ...

    async def announce(
        self, chat_id: int, status: BroadcastStatus, finished: bool, language: str
    ) -> int | None:
        """Show it in a new message; its id, or None if it could not be sent."""
        ...


class BroadcastService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        users: UserService,
        display: ProgressDisplay,
        wake_delivery: Callable[[], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._users = users
        self._display = display
        self._wake = wake_delivery
        # Broadcasts started here whose progress message is on its way to the organizer:
        # their summary goes into that message once it is known (see `watch`), not a new one.
        self._awaiting_message: set[int] = set()

    async def audience_size(self, audience: Audience) -> int:
        return await self._db.read(lambda u: u.outbox.count_audience(audience), heavy=True)

    async def start(self, admin_id: int, audience: Audience, texts: dict[str, str]) -> int:
        """Queue the broadcast; returns its campaign id. `texts` has a "default" entry."""
        now = self._clock.now()
        key = f"broadcast:{admin_id}:{secrets.token_hex(8)}"

        def work(uow: UnitOfWork) -> int:
            queued = uow.outbox.enqueue(
                CampaignKind.BROADCAST, key, audience, {"texts": texts}, now, created_by=admin_id
            )
            assert queued is not None
            uow.audit.record(admin_id, "broadcast", audience.describe(), now)
            return queued[0]

        campaign_id = await self._db.write(work, heavy=True)
        self._awaiting_message.add(campaign_id)
        self._wake()
        return campaign_id

    async def watch(self, campaign_id: int, chat_id: int, message_id: int | None) -> None:
        """The organizer's progress message (None: it could not be sent); a broadcast that
        finished meanwhile is summed up at once."""
        self._awaiting_message.discard(campaign_id)
        if message_id is not None:
            await self._db.write(
                lambda u: u.outbox.set_progress_message(campaign_id, chat_id, message_id)
            )
        status = await self.status(campaign_id)
        if status is not None and status.campaign.status != CampaignStatus.RUNNING:
            await self.report(status.campaign, status.progress, True)

    async def recent(self, limit: int = 10) -> list[BroadcastStatus]:
        def work(uow: UnitOfWork) -> list[BroadcastStatus]:
            campaigns = uow.outbox.recent(CampaignKind.BROADCAST, limit)
            return [BroadcastStatus(c, uow.outbox.progress(c.campaign_id)) for c in campaigns]

        return await self._db.read(work, heavy=True)

    async def status(self, campaign_id: int) -> BroadcastStatus | None:
        def work(uow: UnitOfWork) -> BroadcastStatus | None:
            campaign = uow.outbox.campaign(campaign_id)
            if campaign is None or campaign.kind != CampaignKind.BROADCAST:
                return None
            return BroadcastStatus(campaign, uow.outbox.progress(campaign_id))

        return await self._db.read(work, heavy=True)

    async def cancel(self, campaign_id: int, admin_id: int) -> bool:
        now = self._clock.now()

        def work(uow: UnitOfWork) -> BroadcastStatus | None:
            if not uow.outbox.cancel(campaign_id, CampaignKind.BROADCAST, now):
                return None
            uow.audit.record(admin_id, "cancel-broadcast", str(campaign_id), now)
            campaign = uow.outbox.campaign(campaign_id)
            assert campaign is not None
            return BroadcastStatus(campaign, uow.outbox.progress(campaign_id))

        stopped = await self._db.write(work, heavy=True)
        if stopped is not None:  # the progress message ends with what was sent
            await self.report(stopped.campaign, stopped.progress, True)
        return stopped is not None

    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None:
        """Edit the organizer's progress message (the worker calls this now and then).

        A broadcast whose progress message was never recorded (the bot stopped between
        queueing it and hearing back from Telegram) ends with the summary as a new message
        to the organizer who sent it: they always learn what was sent."""
        if campaign.kind == CampaignKind.BROADCAST and campaign.progress_chat is None:
            chat = campaign.created_by
        else:
            chat = campaign.progress_chat
        if campaign.progress_message is None and (
            not finished or campaign.campaign_id in self._awaiting_message
        ):
            return
        if chat is None:
            return
        organizer = await self._users.get(chat)
        language = self._users.language_of(organizer) if organizer else self._users.default_language
        status = BroadcastStatus(campaign, progress, self._clock.now())
        if campaign.progress_message is None:
            message = await self._display.announce(chat, status, finished, language)
            if message is not None:
                await self.watch(campaign.campaign_id, chat, message)
            return
        await self._display.show(chat, campaign.progress_message, status, finished, language)
