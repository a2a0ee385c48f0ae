"""Broadcasts: an organizer's announcement to everyone or to a segment, with progress.

A broadcast goes at once or at a time the organizer chose. A scheduled one waits in the
database (a campaign with `send_at` and no deliveries), so a restart in between changes
nothing; the delivery worker queues it when its time comes, for the audience *as it is
then*: "everyone" is everyone on that day, and the registrants of a session are those
registered by then. The organizer who scheduled it gets the usual progress message as it
starts, and can cancel it until then.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.outbox import Campaign, Progress
from bot.i18n import N_, SUPPORTED_LANGUAGES, resolve_language
from bot.models import Audience, AudienceKind, CampaignKind, CampaignStatus, Event
from bot.problems import InputProblem
from bot.services.event_fields import parse_local_time
from bot.services.users import UserService

MAX_AHEAD = timedelta(days=366)  # how far ahead a broadcast can be scheduled
DEFAULT = "default"  # the texts' key of the version for everyone without one of their own
# Audiences that exist only once a session has taken place.
HELD_SESSION_AUDIENCES = frozenset({AudienceKind.ATTENDEES, AudienceKind.NO_SHOWS})


def session_audience_problem(kind: AudienceKind, event: Event, now: datetime) -> str | None:
    """Why `event` cannot give this audience now, if it cannot (a message marked with N_,
    with {title} and {when} placeholders): nobody has attended, or missed, a session that
    has not started yet or that was cancelled."""
    if kind not in HELD_SESSION_AUDIENCES:
        return None
    if event.is_cancelled:
        return N_("“{title}” was cancelled: nobody attended it or missed it.")
    if event.starts_at > now:
        return N_(
            "“{title}” has not started yet (it starts {when}), so nobody has attended it or "
            "missed it. Send the code of a session that has taken place."
        )
    return None


def parse_send_at(raw: str, zone: str, now: datetime) -> datetime:
    """A sending time typed in the organizer's zone ("2026-12-03 14:00"), in UTC; refused
    (InputProblem) when it has passed or is more than MAX_AHEAD away."""
    return check_send_at(parse_local_time(raw, zone), now, raw)


def check_send_at(moment: datetime, now: datetime, shown: str) -> datetime:
    if moment <= now:
        raise InputProblem(
            N_("“{value}” has already passed. Please give a time in the future."), value=shown[:60]
        )
    if moment > now + MAX_AHEAD:
        raise InputProblem(
            N_(
                "“{value}” is more than a year away. A broadcast can be scheduled up to a "
                "year ahead."
            ),
            value=shown[:60],
        )
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Reach:
    """Who gets which version of a broadcast: recipients by the language they read, as the
    delivery worker picks their version (their language's, else the default one)."""

    by_language: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_language.values())

    def of_version(self, language: str) -> int:
        return self.by_language.get(language, 0)

    def without_version(self, versions: set[str]) -> dict[str, int]:
        """Recipients by language of the languages that have no version in `versions`: those
        who get the default version, most first."""
        found = {code: n for code, n in self.by_language.items() if code not in versions and n}
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


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
        elapsed = (self.as_of - self.campaign.started_at).total_seconds() if self.as_of else 0.0
        rate = done / elapsed if done and elapsed > 0 else fallback_rate
        return progress.pending / rate


@dataclass(frozen=True)
class Reader:
    """The organizer a progress message is for: their language, and their zone for the
    expected end."""

    language: str
    timezone: str


