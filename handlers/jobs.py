"""Reminder jobs on python-telegram-bot's JobQueue: named per event and offset, replaced on
every change, and planned again from the database at start-up and every few minutes."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from telegram.ext import Job as ScheduledJob
from telegram.ext import JobQueue

from bot.db import DatabaseGone
from bot.models import CampaignKind
from bot.services.container import Services
from bot.services.reminders import Job
from handlers.context import BotContext
from handlers.errors import stop_for_good

logger = logging.getLogger(__name__)

REPLAN_EVERY = timedelta(minutes=5)
# A programme imported on the command line while the bot runs: its reminders and "starting
# now" messages are planned within this long (one cheap aggregate query each time).
PROGRAMME_CHECK_EVERY = timedelta(seconds=10)
RETENTION_EVERY = timedelta(days=1)
DATABASE_CHECK_EVERY = timedelta(seconds=30)  # also checked before every write


class JobQueueScheduler:
    def __init__(self, job_queue: JobQueue[Any]) -> None:
        self._queue = job_queue
        # Each event's jobs as scheduled: removing them needs no search among all the jobs
        # (by name, that walk made re-planning 2,000 jobs quadratic: 2 s of a blocked loop).
        self._jobs: dict[int, list[ScheduledJob[Any]]] = {}
        self.planned_at: tuple[int, str] | None = None  # the programme's stamp when planned

    def forget_all(self) -> None:
        for jobs in self._jobs.values():
            for job in jobs:
                _remove(job)
        self._jobs.clear()

    def start_replanning(self) -> None:
        self._queue.run_repeating(
            replan, interval=REPLAN_EVERY, first=REPLAN_EVERY, name="replan", data=self
        )
        self._queue.run_repeating(
            follow_programme,
            interval=PROGRAMME_CHECK_EVERY,
            first=PROGRAMME_CHECK_EVERY,
            name="follow-programme",
            data=self,
        )
        self._queue.run_repeating(
            erase_expired, interval=RETENTION_EVERY, first=REPLAN_EVERY, name="retention"
        )
        self._queue.run_repeating(
            check_database,
            interval=DATABASE_CHECK_EVERY,
            first=DATABASE_CHECK_EVERY,
            name="database-check",
        )

    def replace_jobs(self, event_id: int, jobs: list[Job]) -> None:
        for job in self._jobs.pop(event_id, []):
            _remove(job)
        scheduled = [
            self._queue.run_once(fire, when=planned.when, name=planned.name, data=planned)
            for planned in jobs
        ]
        if scheduled:
            self._jobs[event_id] = scheduled


def _remove(job: ScheduledJob[Any]) -> None:
    """Unschedule a job; one that has already run is gone from the queue by itself."""
    with contextlib.suppress(JobLookupError):
        job.schedule_removal()


async def fire(context: BotContext) -> None:
    """A reminder's moment has come: queue it (the delivery worker sends it)."""
    assert context.job is not None and isinstance(context.job.data, Job)
    job = context.job.data
    queued = await context.services.reminders.fire(job)
    logger.info("Job %s queued %s deliveries", context.job.name, queued)
    if job.kind == CampaignKind.FEEDBACK:  # the session ended: the certificates it completes
        awarded = await context.services.certificates.award_ended(job.event_id)
        if awarded:
            logger.info("Session %s ended: %d certificates issued", job.event_id, awarded)


async def check_database(context: BotContext) -> None:
    """A quiet bot would notice a deleted database only at its next write: look regularly."""
    try:
        await context.services.check_database()
    except DatabaseGone as error:
        stop_for_good(context.application, error)


async def erase_expired(context: BotContext) -> None:
    """Once a day: personal data kept longer than RETENTION_DAYS after the last session goes."""
    services = context.services
    erased = await services.registrations.forget_expired(
        services.settings.retention, services.settings.admin_ids
    )
    if erased:
        logger.info("Retention: erased the personal data of %d people", erased)


async def replan(context: BotContext) -> None:
    """Catch changes made outside the bot (a CSV imported on the command line, a report
    imported there): reminders planned, certificates earned meanwhile issued."""
    assert context.job is not None and isinstance(context.job.data, JobQueueScheduler)
    await plan_all(context.job.data, context.services)
    awarded = await context.services.certificates.award_recent()
    if awarded:
        logger.info("Catching up: %d certificates issued", awarded)


async def follow_programme(context: BotContext) -> None:
    """Plan again as soon as the programme changed outside the bot (the command line)."""
    assert context.job is not None and isinstance(context.job.data, JobQueueScheduler)
    scheduler = context.job.data
    if await context.services.reminders.programme_stamp() != scheduler.planned_at:
        await plan_all(scheduler, context.services)
        context.services.delivery.wake()  # the notices it queued (a moved session) go now


async def plan_all(scheduler: JobQueueScheduler, services: Services) -> int:
    """Schedule every future job from the database and queue the ones missed while down."""
    scheduler.planned_at = await services.reminders.programme_stamp()  # before: none missed
    upcoming, missed = await services.reminders.plan()
    scheduler.forget_all()
    by_event: dict[int, list[Job]] = {}
    for job in upcoming:
        by_event.setdefault(job.event_id, []).append(job)
    for event_id, jobs in by_event.items():
        scheduler.replace_jobs(event_id, jobs)
    for job in missed:
        await services.reminders.fire(job)
    return len(upcoming)
