"""What follows a change of programme: notices to registrants, the waitlist, the reminders."""

from __future__ import annotations

from bot.models import Event
from bot.services.registrations import RegistrationService
from bot.services.reminders import Job, ReminderService, Scheduler


class ProgrammeHooks:
    def __init__(
        self, reminders: ReminderService, registrations: RegistrationService, scheduler: Scheduler
    ) -> None:
        self._reminders = reminders
        self._registrations = registrations
        self._scheduler = scheduler

    async def created(self, event: Event) -> None:
        self._scheduler.replace_jobs(event.event_id, await self._reminders.jobs_for(event))

    async def changed(self, before: Event, after: Event) -> None:
        if before.starts_at != after.starts_at and not after.is_cancelled:
            await self._reminders.event_moved(before, after)
        if after.capacity is None or (
            before.capacity is not None and after.capacity > before.capacity
        ):
            await self._registrations.fill_freed_seats(after.code)
        self._scheduler.replace_jobs(after.event_id, await self._reminders.jobs_for(after))

    async def cancelled(self, event: Event) -> None:
        await self._reminders.event_cancelled(event)
        self._scheduler.replace_jobs(event.event_id, [])


class NoScheduler:
    """For command-line tools, which do not run jobs: the bot plans them at its start-up."""

    def replace_jobs(self, event_id: int, jobs: list[Job]) -> None:
        return None
