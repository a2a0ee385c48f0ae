"""Reminder jobs on python-telegram-bot's JobQueue: replaced per event, whatever already ran."""

from __future__ import annotations

from datetime import timedelta

from bot.app import BotApplication
from bot.services.reminders import REMINDER, STARTING, Job
from handlers.jobs import JobQueueScheduler
from tests.conftest import START


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
    periodic = ("replan", "retention", "database-check")
    return sorted(job.name or "" for job in app.job_queue.jobs() if job.name not in periodic)
