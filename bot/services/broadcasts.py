"""Broadcasts: an organizer's announcement to everyone or to a segment, with progress."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.db import Database, audit
from bot.db.outbox import Campaign, Progress
from bot.i18n import Catalogs, Translator
from bot.models import Audience
from bot.services.delivery import OVERALL_RATE
from bot.services.sender import Sender
from bot.services.users import UserService

BROADCAST = "broadcast"


@dataclass(frozen=True)
class BroadcastStatus:
    campaign: Campaign
    progress: Progress


def progress_text(t: Translator, status: BroadcastStatus, finished: bool) -> str:
    progress = status.progress
    lines = [
        t._("Broadcast #{number}", number=status.campaign.campaign_id)
        + " · "
        + (
            t._("cancelled")
            if status.campaign.status == "cancelled"
            else t._("finished")
            if finished
            else t._("sending")
        ),
        t._("Sent: {count}", count=t.number(progress.sent)),
        t._("Blocked the bot: {count}", count=t.number(progress.blocked)),
        t._("Failed: {count}", count=t.number(progress.failed)),
    ]
    if progress.skipped:
        lines.append(t._("Skipped: {count}", count=t.number(progress.skipped)))
    if not finished and progress.pending:
        minutes = max(round(progress.pending / OVERALL_RATE / 60), 1)
        lines.append(t._("Remaining: {count}", count=t.number(progress.pending)))
        lines.append(t.ngettext("About {count} minute left", "About {count} minutes left", minutes))
    return "\n".join(lines)


class BroadcastService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        users: UserService,
        sender: Sender,
        wake_delivery: object,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalogs = catalogs
        self._users = users
        self._sender = sender
        self._wake = wake_delivery

    async def audience_size(self, audience: Audience) -> int:
        return await self._db.outbox.count_audience(audience)

    async def start(self, admin_id: int, audience: Audience, texts: dict[str, str]) -> int:
        """Queue the broadcast; returns its campaign id. `texts` has a "default" entry."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            queued = await self._db.outbox.enqueue_in(
                conn,
                BROADCAST,
                f"broadcast:{admin_id}:{secrets.token_hex(8)}",
                audience,
                {"texts": texts},
                now,
                created_by=admin_id,
            )
            assert queued is not None
            await audit.record(conn, admin_id, "broadcast", audience.describe(), now)
        self._wake()  # type: ignore[operator]
        return queued[0]

    async def watch(self, campaign_id: int, chat_id: int, message_id: int) -> None:
        await self._db.outbox.set_progress_message(campaign_id, chat_id, message_id)

    async def recent(self, limit: int = 10) -> list[BroadcastStatus]:
        campaigns = await self._db.outbox.recent(BROADCAST, limit)
        return [
            BroadcastStatus(c, await self._db.outbox.progress(c.campaign_id)) for c in campaigns
        ]

    async def status(self, campaign_id: int) -> BroadcastStatus | None:
        campaign = await self._db.outbox.campaign(campaign_id)
        if campaign is None or campaign.kind != BROADCAST:
            return None
        return BroadcastStatus(campaign, await self._db.outbox.progress(campaign_id))

    async def cancel(self, campaign_id: int, admin_id: int) -> bool:
        outbox = self._db.outbox
        cancelled = await outbox.cancel(campaign_id, BROADCAST, self._clock.now())
        if cancelled:
            async with self._db.transaction() as conn:
                await audit.record(
                    conn, admin_id, "cancel-broadcast", str(campaign_id), self._clock.now()
                )
            campaign = await outbox.campaign(campaign_id)
            if campaign is not None:  # the progress message ends with what was sent
                await self.report(campaign, await outbox.progress(campaign_id), True)
        return cancelled

    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None:
        """Edit the organizer's progress message (the worker calls this now and then)."""
        if campaign.progress_chat is None or campaign.progress_message is None:
            return
        organizer = await self._db.users.get(campaign.progress_chat)
        t = self._catalogs.get(self._users.language_of(organizer) if organizer else None)
        text = progress_text(t, BroadcastStatus(campaign, progress), finished)
        await self._sender.edit(campaign.progress_chat, campaign.progress_message, t.directed(text))
