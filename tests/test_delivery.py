"""The delivery engine: pace, retries, blocked users, crashes, audiences and reminders.

The worker is driven step by step with a fake sender and the injected clock; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.db.outbox import Campaign, Progress
from bot.models import Audience, AudienceKind, CampaignKind, Contact, Profile
from bot.problems import InputProblem
from bot.services import delivery
from bot.services.container import Services
from bot.services.delivery import (
    MAX_ATTEMPTS,
    Backlog,
    DeliveryWorker,
    Recipient,
    Rendered,
    Renderer,
)
from bot.services.reminders import REMINDER, STARTING, Job
from bot.services.sender import Buttons, Outcome, Result
from bot.services.users import UserService
from handlers.campaign_messages import CampaignMessages
from tests.conftest import START
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)


class FakeSender:
    """Records what it was asked to send; answers from a script, then SENT."""

    def __init__(
        self,
        script: Sequence[Result] = (),
        after: Callable[[int, Result], Awaitable[None]] | None = None,
    ) -> None:
        self.script = list(script)
        self.sent: list[tuple[int, str]] = []
        self.documents: list[tuple[str, bytes]] = []
        self.edits: list[tuple[int, int, str]] = []
        self.crash_on: int | None = None  # the process dies before this call reaches Telegram
        self.asked_paid: list[int] = []  # chats a paid send was asked for
        self._after = after  # what happens in the world once Telegram answered

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
        paid: bool = False,
    ) -> Result:
        if self.crash_on is not None and len(self.sent) == self.crash_on:
            raise asyncio.CancelledError
        result = self.script.pop(0) if self.script else Result(Outcome.SENT)
        if paid:
            self.asked_paid.append(chat_id)
        if result.outcome is Outcome.SENT:
            self.sent.append((chat_id, text))
            if document is not None:
                self.documents.append(document)
        if self._after is not None:
            await self._after(chat_id, result)
        return result

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()) -> Result:
        self.edits.append((chat_id, message_id, text))
        return Result(Outcome.SENT)

    async def post(self, chat_id: int, text: str) -> int | None:
        self.sent.append((chat_id, text))
        return len(self.sent)


class Plain:
    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        return Rendered(f"{recipient.campaign.kind} for {recipient.user.user_id}")


class Silent:
    def __init__(self) -> None:
        self.finished: list[Progress] = []
        self.refused: list[int] = []  # campaigns whose payment Telegram refused

    async def report(self, campaign: Campaign, progress: Progress, finished: bool) -> None:
        if finished:
            self.finished.append(progress)

    async def paid_refused(self, campaign: Campaign) -> None:
        self.refused.append(campaign.campaign_id)


class NoLimit:
    async def acquire(self, amount: float = 1) -> None:
        return None


def worker(
    db: Store,
    clock: FrozenClock,
    sender: FakeSender,
    sleeps: list[float] | None = None,
    reporter: Silent | None = None,
    renderer: Renderer | None = None,
) -> DeliveryWorker:
    """A delivery worker of the test's own (as a new process would start one)."""

    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    users = UserService(db.database, clock, "en", "UTC")
    return DeliveryWorker(
        db.database,
        users,
        sender,
        renderer or Plain(),
        reporter or Silent(),
        clock,
        limiter=NoLimit(),
        sleep=sleep,
    )


def real_messages(app: BotApplication) -> Renderer:
    """The bot's own campaign messages, as its worker writes them."""
    return CampaignMessages(app.bot_data.catalogs, "webinar_demo_bot")


async def people(services: Services, count: int, first: int = 1000) -> list[int]:
    ids = list(range(first, first + count))
    for user_id in ids:
        await services.users.touch(Contact(user_id, f"P{user_id}", language_code="en"))
    return ids


EVERYONE = Audience(AudienceKind.EVERYONE)


async def queue(services: Services, audience: Audience = EVERYONE) -> int:
    return await services.broadcasts.start(1, audience, {"default": "Hi"})


