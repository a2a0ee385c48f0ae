"""Reminder jobs on python-telegram-bot's JobQueue: replaced per event, whatever already ran."""

from __future__ import annotations

from datetime import timedelta

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services.container import offline_services
from bot.services.reminders import REMINDER, STARTING, Job
from handlers.context import BotContext
from handlers.jobs import JobQueueScheduler, follow_programme
from tests.conftest import START
from tests.programme_files import programme, row


async def test_replacing_an_events_jobs_after_one_of_them_ran(app: BotApplication) -> None:
    """A job that has already fired is gone from the queue; replacing or forgetting the event's
    jobs afterwards does not trip over it, and leaves exactly the new plan."""
    queue = app.job_queue
    assert queue is not None
    scheduler = JobQueueScheduler(queue)
    soon = START + timedelta(days=1)
    scheduler.replace_jobs(7, [Job(REMINDER, 7, 60, soon), Job(STARTING, 7, 0, soon)])
    [fired] = [job for job in queue.jobs() if job.name == "reminder:7:60"]
    fired.job.remove()  # what APScheduler does with a one-off job once it has run
    scheduler.replace_jobs(7, [Job(STARTING, 7, 0, soon + timedelta(hours=1))])
    assert event_jobs(app) == ["starting:7:0"]
    scheduler.forget_all()
    assert event_jobs(app) == []


def event_jobs(app: BotApplication) -> list[str]:
    """The queue's jobs but the bot's own periodic ones (re-planning, retention)."""
    assert app.job_queue is not None
    periodic = ("replan", "retention", "database-check", "follow-programme")
    return sorted(job.name or "" for job in app.job_queue.jobs() if job.name not in periodic)


async def test_a_programme_imported_on_the_command_line_is_planned_within_seconds(
    app: BotApplication, settings: Settings, clock: FrozenClock
) -> None:
    """`import-events` beside the running bot: the next check (every few seconds) plans the
    new session's reminders and "starting now"; a check with nothing new plans nothing."""
    assert app.job_queue is not None
    [follow] = [job for job in app.job_queue.jobs() if job.name == "follow-programme"]
    context = BotContext.from_job(follow, app)
    await follow_programme(context)
    assert event_jobs(app) == []
    async with offline_services(settings, clock) as command_line:
        await command_line.programme.import_now(
            programme([row("cli", START + timedelta(days=2))]), admin_id=None
        )
    await follow_programme(context)
    planned = event_jobs(app)
    assert sorted(name.split(":")[0] for name in planned) == [
        "feedback",
        "reminder",
        "reminder",
        "starting",
    ]
