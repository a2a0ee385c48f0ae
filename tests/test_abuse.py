"""Hostile or careless users: floods, long and strange messages, forged buttons."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.db.inbox import Arrival
from bot.devtools.emulator import BotApiEmulator
from bot.models import Audience, AudienceKind, CampaignKind, Contact
from bot.offsets import parse_offsets
from bot.problems import InputProblem
from bot.services.container import Services
from bot.update_processor import PerUserUpdateProcessor
from handlers.durable_updates import DurableState
from handlers.flood import BURST, Admission, FloodGuard
from tests.conftest import ANY_CHARACTER, START, ChatDriver, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

NOTICE = "You are sending messages faster than I can answer. I will answer again in a few seconds."


async def test_a_flood_is_cut_with_one_notice_and_others_are_unaffected(
    amina: ChatDriver, app: BotApplication, emulator: BotApiEmulator
) -> None:
    """Thirty messages at once: twenty answered, one notice, the rest dropped; another user is
    answered normally meanwhile; after a pause the flooder is answered again."""
    replies: list[str] = []
    for _ in range(30):
        replies += texts(await amina.send("/help", pace=timedelta(0)))
    assert len(replies) == 21
    assert replies.count(NOTICE) == 1
    other = chat_as(app, emulator, id=7777, first_name="Other", language_code="en")
    assert len(texts(await other.send("/help", pace=timedelta(0)))) == 1
    assert len(texts(await amina.send("/help", pace=timedelta(seconds=11)))) == 1


async def test_a_flood_is_counted_as_it_was_sent_not_as_it_is_handled(
    amina: ChatDriver, app: BotApplication, emulator: BotApiEmulator, clock: FrozenClock
) -> None:
    """Thirty messages sent within a second reach the bot while it is slow (a second between
    two of them being handled): still a flood, cut at twenty with one notice, instead of a
    reply a second for half a minute."""
    sent = [emulator.user_message(amina.user, "/help") for _ in range(30)]
    replies: list[str] = []
    for update in sent:
        clock.advance(timedelta(seconds=1))
        mark = len(emulator.calls)
        await app.process_update(Update.de_json(update, app.bot))
        replies += texts(emulator.calls[mark:])
    assert len(replies) == 21
    assert replies.count(NOTICE) == 1


async def test_a_long_flood_gets_one_notice_and_a_new_flood_another(
    amina: ChatDriver, app: BotApplication, emulator: BotApiEmulator
) -> None:
    """Five messages a second for thirty seconds (three windows of the guard): one notice in
    all, and no more replies than the guard's burst in each window; after a quiet spell, a new
    flood is told again."""
    replies: list[str] = []
    for _ in range(150):
        replies += texts(await amina.send("/help", pace=timedelta(milliseconds=200)))
    assert replies.count(NOTICE) == 1
    assert 2 * BURST <= len(replies) - 1 <= 3 * BURST + 1
    again: list[str] = []
    for number in range(30):
        pause = timedelta(seconds=11) if number == 0 else timedelta(0)
        again += texts(await amina.send("/help", pace=pause))
    assert again.count(NOTICE) == 1


def test_the_flood_guard_remembers_only_the_active_crowd() -> None:
    """100,000 different users, 100 a second: the guard keeps about the last ten seconds of
    them, not everyone it ever met, and a flooder in that crowd stays held back."""
    guard = FloodGuard()
    start = datetime(2026, 11, 28, tzinfo=UTC)
    for _ in range(BURST):
        assert guard.admit(1, start) is Admission.ANSWER
    assert guard.admit(1, start) is Admission.DROP_AND_WARN
    for i in range(100_000):
        now = start + timedelta(milliseconds=10 * i)
        assert guard.admit(1_000_000 + i, now) is Admission.ANSWER
        if i == 500:
            assert guard.admit(1, now) is Admission.DROP  # still flooding, already told
    assert guard.remembered <= 3 * 1_000


async def test_odd_texts_get_an_answer(amina: ChatDriver) -> None:
    """A 4,096-character message, control and zero-width characters, right-to-left overrides."""
    for text in (
        "x" * 4096,
        "\u200b\u200b",
        "\u202eevil\u202c",
        "\x00\x07bell",
        "🙂" * 500,
        "<b>not markup</b>",
        "/start " + "a" * 4000,
    ):
        replies = texts(await amina.send(text))
        assert replies, repr(text[:20])
        assert all(len(reply) <= 4096 for reply in replies)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(ANY_CHARACTER, max_size=40))
def test_reminder_times_parse_or_explain(raw: str) -> None:
    """Whatever an organizer types after /reminders CODE, it parses or gets a clear problem."""
    minutes: list[int] = []
    problem: InputProblem | None = None
    try:
        minutes = parse_offsets(raw)
    except InputProblem as exc:
        problem = exc
    if problem is not None:
        assert problem.problem.message
    else:
        assert minutes == sorted(set(minutes), reverse=True)
        assert 1 <= len(minutes) <= 5


async def test_forged_numbers_in_admin_and_check_in_buttons_change_nothing(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Overflowing ids, a stranger marked present, a reminder stopped as if it were a
    broadcast: each is refused as an inactive button, logs no error and writes nothing."""
    await services.programme.import_now(
        programme([row("flood", START + timedelta(days=2))]), admin_id=None
    )
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    await services.users.touch(Contact(424242, "Stranger"))
    queued = await db.write(
        lambda u: u.outbox.enqueue(
            CampaignKind.REMINDER,
            "r-flood",
            Audience(AudienceKind.REGISTRANTS, event.event_id),
            {},
            START,
        )
    )
    assert queued is not None
    reminder = queued[0]
    await organizer.settle(language="en")
    huge = "9" * 25
    for data in (
        f"at:{event.event_id}:424242:0",  # exists, but never registered
        f"at:{event.event_id}:p:{huge}",
        f"at:{huge}:p:0",
        f"bc:x:{huge}",
        f"bc:x:{reminder}",
    ):
        calls = await organizer.press(data, message_id=1)
        assert texts(calls) == ["This button is no longer active."], data
    await amina.send("/help")
    for data in (f"ci:{huge}", f"fb:{huge}:5"):
        calls = await amina.press(data, message_id=1)
        assert texts(calls) == ["This button is no longer active."], data
    assert await db.fetch_all("SELECT * FROM attendance") == []
    [status] = await db.fetch_all("SELECT status FROM campaigns WHERE campaign_id = ?", (reminder,))
    assert status[0] == "running"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_flooders_updates_beyond_ten_waiting_are_dropped_at_arrival() -> None:
    """Thirty updates from one person arrive while the first is still being handled: ten
    wait their turn, the rest are dropped at once (and reported as handled, for the inbox);
    someone else's update goes straight through meanwhile."""
    processor = PerUserUpdateProcessor(max_queued_per_user=10)
    dropped: list[int] = []
    processor.on_dropped = lambda update: dropped.append(update.update_id)
    release = asyncio.Event()
    handled: list[int] = []

    async def handle(update_id: int) -> None:
        await release.wait()
        handled.append(update_id)

    def update(update_id: int, user_id: int) -> Update:
        user = {"id": user_id, "is_bot": False, "first_name": "F"}
        message = {"message_id": update_id, "date": 0, "chat": {"id": user_id, "type": "private"}}
        return Update.de_json({"update_id": update_id, "message": {**message, "from": user}}, None)

    flood = [
        asyncio.ensure_future(processor.do_process_update(update(i, 1), handle(i)))
        for i in range(30)
    ]
    await asyncio.sleep(0)
    assert sorted(dropped) == list(range(11, 30))  # the first is handled, ten wait
    other = asyncio.ensure_future(processor.do_process_update(update(99, 2), handle(99)))
    await asyncio.sleep(0)
    # the flooder's replies are to wait for others' (the send scheduler asks), not the other's
    assert processor.is_backlogged(1) and not processor.is_backlogged(2)
    release.set()
    await asyncio.gather(*flood, other)
    assert sorted(handled) == [*range(11), 99]
    assert not processor.is_backlogged(1)


async def test_handled_updates_are_recorded_soon_without_waiting_for_the_next_poll(
    services: Services, db: Store
) -> None:
    """While the long poll waits for news, the updates just handled are recorded as done
    a moment later (one write for all), so a crash then does not answer them again."""
    arrivals = [Arrival(700_000 + i, 1001, '{"update_id": 0}') for i in range(3)]
    await services.inbox.store(arrivals)
    state = DurableState(flush_after=0)
    state.inbox = services.inbox
    for arrival in arrivals:
        state.done(arrival.update_id)
    for _ in range(20):  # the timer fires on the loop's next turn, then the write runs
        await asyncio.sleep(0)
        if not await services.inbox.pending():
            break
    assert await services.inbox.pending() == []
    assert state.handled == []