async def test_everyone_gets_it_once(services: Services, db: Store, clock: FrozenClock) -> None:
    """Each recipient is sent the message once and the campaign ends with a summary."""
    ids = await people(services, 25)
    campaign = await queue(services)
    sender, reporter = FakeSender(), Silent()
    engine = worker(db, clock, sender, reporter=reporter)
    assert await engine.drain_once() == 25
    assert await engine.drain_once() == 0
    assert sorted(chat for chat, _ in sender.sent) == ids
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=25)
    assert reporter.finished == [Progress(sent=25)]


async def test_a_stop_pressed_mid_batch_stops_at_once(
    services: Services, db: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker holds a batch of 100 in memory; Stop after the fifth message means five
    sent and the rest skipped, not the batch finished. (One copy in flight here: with
    several, those already handed to Telegram when Stop is recorded arrive too.)"""
    monkeypatch.setattr(delivery, "SENDS_IN_FLIGHT", 1)
    await people(services, 30)
    campaign = await queue(services)

    async def stop_after_five(chat_id: int, result: Result) -> None:
        if len(sender.sent) == 5:
            assert await services.broadcasts.cancel(campaign, admin_id=1)

    sender = FakeSender(after=stop_after_five)
    await worker(db, clock, sender).drain_once()
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=5, skipped=25)


async def test_a_429_is_obeyed_then_the_message_goes(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Flood control: the worker waits retry_after, then sends; the wait is not an attempt."""
    await people(services, 2)
    campaign = await queue(services)
    sleeps: list[float] = []
    sender = FakeSender([Result(Outcome.RETRY, retry_after=3.0, error="429")])
    engine = worker(db, clock, sender, sleeps)
    await engine.drain_once()
    await engine.drain_once()
    assert sleeps == [3.0]
    assert len(sender.sent) == 2
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=2)
    attempts = await db.fetch_all("SELECT attempts FROM deliveries ORDER BY delivery_id")
    assert [r[0] for r in attempts] == [1, 1]


async def test_a_blocked_user_is_marked_and_not_tried_again(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """403: the delivery counts as blocked, the user becomes inactive and later audiences skip
    them until they write again."""
    ids = await people(services, 3)
    campaign = await queue(services)

    async def blocked_for_good(chat_id: int, result: Result) -> None:
        if result.outcome is Outcome.BLOCKED:
            await db.write(lambda u: u.users.mark_blocked(chat_id, clock.now()))

    sender = FakeSender(
        [Result(Outcome.BLOCKED, error="Forbidden: bot was blocked by the user")],
        after=blocked_for_good,
    )
    await worker(db, clock, sender).drain_once()
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=2, blocked=1)
    blocked = await db.read(lambda u: u.users.get(ids[0]))
    assert blocked is not None and not blocked.is_active
    assert await services.broadcasts.audience_size(Audience(AudienceKind.EVERYONE)) == 2
    await services.users.touch(Contact(ids[0], "Back again", language_code="en"))
    assert await services.broadcasts.audience_size(Audience(AudienceKind.EVERYONE)) == 3


