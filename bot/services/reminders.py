"""Reminders, "starting now" messages and the notices that follow a change of programme.

Nothing is scheduled per registrant: one job per event and offset, which, when it fires, queues
a campaign whose deliveries go to the event's confirmed registrants at that moment. Campaign
keys include the event's start, so firing twice queues once, and a moved event's reminders are
new ones. The database is the truth: at start-up the jobs are planned again from it, and a
reminder that fell due while the bot was down is sent if its event has not started yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Database, UnitOfWork, to_db
from bot.models import Audience, AudienceKind, CampaignKind, Event

REMINDER = CampaignKind.REMINDER
STARTING = CampaignKind.STARTING
FEEDBACK = CampaignKind.FEEDBACK  # after the end, to those who attended
FEEDBACK_DAYS = 7


@dataclass(frozen=True)
class Job:
    """One moment at which the bot writes to an event's registrants."""

    kind: CampaignKind  # REMINDER, STARTING or FEEDBACK
    event_id: int
    offset_minutes: int  # before the start; 0 for STARTING
    when: datetime

    @property
    def name(self) -> str:
        """Stable per event and offset, so rescheduling replaces rather than adds."""
        return f"{self.kind}:{self.event_id}:{self.offset_minutes}"


class Scheduler(Protocol):
    """Where jobs run (python-telegram-bot's JobQueue in the bot, a list in tests)."""

    def replace_jobs(self, event_id: int, jobs: list[Job]) -> None: ...


