"""What follows a change of programme: notices to registrants, the waitlist, the reminders.

The notices and promotions are queued in the change's own unit of work (`follow_change`), so
an event is never moved or cancelled without its registrants being told, nor told of a change
that was rolled back. The reminder jobs, which live in memory, are planned again after the
commit (`ProgrammeHooks.replan`). Nothing is said about a session held (its start has passed,
by the one rule of `bot.services.exports.event_status`): a year's programme loaded or
corrected afterwards must not write to anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.db import UnitOfWork
from bot.models import Event
from bot.services.exports import HELD, event_status
from bot.services.registrations import fill_seats
from bot.services.reminders import (
    Job,
    ReminderService,
    Scheduler,
    queue_cancelled_notice,
    queue_moved_notice,
)


def follow_change(
    uow: UnitOfWork,
    before: Event | None,
    after: Event,
    now: datetime,
    paid: bool = False,
    by: int | None = None,
) -> bool:
    """Queue what a change of `before` into `after` means for people; True if it queued any
    message (so the delivery worker is woken once the unit of work is committed). `paid`:
    the notice of a cancellation or a move goes as a paid broadcast, chosen by `by`."""
    if after.is_cancelled:
        if before is not None and not before.is_cancelled:
            queue_cancelled_notice(uow, after, now, paid, by)
            return True
        return False
    if before is None:
        return False
    queued = False
    if tells_of_move(before, after, now):
        queue_moved_notice(uow, before, after, now, paid)
        queued = True
    if after.capacity is None or (before.capacity is not None and after.capacity > before.capacity):
        queued = bool(fill_seats(uow, after.event_id, after.code, now)) or queued
    return queued


def tells_of_move(before: Event, after: Event, now: datetime) -> bool:
    """Whether a change of start is told to everyone signed up: yes, unless the session is
    held after the change (moved into the past, or changed while it runs or after it)."""
    return before.starts_at != after.starts_at and not is_held(after, now)


def is_held(event: Event, now: datetime) -> bool:
    """The session took place (or is taking place): never offered, reminded or announced."""
    return event_status(event.status, event.starts_at, now) == HELD


class ProgrammeHooks:
    """After a committed change: the events' reminder jobs planned again, the worker woken."""

    def __init__(
        self, reminders: ReminderService, scheduler: Scheduler, wake_delivery: Callable[[], None]
    ) -> None:
        self._reminders = reminders
        self._scheduler = scheduler
        self._wake_delivery = wake_delivery

    async def replan(self, events: Iterable[Event], queued: bool) -> None:
        for event in events:
            self._scheduler.replace_jobs(event.event_id, await self._reminders.jobs_for(event))
        if queued:
            self._wake_delivery()


class NoScheduler:
    """For command-line tools, which do not run jobs: the bot plans them at its start-up."""

    def replace_jobs(self, event_id: int, jobs: list[Job]) -> None:
        return None