async def test_server_errors_back_off_then_fail_with_the_reason(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """5xx and network errors are retried later, a bounded number of times."""
    await people(services, 1)
    campaign = await queue(services)
    error = Result(Outcome.RETRY, error="Bad Gateway (502)")
    sender = FakeSender([error] * MAX_ATTEMPTS)
    engine = worker(db, clock, sender)
    for attempt in range(MAX_ATTEMPTS):
        assert await engine.drain_once() == 1
        assert await engine.drain_once() == 0  # not yet: it backs off
        clock.advance(timedelta(seconds=2 ** (attempt + 1)))
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(failed=1)
    row_ = await db.fetch_one("SELECT attempts, last_error FROM deliveries")
    assert row_ is not None and tuple(row_) == (MAX_ATTEMPTS, "Bad Gateway (502)")
    assert sender.sent == []


async def test_an_outage_pauses_everyone_without_using_up_their_attempts(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Telegram unreachable: the worker backs off as a whole (1 s, 2 s, 4 s...) and only the
    message that met the error counts an attempt; when it comes back, everything goes."""
    await people(services, 5)
    campaign = await queue(services)
    down = Result(Outcome.RETRY, error="httpx.ConnectError: connection refused")
    sleeps: list[float] = []
    sender = FakeSender([down, down, down])
    engine = worker(db, clock, sender, sleeps)
    await engine.drain_once()
    assert sleeps == [2.0, 4.0, 8.0]
    clock.advance(timedelta(minutes=1))
    await engine.drain_once()
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=5)
    attempts = await db.fetch_all("SELECT attempts FROM deliveries ORDER BY delivery_id")
    assert sorted(r[0] for r in attempts) == [1, 1, 2, 2, 2]


async def test_a_crash_in_the_middle_resumes_without_duplicates(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """The process dies after 7 of 20 messages; a new worker sends the other 13, once each."""
    ids = await people(services, 20)
    campaign = await queue(services)
    first = FakeSender()
    first.crash_on = 7
    with pytest.raises(asyncio.CancelledError):
        await worker(db, clock, first).drain_once()
    assert len(first.sent) == 7
    second = FakeSender()
    await worker(db, clock, second).drain_once()  # a new process: nothing in memory
    delivered = [chat for chat, _ in first.sent + second.sent]
    assert sorted(delivered) == ids  # nobody skipped, nobody twice
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=20)


async def test_one_message_a_second_per_chat(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Two campaigns for the same person: the second waits a second."""
    [user] = await people(services, 1)
    await queue(services, Audience(AudienceKind.USER, user))
    await queue(services, Audience(AudienceKind.EVERYONE))
    sender = FakeSender()
    engine = worker(db, clock, sender)
    await engine.drain_once()
    assert len(sender.sent) == 1
    clock.advance(timedelta(seconds=1))
    await engine.drain_once()
    assert len(sender.sent) == 2


async def test_audiences(services: Services, db: Store) -> None:
    """Everyone active, an event's registrants or waitlist, a language, a topic."""
    await services.programme.import_now(
        programme([row("a", SOON, capacity="1", topic="food-security"), row("b", SOON)]), None
    )
    ids = await people(services, 4)
    await services.users.choose_language(ids[3], "fr")
    for user in ids[:3]:
        await services.registrations.sign_up(user, "a")
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None
    size = services.broadcasts.audience_size
    assert await size(Audience(AudienceKind.EVERYONE)) == 4
    assert await size(Audience(AudienceKind.REGISTRANTS, event.event_id)) == 1
    assert await size(Audience(AudienceKind.WAITLIST, event.event_id)) == 2
    assert await size(Audience(AudienceKind.LANGUAGE, "fr")) == 1
    assert await size(Audience(AudienceKind.LANGUAGE, "en")) == 3
    assert await size(Audience(AudienceKind.TOPIC, "food-security")) == 3
    assert await size(Audience(AudienceKind.TOPIC, "e-commerce")) == 0


async def test_each_reader_gets_their_languages_version(
    app: BotApplication, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A French reader gets the French version; others the default one."""
    ids = await people(services, 2)
    await services.users.choose_language(ids[0], "fr")
    await services.broadcasts.start(
        1, Audience(AudienceKind.EVERYONE), {"default": "Hello", "fr": "Bonjour"}
    )
    sender = FakeSender()
    engine = worker(db, clock, sender, renderer=real_messages(app))
    await engine.drain_once()
    assert sorted(sender.sent) == [(ids[0], "Bonjour"), (ids[1], "Hello")]


async def confirmed(services: Services, *users: int) -> None:
    for user in users:
        await services.profiles.save(user, Profile("N", "KE", "Nairobi"), "Africa/Nairobi")
        await services.registrations.sign_up(user, "flood")


async def test_reminders_follow_the_registrants_and_the_clock(
    app: BotApplication, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A reminder job queues one delivery per confirmed registrant, once, in their zone and
    language; someone who cancelled before it is sent does not get it."""
    await services.programme.import_now(programme([row("flood", SOON)]), None)
    ids = await people(services, 3)
    await confirmed(services, *ids)
    await services.users.choose_language(ids[1], "ru")
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    job = Job(REMINDER, event.event_id, 60, SOON - timedelta(hours=1))
    clock.set(job.when)
    assert await services.reminders.fire(job) == 3
    assert await services.reminders.fire(job) is None  # fired twice, queued once
    await services.registrations.cancel(ids[2], "flood")
    sender = FakeSender()
    engine = worker(db, clock, sender, renderer=real_messages(app))
    await engine.drain_once()
    texts = dict(sender.sent)
    assert set(texts) == {ids[0], ids[1]}
    assert "starts in 1 hour" in texts[ids[0]] and "Nairobi (UTC+03:00)" in texts[ids[0]]
    assert "https://meet.example.org/flood" in texts[ids[0]]


async def test_the_plan_at_start_up(services: Services, db: Store, clock: FrozenClock) -> None:
    """Future jobs are planned from the database; of the reminders missed while down, the one
    closest to the start is sent if the event has not started, and none if it has."""
    await services.programme.import_now(
        programme(
            [
                row("later", START + timedelta(days=3)),
                row("soon", START + timedelta(minutes=30)),
            ]
        ),
        None,
    )
    upcoming, missed = await services.reminders.plan()
    names = {job.name for job in upcoming}
    later = await db.read(lambda u: u.events.by_code("later"))
    soon = await db.read(lambda u: u.events.by_code("soon"))
    assert later is not None and soon is not None
    assert {
        f"reminder:{later.event_id}:1440",
        f"reminder:{later.event_id}:60",
        f"starting:{later.event_id}:0",
    } <= names
    assert [(j.kind, j.event_id, j.offset_minutes) for j in missed] == [
        (REMINDER, soon.event_id, 60),
    ]
    clock.advance(timedelta(minutes=31))  # "soon" has started: its reminders are not sent
    _, missed = await services.reminders.plan()
    assert [(j.kind, j.event_id) for j in missed] == [(STARTING, soon.event_id)]


async def test_a_last_minute_move_does_not_remind_twice(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """The hour-before reminder went out; the event then moves 15 minutes later: the new
    hour-before moment is already past, and it is not sent again. Moved back and forth,
    each move is announced."""
    start = START + timedelta(hours=2)
    await services.programme.import_now(programme([row("flood", start)]), None)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    clock.set(start - timedelta(hours=1))
    assert await services.reminders.fire(Job(REMINDER, event.event_id, 60, clock.now())) == 0
    clock.advance(timedelta(minutes=30))
    moved = await services.events.change(event, "starts_at", start + timedelta(minutes=15), 5001)
    _, missed = await services.reminders.plan()
    assert [j for j in missed if j.kind == REMINDER] == []
    clock.advance(timedelta(minutes=1))
    back = await services.events.change(moved, "starts_at", start, 5001)
    clock.advance(timedelta(minutes=1))
    await services.events.change(back, "starts_at", start + timedelta(minutes=15), 5001)
    moves = await db.fetch_one("SELECT COUNT(*) FROM campaigns WHERE kind = 'moved'")
    assert moves is not None and moves[0] == 3


async def test_moving_and_cancelling_notify_and_replan(
    app: BotApplication, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A moved event notifies everyone signed up; reminders queued for the old time are
    skipped; a cancelled event notifies them and its reminders stop."""
    await services.programme.import_now(programme([row("flood", SOON)]), None)
    ids = await people(services, 2)
    await confirmed(services, *ids)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    old_job = Job(REMINDER, event.event_id, 1440, SOON - timedelta(days=1))
    clock.set(old_job.when)
    await services.reminders.fire(old_job)
    moved = await services.events.change(event, "starts_at", SOON + timedelta(days=1), 5001)
    sender = FakeSender()
    engine = worker(db, clock, sender, renderer=real_messages(app))
    await engine.drain_once()
    assert len(sender.sent) == 2 and all("has moved" in text for _, text in sender.sent)
    skipped = await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE status = 'skipped'")
    assert skipped is not None and skipped[0] == 2  # the reminder for the old time
    await services.events.cancel(moved, 5001)
    new_job = Job(REMINDER, event.event_id, 60, moved.starts_at - timedelta(hours=1))
    clock.set(new_job.when)
    assert await services.reminders.fire(new_job) is None
    clock.advance(timedelta(seconds=5))
    await engine.drain_once()
    assert sum("has been cancelled" in text for _, text in sender.sent) == 2


async def test_stopping_interrupts_a_wait_telegram_asked_for(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """SIGTERM during an hour-long retry_after ends the worker at once; the message stays
    pending for the next start."""
    await people(services, 1)
    await queue(services)
    asked = asyncio.Event()

    async def told_to_wait(chat_id: int, result: Result) -> None:
        asked.set()

    sender = FakeSender([Result(Outcome.RETRY, retry_after=3600.0)], after=told_to_wait)
    engine = DeliveryWorker(
        db.database,
        UserService(db.database, clock, "en", "UTC"),
        sender,
        Plain(),
        Silent(),
        clock,
        limiter=NoLimit(),
    )
    running = asyncio.create_task(engine.run())
    await asyncio.wait_for(asked.wait(), 5)
    engine.stop()
    await asyncio.wait_for(running, 2)  # not an hour
    assert await db.fetch_all("SELECT status FROM deliveries") == [("pending",)]


async def test_a_send_with_no_answer_is_not_sent_again() -> None:
    """A Bot API that does not answer within the (long) timeout may have delivered the
    message: the delivery is not retried, so nobody gets a broadcast twice."""
    from typing import Any

    from telegram.error import NetworkError, TimedOut

    from bot.services.sender import Outcome
    from handlers.sender import TelegramSender

    class SlowBot:
        def __init__(self, error: Exception) -> None:
            self.error = error

        async def send_message(self, **params: Any) -> None:
            raise self.error

    def sender(error: Exception) -> TelegramSender:
        return TelegramSender(SlowBot(error))  # type: ignore[arg-type]

    timed_out = await sender(TimedOut()).send(1, "hello")
    assert timed_out.outcome is Outcome.FAILED and "not sent again" in (timed_out.error or "")
    unreachable = await sender(NetworkError("connect failed")).send(1, "hi")
    assert unreachable.outcome is Outcome.RETRY  # never reached Telegram: safe to retry


async def test_a_scheduled_broadcast_waits_for_its_time_then_goes_once(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Scheduled: no deliveries, not closed as finished, and the worker's next wake-up is its
    time; then it is queued once (a second pass queues nothing more) and ends as usual."""
    await people(services, 3)
    later = START + timedelta(hours=1)
    campaign = await services.broadcasts.schedule(1, EVERYONE, {"default": "Hi"}, later)
    assert campaign.is_waiting and campaign.send_at == later
    assert await db.read(lambda u: u.outbox.next_due_at()) == later
    sender, reporter = FakeSender(), Silent()
    engine = worker(db, clock, sender, reporter=reporter)
    assert await engine.drain_once() == 0
    assert reporter.finished == [] and sender.sent == []
    status = await db.fetch_one("SELECT status, queued_at FROM campaigns")
    assert status == ("running", None)
    clock.advance(timedelta(hours=1))
    assert await engine.drain_once() == 3
    assert await engine.drain_once() == 0
    assert await worker(db, clock, FakeSender()).drain_once() == 0  # another process: nothing
    assert reporter.finished == [Progress(sent=3)]
    assert await db.fetch_one("SELECT status, queued_at FROM campaigns") == (
        "done",
        "2026-11-28T10:00:00+00:00",
    )
    assert not await services.broadcasts.cancel(campaign.campaign_id, 1, only_waiting=True)


async def test_a_broadcast_cannot_be_scheduled_in_the_past_or_beyond_a_year(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """The service refuses what the chat refuses, whoever calls it; nothing is stored."""
    for when in (START, START - timedelta(minutes=1), START + timedelta(days=367)):
        with pytest.raises(InputProblem):
            await services.broadcasts.schedule(1, EVERYONE, {"default": "Hi"}, when)
    assert await db.fetch_all("SELECT * FROM campaigns") == []
    assert await services.broadcasts.schedule(
        1, EVERYONE, {"default": "Hi"}, START + timedelta(days=366)
    )


async def test_a_session_without_link_promises_it_only_while_it_can(
    app: BotApplication, services: Services, db: Store, clock: FrozenClock
) -> None:
    """No join link yet: the day-before reminder says it will come before the start; the
    last reminder and the "starting now" message make no promise they cannot keep. With a
    link, the last reminder gives it."""
    await services.programme.import_now(
        programme([row("flood", SOON, join_url=""), row("linked", SOON)]), None
    )
    ids = await people(services, 1)
    await confirmed(services, *ids)
    await services.registrations.sign_up(ids[0], "linked")
    flood = await db.read(lambda u: u.events.by_code("flood"))
    linked = await db.read(lambda u: u.events.by_code("linked"))
    assert flood is not None and linked is not None
    sender = FakeSender()
    engine = worker(db, clock, sender, renderer=real_messages(app))

    async def told(event_id: int, kind: CampaignKind, offset: int) -> str:
        clock.set(SOON - timedelta(minutes=offset) + timedelta(seconds=1))
        await services.reminders.fire(Job(kind, event_id, offset, clock.now()))
        await engine.drain_once()
        return sender.sent[-1][1]

    day_before = await told(flood.event_id, REMINDER, 1440)
    assert "I will send it with the next reminder or when the session starts." in day_before
    hour_before = await told(flood.event_id, REMINDER, 60)
    assert "before the session starts" not in hour_before
    assert (
        "There is no join link yet: if the organizers add it, I will send it to you when the "
        "session starts." in hour_before
    )
    assert "https://meet.example.org/linked" in await told(linked.event_id, REMINDER, 30)
    starting = await told(flood.event_id, STARTING, 0)
    assert "before the session starts" not in starting
    assert (
        "The organizers have not shared a join link yet; /my will show it as soon as they do."
        in starting
    )


class WithFile(Plain):
    """Each message with a file made when it is sent (as a certificate's PDF is), counted."""

    def __init__(self) -> None:
        self.made = 0

    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        rendered = super().render(recipient, now)
        assert rendered is not None

        def make() -> tuple[str, bytes]:
            self.made += 1
            return "paper.pdf", b"%PDF-1.7 " + str(recipient.user.user_id).encode()

        return replace(rendered, make_document=make)


async def test_a_file_made_at_sending_is_made_once_despite_retries(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """A 429 then a busy chat: the same file goes when the message finally goes, made once
    (a certificate is not drawn again for each try)."""
    await people(services, 1)
    campaign = await queue(services)
    renderer = WithFile()
    sender = FakeSender(
        [
            Result(Outcome.RETRY, retry_after=1.0, error="429"),
            Result(Outcome.BUSY, retry_after=1.0),
        ]
    )
    engine = worker(db, clock, sender, [], renderer=renderer)
    for _ in range(3):
        await engine.drain_once()
        clock.advance(timedelta(seconds=2))
    assert renderer.made == 1
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=1)
    assert sender.documents == [("paper.pdf", b"%PDF-1.7 1000")]


async def test_a_file_that_cannot_be_made_fails_its_delivery_only(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    await people(services, 3)
    campaign = await queue(services)

    class Broken(WithFile):
        def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
            rendered = super().render(recipient, now)
            assert rendered is not None and rendered.make_document is not None
            if recipient.user.user_id != 1001:
                return rendered

            def fail() -> tuple[str, bytes]:
                raise ValueError("a logo that is no image")

            return replace(rendered, make_document=fail)

    sender = FakeSender()
    await worker(db, clock, sender, renderer=Broken()).drain_once()
    assert sorted(chat for chat, _ in sender.sent) == [1000, 1002]
    failed = await db.fetch_all(
        "SELECT user_id, last_error FROM deliveries WHERE status = 'failed'"
    )
    assert failed == [(1001, "file not made")]
    assert await db.read(lambda u: u.outbox.progress(campaign)) == Progress(sent=2, failed=1)


async def test_each_worker_learns_how_many_processes_send_deliveries(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Two processes' workers on one database: the second to claim a batch while the first
    still sends its own learns that two send now (their schedulers split the deliveries'
    share of Telegram's budget between them)."""
    await people(services, 250)
    await queue(services)
    counted: dict[str, list[int]] = {"a": [], "b": []}
    users = UserService(db.database, clock, "en", "UTC")

    def process(owner: str, sender: FakeSender) -> DeliveryWorker:
        return DeliveryWorker(
            db.database,
            users,
            sender,
            Plain(),
            Silent(),
            clock,
            limiter=NoLimit(),
            owner=owner,
            senders_counted=counted[owner].append,
        )

    async def meanwhile_b(chat_id: int, result: Result) -> None:
        if len(to_a.sent) == 1:  # A's batch is claimed and being sent
            assert await second.drain_once() == 100

    to_a, to_b = FakeSender(after=meanwhile_b), FakeSender()
    first, second = process("a", to_a), process("b", to_b)
    assert await first.drain_once() == 100
    assert counted == {"a": [1], "b": [2]}
    assert await first.drain_once() == 50
    assert counted["a"] == [1, 1]  # B's batch is finished: A sends alone again
    assert sorted(chat for chat, _ in to_a.sent + to_b.sent) == list(range(1000, 1250))


async def test_a_worker_that_telegram_refuses_for_minutes_is_seen_stalled(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Telegram answers every message with 429 for six minutes: each refused delivery is
    rescheduled (its own age stays short), but the worker got nowhere, and the health check
    says it is stalled; once a message goes, or nothing is left to send, it is not."""
    from bot.web.health import Health

    await people(services, 3)
    await queue(services)
    refusing = FakeSender([Result(Outcome.RETRY, retry_after=1.0, error="429")] * 1_000)
    started = clock.now()
    engine = worker(db, clock, refusing, sleeps=[])
    await engine.drain_once()  # a batch, refused

    def health(backlog: Backlog) -> Health:
        return Health(
            clock.now(),
            None,
            False,
            due=backlog.due,
            oldest_waited=backlog.oldest_waited,
            worker_running=True,
            progress_at=backlog.progress_at,
        )

    for _ in range(6):
        clock.advance(timedelta(minutes=1))
        await engine.drain_once()
    backlog = await engine.backlog()
    assert backlog.due == 3 and backlog.oldest_waited >= 360  # since the notice was queued
    assert backlog.progress_at is not None and backlog.progress_at <= started
    assert health(backlog).stalled
    refusing.script.clear()  # Telegram takes messages again
    await engine.drain_once()
    assert not health(await engine.backlog()).stalled


async def test_a_paid_notice_whose_payment_runs_out_counts_what_was_paid(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """A paid notice to five people: two go paid, then Telegram refuses to be paid (the bot's
    Stars are spent; the sender sent that one unpaid). The rest go unpaid, the organizer is
    told once, and the budget still counts the two that were paid: it is money spent."""
    ids = await people(services, 5)
    now = clock.now()
    queued = await db.write(
        lambda uow: uow.outbox.enqueue(
            CampaignKind.BROADCAST, "urgent", EVERYONE, {"default": "Hi"}, now, paid=True
        )
    )
    assert queued is not None
    assert await db.read(lambda u: u.outbox.paid_messages()) == 5  # all to send, paid
    refused = Result(Outcome.SENT, paid_refused=True)
    sender = FakeSender([Result(Outcome.SENT), Result(Outcome.SENT), refused])
    reporter = Silent()
    engine = worker(db, clock, sender, reporter=reporter)
    await engine.drain_once()
    assert sorted(chat for chat, _ in sender.sent) == ids
    assert len(sender.asked_paid) == 3  # the rest were not asked to be paid
    assert reporter.refused == [queued[0]]
    assert await db.read(lambda u: u.outbox.paid_messages()) == 2
    rows = await db.fetch_all("SELECT paid FROM campaigns")
    assert [r[0] for r in rows] == [0]