class ReminderService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        default_offsets: tuple[timedelta, ...],
        wake_worker: Callable[[], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._default_offsets = [int(o.total_seconds() // 60) for o in default_offsets]
        self._wake = wake_worker

    def jobs_of(self, event: Event, offsets: list[int]) -> list[Job]:
        jobs = [
            Job(REMINDER, event.event_id, minutes, event.starts_at - timedelta(minutes=minutes))
            for minutes in offsets
        ]
        return [
            *jobs,
            Job(STARTING, event.event_id, 0, event.starts_at),
            Job(FEEDBACK, event.event_id, 0, event.ends_at),
        ]

    async def offsets_of(self, event_id: int) -> list[int]:
        return await self._db.read(lambda u: u.outbox.event_offsets(event_id)) or list(
            self._default_offsets
        )

    async def programme_stamp(self) -> tuple[int, str]:
        """Changes whenever the programme does: a plan made at another stamp is out of date."""
        return await self._db.read(lambda u: u.events.stamp())

    async def plan(self) -> tuple[list[Job], list[Job]]:
        """At start-up: (jobs still to come, jobs that fell due while the bot was down)."""
        now = self._clock.now()
        custom = await self._db.read(lambda u: u.outbox.all_event_offsets(), heavy=True)
        upcoming, missed = [], []
        for event in await self._db.read(
            lambda u: u.events.scheduled_after(now - timedelta(days=1)), heavy=True
        ):
            offsets = custom.get(event.event_id, self._default_offsets)
            late: list[Job] = []
            for job in self.jobs_of(event, offsets):
                if job.when > now:
                    upcoming.append(job)
                elif self._still_useful(job, event, now):
                    late.append(job)
            missed += await self._worth_sending_late(late, now)
        return upcoming, missed

    async def _worth_sending_late(self, late: list[Job], now: datetime) -> list[Job]:
        """Of an event's reminders that fell due unsent, only the closest to the start goes
        out, and not even that one if a reminder at least as close was sent in that time
        (an event moved at the last minute must not remind its registrants twice)."""
        reminders = sorted((j for j in late if j.kind == REMINDER), key=lambda j: j.offset_minutes)
        others = [j for j in late if j.kind != REMINDER]
        if not reminders:
            return others
        latest = reminders[0]
        since = now - timedelta(minutes=latest.offset_minutes)
        sent = await self._db.read(
            lambda u: u.outbox.reminder_offsets_since(latest.event_id, since)
        )
        if any(offset <= latest.offset_minutes for offset in sent):
            return others
        return [latest, *others]

    @staticmethod
    def _still_useful(job: Job, event: Event, now: datetime) -> bool:
        """A job that fell due while the bot was down is sent late only if it still helps."""
        if job.kind == REMINDER:
            return event.starts_at > now
        if job.kind == STARTING:
            return event.ends_at > now
        return event.ends_at + timedelta(days=1) > now  # feedback: the day after at the latest

    async def jobs_for(self, event: Event) -> list[Job]:
        """The future jobs of one event (none once it is cancelled)."""
        if event.is_cancelled:
            return []
        now = self._clock.now()
        jobs = self.jobs_of(event, await self.offsets_of(event.event_id))
        return [job for job in jobs if job.when > now]

    async def fire(self, job: Job) -> int | None:
        """Queue the job's message for the event's confirmed registrants; idempotent."""
        event = await self._db.read(lambda u: u.events.by_id(job.event_id))
        now = self._clock.now()
        if event is None or event.is_cancelled or not self._still_useful(job, event, now):
            return None
        if job.kind == FEEDBACK and now < event.ends_at:
            return None
        key = f"{job.kind}:{event.event_id}:{job.offset_minutes}:{to_db(event.starts_at)}"
        audience = (
            AudienceKind.UNASKED_ATTENDEES if job.kind == FEEDBACK else AudienceKind.REGISTRANTS
        )
        payload: dict[str, object] = {
            "offset_minutes": job.offset_minutes,
            "starts_at": to_db(event.starts_at),
        }
        if job.kind == REMINDER:  # the last one promises nothing "before the start"
            offsets = await self.offsets_of(event.event_id)
            payload["last"] = job.offset_minutes <= min(offsets, default=0)
        queued = await self._db.write(
            lambda u: u.outbox.enqueue(
                job.kind,
                key,
                Audience(audience, event.event_id),
                payload,
                now,
                event_id=event.event_id,
            ),
            heavy=True,
        )
        self._wake()
        return queued[1] if queued else None

    async def ask_late_attendees(self, event: Event) -> None:
        """People marked present after the session (a report imported the next morning, a
        correction by hand) are asked for their feedback too, once, while it is open."""
        now = self._clock.now()
        if event.is_cancelled or not event.ends_at <= now < event.ends_at + timedelta(
            days=FEEDBACK_DAYS
        ):
            return
        await self._db.write(
            lambda u: u.outbox.enqueue(
                FEEDBACK,
                f"feedback:{event.event_id}:late:{to_db(now)}",
                Audience(AudienceKind.UNASKED_ATTENDEES, event.event_id),
                {"offset_minutes": 0, "starts_at": to_db(event.starts_at)},
                now,
                event_id=event.event_id,
            ),
            heavy=True,
        )
        self._wake()


def queue_moved_notice(
    uow: UnitOfWork, before: Event, after: Event, now: datetime, paid: bool = False
) -> None:
    """Tell everyone signed up that the start changed, in the change's unit of work."""
    # The time of the change is part of the key: moving A -> B -> A -> B says so three times.
    key = f"moved:{after.event_id}:{to_db(before.starts_at)}:{to_db(after.starts_at)}:{to_db(now)}"
    uow.outbox.enqueue(
        CampaignKind.MOVED,
        key,
        Audience(AudienceKind.SIGNED_UP, after.event_id),
        {"old_starts_at": to_db(before.starts_at)},
        now,
        event_id=after.event_id,
        paid=paid,
    )


def queue_cancelled_notice(
    uow: UnitOfWork, event: Event, now: datetime, paid: bool = False, by: int | None = None
) -> None:
    """Tell everyone signed up that the event is cancelled, in the cancellation's unit
    (`paid`: as a paid broadcast, see `bot.services.paid_notices`)."""
    uow.outbox.enqueue(
        CampaignKind.CANCELLED,
        # The time is part of the key: cancelled again after /restoreevent, it says so again.
        f"cancelled:{event.event_id}:{to_db(now)}",
        Audience(AudienceKind.SIGNED_UP, event.event_id),
        {},
        now,
        event_id=event.event_id,
        created_by=by,
        paid=paid,
    )
