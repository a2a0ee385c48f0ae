"""The send scheduler against Telegram's published limits (Bot API FAQ, "My bot is hitting
limits, how do I avoid this?"): about 30 messages a second overall, about one a second to
one chat with short bursts, 429 with `retry_after` beyond. Time is virtual: the scheduler's
clock and sleep are injected, so a minute of pacing takes milliseconds and nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Settings
from bot.devtools.emulator import ApiError, BotApiEmulator, FakeUser
from bot.i18n import Catalogs
from bot.services.container import Directories
from handlers.send_scheduler import (
    ChatBusy,
    FairSendScheduler,
    answer_after_others,
    bulk_sending,
)
from tests.conftest import ChatDriver, running_app

RATE = 29.0
N = 3_000


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Whatever was ready to run at this moment runs first, as it would in real time."""
        for _ in range(5):
            await asyncio.sleep(0)
        self.now += max(seconds, 0.0)


class Telegram:
    """Records when each message reached it, and answers 429 when told to."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.received: list[tuple[float, int, str]] = []  # (when, chat, what)
        self.refuse_next: list[float] = []  # retry_after of the next 429s

    def call(self, chat_id: int, what: str) -> Any:
        async def callback() -> bool:
            if self.refuse_next:
                raise RetryAfter(int(self.refuse_next.pop(0)))
            self.received.append((self.time.now, chat_id, what))
            return True

        return callback

    def times(self, what: str | None = None, chat: int | None = None) -> list[float]:
        return [
            t
            for t, c, w in self.received
            if (what is None or w.startswith(what)) and (chat is None or c == chat)
        ]


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def scheduler(time: VirtualTime) -> Any:
    scheduler = FairSendScheduler(rate=RATE, now=time.clock, sleep=time.sleep)
    yield scheduler
    await scheduler.shutdown()


async def send(
    scheduler: FairSendScheduler,
    telegram: Telegram,
    chat_id: int,
    what: str = "reply",
    method: str = "sendMessage",
) -> Any:
    return await scheduler.process_request(
        telegram.call(chat_id, what), (), {}, method, {"chat_id": chat_id}, None
    )


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The largest number of messages within any `seconds`-long window."""
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= seconds - 1e-9:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_the_bot_as_a_whole_stays_under_30_a_second(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, chat) for chat in range(300)))
    assert len(telegram.received) == 300
    assert most_in_any_window(telegram.times(), 1.0) <= 30
    assert telegram.times()[-1] == pytest.approx(299 / RATE)  # and no slower than that


async def test_one_chat_gets_a_short_burst_then_one_a_second(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, 7, f"reply {i}") for i in range(12)))
    times = telegram.times(chat=7)
    assert [w for _, _, w in telegram.received] == [f"reply {i}" for i in range(12)]  # in order
    assert times[2] < 0.1  # a reply, its document and a refreshed card go at once
    for window in (2.0, 5.0, 9.0):  # then about one a second
        assert most_in_any_window(times, window) <= window + 3