class ProgressDisplay(Protocol):
    """Shows an organizer how their broadcast is going (an edited message in their chat)."""

    async def show(
        self, chat_id: int, message_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> None: ...

    async def announce(
        self, chat_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> int | None:
        """Show it in a new message; its id, or None if it could not be sent."""
        ...

    async def paid_refused(self, chat_id: int, event: Event, reader: Reader) -> None:
        """Tell the organizer that the paid notice about `event` goes on at the usual pace."""
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

    async def reach(self, audience: Audience) -> Reach:
        """The audience counted by the language each recipient reads (one grouped query)."""
        pairs = await self._db.read(
            lambda u: u.outbox.count_audience_by_language(audience), heavy=True
        )
        default = self._users.default_language
        counts = dict.fromkeys(SUPPORTED_LANGUAGES, 0)
        for (chosen, telegram), count in pairs.items():
            language = resolve_language(chosen, telegram, default)
            counts[language] = counts.get(language, 0) + count
        return Reach(counts)

    def draft(self, admin_id: int, audience: Audience, texts: dict[str, str]) -> Campaign:
        """The broadcast as it would be, not stored: what previews and test copies are
        written from, by the delivery worker's own renderer."""
        now = self._clock.now()
        return Campaign(
            campaign_id=0,
            kind=CampaignKind.BROADCAST,
            event_id=None,
            payload={"texts": texts},
            audience=audience.describe(),
            created_by=admin_id,
            status=CampaignStatus.RUNNING,
            progress_chat=None,
            progress_message=None,
            created_at=now,
            number=0,
        )

    async def start(
        self, admin_id: int, audience: Audience, texts: dict[str, str], draft: str | None = None
    ) -> int:
        """Queue the broadcast; returns its campaign id. `texts` has a "default" entry.

        `draft` names what the organizer confirmed (their preview): confirming it again (the
        same press handled again after a crash, a double tap) finds the broadcast queued
        the first time instead of sending it twice."""
        now = self._clock.now()
        key = f"broadcast:{admin_id}:{draft or secrets.token_hex(8)}"

        def work(uow: UnitOfWork) -> int:
            queued = uow.outbox.enqueue(
                CampaignKind.BROADCAST, key, audience, {"texts": texts}, now, created_by=admin_id
            )
            if queued is None:
                existing = uow.outbox.by_key(key)
                assert existing is not None
                return existing
            uow.audit.record(admin_id, "broadcast", audience.describe(), now)
            return queued[0]

        campaign_id = await self._db.write(work, heavy=True)
        self._awaiting_message.add(campaign_id)
        self._wake()
        return campaign_id

    async def schedule(
        self,
        admin_id: int,
        audience: Audience,
        texts: dict[str, str],
        send_at: datetime,
        draft: str | None = None,
    ) -> Campaign:
        """Keep the broadcast until `send_at` (UTC, checked as `parse_send_at` does); its
        audience is taken when it goes. Returns the waiting campaign. `draft` as for
        `start`: scheduling the same preview again finds the broadcast kept the first time."""
        now = self._clock.now()
        check_send_at(send_at, now, send_at.isoformat())
        key = f"broadcast:{admin_id}:{draft or secrets.token_hex(8)}"

        def work(uow: UnitOfWork) -> Campaign:
            existing = uow.outbox.by_key(key)
            if existing is not None:
                campaign = uow.outbox.campaign(existing)
                assert campaign is not None
                return campaign
            campaign_id = uow.outbox.enqueue_later(
                CampaignKind.BROADCAST,
                key,
                audience,
                {"texts": texts},
                now,
                send_at,
                created_by=admin_id,
            )
            uow.audit.record(
                admin_id,
                "schedule-broadcast",
                f"{campaign_id} {audience.describe()} at {send_at.isoformat()}",
                now,
            )
            campaign = uow.outbox.campaign(campaign_id)
            assert campaign is not None
            return campaign

        campaign = await self._db.write(work)
        self._wake()  # the worker sleeps until the soonest thing it has to do
        return campaign

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

    async def recent(self, limit: int = 10, created_by: int | None = None) -> list[BroadcastStatus]:
        """Every broadcast waiting for its time (soonest first; however old, so each can be
        cancelled), then the latest `limit` others; only one organizer's with `created_by`."""

        def work(uow: UnitOfWork) -> list[BroadcastStatus]:
            kind = CampaignKind.BROADCAST
            waiting = uow.outbox.waiting(kind, created_by)
            latest = uow.outbox.recent(kind, limit + len(waiting), created_by)
            others = [c for c in latest if not c.is_waiting][:limit]
            return [
                BroadcastStatus(c, uow.outbox.progress(c.campaign_id)) for c in waiting + others
            ]

        return await self._db.read(work, heavy=True)

    async def status(self, campaign_id: int) -> BroadcastStatus | None:
        def work(uow: UnitOfWork) -> BroadcastStatus | None:
            campaign = uow.outbox.campaign(campaign_id)
            if campaign is None or campaign.kind != CampaignKind.BROADCAST:
                return None
            return BroadcastStatus(campaign, uow.outbox.progress(campaign_id))

        return await self._db.read(work, heavy=True)

    async def cancel(self, campaign_id: int, admin_id: int, *, only_waiting: bool = False) -> bool:
        """Stop a broadcast that is sending, or cancel one waiting for its time (nothing of
        it is sent); `only_waiting`: only the latter. False when it had ended, been stopped
        or cancelled already, or (`only_waiting`) has started."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> tuple[BroadcastStatus, bool] | None:
            before = uow.outbox.campaign(campaign_id)
            if before is None or (only_waiting and not before.is_waiting):
                return None
            if not uow.outbox.cancel(campaign_id, CampaignKind.BROADCAST, now):
                return None
            action = "cancel-scheduled-broadcast" if before.is_waiting else "cancel-broadcast"
            uow.audit.record(admin_id, action, str(campaign_id), now)
            campaign = uow.outbox.campaign(campaign_id)
            assert campaign is not None
            return BroadcastStatus(campaign, uow.outbox.progress(campaign_id)), before.is_waiting

        done = await self._db.write(work, heavy=True)
        if done is None:
            return False
        stopped, was_waiting = done
        if not was_waiting:  # the progress message ends with what was sent
            await self.report(stopped.campaign, stopped.progress, True)
        return True

    async def _reader(self, chat: int) -> Reader:
        organizer = await self._users.get(chat)
        if organizer is None:
            return Reader(self._users.default_language, self._users.default_timezone)
        return Reader(self._users.language_of(organizer), self._users.timezone_of(organizer))

    async def paid_refused(self, campaign: Campaign) -> None:
        """Telegram refused to be paid for a paid notice (the bot's Stars are spent, or paid
        broadcasts are not allowed to it): the organizer who chose it learns that the rest
        goes at the usual pace (they were told "at once")."""
        event_id = campaign.event_id
        if campaign.created_by is None or event_id is None:
            return
        event = await self._db.read(lambda uow: uow.events.by_id(event_id))
        if event is not None:
            reader = await self._reader(campaign.created_by)
            await self._display.paid_refused(campaign.created_by, event, reader)

    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None:
        """Edit the organizer's progress message (the worker calls this now and then).

        A broadcast whose progress message was never recorded (the bot stopped between
        queueing it and hearing back from Telegram) ends with the summary as a new message
        to the organizer who sent it: they always learn what was sent."""
        if campaign.kind == CampaignKind.BROADCAST and campaign.progress_chat is None:
            chat = campaign.created_by
        else:
            chat = campaign.progress_chat
        if campaign.progress_message is None:
            # A scheduled broadcast starting gets its progress message now (nobody is waiting
            # for Telegram's answer to a Send); others get one only for the summary.
            starting = not finished and campaign.send_at is not None
            if not (starting or finished) or campaign.campaign_id in self._awaiting_message:
                return
        if chat is None:
            return
        reader = await self._reader(chat)
        status = BroadcastStatus(campaign, progress, self._clock.now())
        if campaign.progress_message is None:
            message = await self._display.announce(chat, status, finished, reader)
            if message is not None:
                await self.watch(campaign.campaign_id, chat, message)
            return
        await self._display.show(chat, campaign.progress_message, status, finished, reader)