async def test_a_flooding_chat_does_not_delay_anyone_else(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    flood = [send(scheduler, telegram, 666, f"flood {i}") for i in range(40)]
    flooding = asyncio.gather(*flood)
    await asyncio.sleep(0)
    await send(scheduler, telegram, 1, "ordinary")  # arrives after the 40 are queued
    (answered,) = telegram.times("ordinary")
    assert answered < 4 / RATE  # after at most the flooder's burst
    await flooding


async def broadcast_among_busy_chats(scheduler: FairSendScheduler, telegram: Telegram) -> None:
    """Forty chats want 20 replies each at once (40 a second, more than the whole budget)
    while a broadcast goes to 300 people, one message at a time as the delivery worker
    sends it."""

    async def busy_chat(chat: int) -> None:
        await asyncio.gather(*(send(scheduler, telegram, chat, "reply") for _ in range(20)))

    async def broadcast() -> None:
        with bulk_sending():
            for recipient in range(10_000, 10_300):
                await send(scheduler, telegram, recipient, "news")

    await asyncio.gather(broadcast(), *(busy_chat(chat) for chat in range(40)))


async def test_replies_go_first_but_a_broadcast_keeps_its_share(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """The broadcast still gets at least 40 % of the budget."""
    telegram = Telegram(time)
    await broadcast_among_busy_chats(scheduler, telegram)
    news = telegram.times("news")
    for second in range(5):  # while the replies keep the budget busy
        sent = sum(1 for t in news if second <= t < second + 1)
        assert sent >= 0.4 * RATE - 1, (second, sent)
    replies = telegram.times("reply")
    assert sum(1 for t in replies if t < 5) >= 5 * 0.55 * RATE  # and replies get the rest
    assert most_in_any_window(telegram.times(), 1.0) <= 30


async def test_with_two_processes_sending_each_owes_deliveries_half_the_share(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """Two processes send a broadcast (their delivery workers count each other's claims):
    each process's replies give way to it for 20 % of the budget, so that together the
    deliveries get their 40 % and the replies the rest, as with one process."""
    telegram = Telegram(time)
    scheduler.share_bulk_among(2)
    await broadcast_among_busy_chats(scheduler, telegram)
    news = telegram.times("news")
    for second in range(5):
        sent = sum(1 for t in news if second <= t < second + 1)
        assert 0.2 * RATE - 1 <= sent <= 0.2 * RATE + 1, (second, sent)
    replies = telegram.times("reply")
    assert sum(1 for t in replies if t < 5) >= 5 * 0.75 * RATE


async def test_someone_who_asks_now_and_then_goes_before_forty_flooding_chats(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """Forty flooders' chats always have a reply waiting (each flooder's next as soon as the
    last went) and a broadcast runs; an ordinary person asking every two seconds is answered
    at once."""
    telegram = Telegram(time)
    stop = asyncio.Event()

    async def flooding(chat: int) -> None:
        answer_after_others()  # what the flood guard decides for them
        while not stop.is_set():
            await send(scheduler, telegram, chat, "flood")

    async def broadcast() -> None:
        with bulk_sending():
            for recipient in range(10_000, 10_400):
                await send(scheduler, telegram, recipient, "news")

    async def ordinary() -> list[float]:
        waits = []
        for turn in range(1, 11):
            while time.now < 2.0 * turn:  # noqa: ASYNC110 (virtual time moves as it sends)
                await asyncio.sleep(0)
            asked = time.now
            await send(scheduler, telegram, 1, "ordinary")
            waits.append(time.now - asked)
        stop.set()
        return waits

    floods = [asyncio.ensure_future(flooding(chat)) for chat in range(100, 140)]
    news = asyncio.ensure_future(broadcast())
    waits = await ordinary()
    await asyncio.gather(*floods)
    news.cancel()
    assert max(waits) < 3 / RATE, waits  # within a slot or two
    sent = telegram.times("news")
    assert sum(1 for t in sent if 5 <= t < 15) >= 10 * 0.4 * RATE - 2  # the broadcast's share


async def test_replies_asked_before_a_flood_was_known_wait_once_it_is(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """Forty new chats each ask for a reply at once, as ordinary as anyone's until the flood
    guard finds them flooding a moment later; a person who asks after them is answered as
    soon as that is known, not after the forty (2.3 s at 17 a second)."""
    telegram = Telegram(time)
    flooders = set(range(100, 140))
    known: set[int] = set()
    scheduler.slowed = known.__contains__
    replies = [asyncio.ensure_future(send(scheduler, telegram, chat, "flood")) for chat in flooders]
    await asyncio.sleep(0)
    ordinary = asyncio.ensure_future(send(scheduler, telegram, 1, "ordinary"))
    while time.now < 0.2:  # noqa: ASYNC110 (virtual time moves as it sends)
        await asyncio.sleep(0)
    known |= flooders
    await asyncio.gather(ordinary, *replies)
    assert telegram.times("ordinary")[0] <= 0.2 + 2 / RATE
    assert len(telegram.times("flood")) == 40  # all answered all the same


async def test_a_broadcast_alone_goes_at_the_full_rate(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    with bulk_sending():
        for recipient in range(290):
            await send(scheduler, telegram, recipient, "news")
    assert telegram.times()[-1] == pytest.approx(289 / RATE)


async def test_a_429_on_a_reply_waits_as_told_and_sends_it_again(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    telegram.refuse_next = [3]
    assert await send(scheduler, telegram, 1, "greeting") is True
    others = asyncio.gather(*(send(scheduler, telegram, chat, "other") for chat in (2, 3)))
    await others
    (greeted,) = telegram.times("greeting")
    assert greeted >= 3.0
    assert all(t >= 3.0 for t in telegram.times("other"))  # Telegram's wait is for everyone
    assert scheduler.figures.refused == 1


async def test_a_429_on_a_delivery_is_left_to_the_delivery_worker(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    telegram.refuse_next = [5]
    with bulk_sending(), pytest.raises(RetryAfter):
        await send(scheduler, telegram, 1, "news")
    await send(scheduler, telegram, 2, "reply")
    assert telegram.times("reply")[0] >= 5.0


async def test_a_delivery_to_a_chat_busy_with_replies_is_sent_back_at_once(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, 9, "reply") for _ in range(3)))
    with bulk_sending(), pytest.raises(ChatBusy) as busy:
        await send(scheduler, telegram, 9, "news")
    assert 0 < busy.value.retry_in <= 1.0
    assert telegram.times("news") == []
    time.now += busy.value.retry_in
    with bulk_sending():
        await send(scheduler, telegram, 9, "news")
    assert telegram.times("news") == [pytest.approx(time.now)]


async def test_a_chat_that_is_never_quiet_still_gets_the_broadcast(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """Sent back three times while its replies kept coming, the fourth try waits its turn in
    the chat's queue instead: the campaign can end."""
    telegram = Telegram(time)
    for attempt in range(4):
        await asyncio.gather(*(send(scheduler, telegram, 9, "reply") for _ in range(3)))
        replies = asyncio.gather(*(send(scheduler, telegram, 9, "reply") for _ in range(2)))
        await asyncio.sleep(0)
        with bulk_sending():
            if attempt < 3:
                with pytest.raises(ChatBusy):
                    await send(scheduler, telegram, 9, "news")
            else:
                await send(scheduler, telegram, 9, "news")
        await replies
    assert len(telegram.times("news")) == 1
    assert most_in_any_window(telegram.times(chat=9), 5.0) <= 5 + 3


async def test_calls_that_are_not_messages_are_not_paced(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, 1, "x") for _ in range(10)))
    before = time.now
    await send(scheduler, telegram, 1, "answer", method="answerCallbackQuery")
    assert telegram.times("answer") == [before]


async def test_a_reply_whose_update_was_cancelled_does_not_hold_up_its_chat(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, 4, "burst") for _ in range(3)))
    waiting = asyncio.ensure_future(send(scheduler, telegram, 4, "abandoned"))
    await asyncio.sleep(0)
    waiting.cancel()
    await send(scheduler, telegram, 4, "next")
    assert telegram.times("abandoned") == []
    assert len(telegram.times("next")) == 1


async def test_chats_are_forgotten_once_quiet(
    scheduler: FairSendScheduler, time: VirtualTime
) -> None:
    """The scheduler remembers the chats of the last seconds, not everyone ever answered."""
    telegram = Telegram(time)
    await asyncio.gather(*(send(scheduler, telegram, chat) for chat in range(N)))
    time.now += 10
    await asyncio.gather(*(send(scheduler, telegram, chat) for chat in range(N, 2 * N)))
    assert len({chat for _, chat, _ in telegram.received}) == 2 * N
    assert scheduler.remembered_chats <= N  # the first wave was swept out


@pytest.fixture
async def scheduled_app(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
    time: VirtualTime,
) -> AsyncIterator[tuple[BotApplication, FairSendScheduler]]:
    """The real application with the scheduler on virtual time."""
    scheduler = FairSendScheduler(now=time.clock, sleep=time.sleep)
    async with running_app(
        settings, emulator, clock, catalogs, directories, limiter=scheduler
    ) as app:
        yield app, scheduler


async def test_a_greeting_telegram_refused_with_429_still_reaches_the_participant(
    scheduled_app: tuple[BotApplication, FairSendScheduler],
    emulator: BotApiEmulator,
    time: VirtualTime,
) -> None:
    """The real application with the scheduler: Telegram answers the /start reply with 429
    (retry after 2 s); the participant gets the greeting after the wait, not an apology."""
    app, scheduler = scheduled_app
    amina = ChatDriver(app, emulator, FakeUser(id=1001, first_name="Amina", language_code="en"))
    emulator.fail_next(
        "sendMessage", ApiError(429, "Too Many Requests: retry after 2", {"retry_after": 2})
    )
    calls = await amina.send("/start")
    [greeting] = [message["text"] for message in amina.messages()]  # once, in the chat
    assert greeting.startswith("Hello, \u2068Amina\u2069!")
    assert [c.method for c in calls].count("sendMessage") == 2  # refused, then sent
    assert time.now >= 2.0 and scheduler.figures.refused == 1


async def test_the_application_tells_the_scheduler_who_is_flooding(
    scheduled_app: tuple[BotApplication, FairSendScheduler], clock: FrozenClock
) -> None:
    """The real application: once the flood guard has counted someone's flood, their chat's
    replies wait for everyone else's; another person's do not."""
    app, scheduler = scheduled_app
    for _ in range(12):
        app.bot_data.flood.note(1001, clock.now())
    assert scheduler.slowed(1001)
    assert not scheduler.slowed(1002)
