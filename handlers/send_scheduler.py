"""One scheduler for everything the bot sends: Telegram's budget shared fairly.

Telegram lets a bot send about 30 messages a second overall and about one a second to one
chat, short bursts allowed, and answers 429 with a time to wait beyond that (Bot API FAQ, "My
bot is hitting limits"). python-telegram-bot's `AIORateLimiter` serves requests first come,
first served, which let a broadcast starve behind busy replies, let a flooding user's replies
delay everyone, and let one chat receive twenty messages in a second. This scheduler sits in
the same place (every Bot API call goes through `process_request`) and decides the order:

- every message-sending call takes one slot of `1/rate` seconds: the bot as a whole never
  goes over `rate` a second, with no bursts;
- each chat has a small bucket (`chat_burst` messages, refilled at `chat_rate` a second): a
  reply and its document go at once, a flood of replies to one chat goes at one a second and
  waits in that chat's own queue, so nobody else waits behind it;
- replies (the interactive lane) are served first, chats in turn, the replies to someone
  flooding the bot only when nobody else's can go (see `answer_after_others`; and a reply
  already waiting when its chat is found flooding, through `slowed`, checked at each turn:
  the first replies to a flood are asked for before the flood is known); deliveries
  (the bulk lane, see `bulk_sending`) are owed a slot at least every
  `1 / (rate * bulk_share)` seconds while they wait, so a broadcast keeps going at a known
  pace however busy the replies are;
- a 429 stops all sending for the time Telegram asks, then the reply is sent again: a
  participant never gets an apology for Telegram's pacing. Deliveries are not retried here:
  the delivery worker records the attempt and comes back to it (it sees `RetryAfter`);
- a delivery to a chat that has replies waiting or no room in its bucket is not held up
  (the delivery worker sends one message at a time, so a busy chat would stall the whole
  broadcast): it fails at once with `ChatBusy`, saying when that chat has room again, and
  the worker moves on to the next recipient; after three such refusals in a row the next
  one waits its turn in the chat's queue, so a chat that is never quiet still gets it.

Calls that are not messages (answering a button, reading a file, the command menu) go
straight through, and so do paid broadcasts (`paid_sending`: Telegram lets them ignore the
broadcasting limits, up to 1,000 a second, for a fee), paced only at `PAID_RATE`.

Several processes serving one bot share Telegram's budget for its token (`shared`, the
database's send budget): slots are taken from it a few at a time, just before they are
needed, so that together the processes stay under `rate`; a 429 pauses all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

RATE = 29.0  # messages a second, overall: under Telegram's ~30
CHAT_RATE = 1.0  # messages a second to one chat, on average
CHAT_BURST = 3  # messages one chat may get at once: a reply, its document, a card refreshed
BULK_SHARE = 0.4  # of the overall rate, owed to deliveries while they wait: 11.6 a second
REPLY_RETRIES = 5  # 429s a reply is sent again after
SENT_BACK_AT_MOST = 3  # deliveries to a busy chat sent back before one waits its turn there
EPSILON = 1e-9  # seconds: slots computed by adding intervals land a hair early or late
PAID_RATE = 900.0  # paid broadcast messages a second: under Telegram's 1,000

# Telegram's sending methods: the ones its limits count. Everything else is not paced.
PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendMediaGroup",
        "sendAnimation",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)


class Lane(Enum):
    INTERACTIVE = "interactive"  # answers to what a person just did
    SLOWED = "slowed"  # answers to someone flooding the bot: after everyone else's
    BULK = "bulk"  # deliveries: broadcasts, reminders, notices, progress reports
    PAID = "paid"  # urgent notices sent as paid broadcasts: outside the budget above


_lane: ContextVar[Lane] = ContextVar("sending_lane", default=Lane.INTERACTIVE)


@contextlib.contextmanager
def bulk_sending() -> Iterator[None]:
    """Calls made inside are deliveries: they yield to replies, within their share."""
    token = _lane.set(Lane.BULK)
    try:
        yield
    finally:
        _lane.reset(token)


@contextlib.contextmanager
def paid_sending() -> Iterator[None]:
    """Calls made inside carry `allow_paid_broadcast`: not paced with the others."""
    token = _lane.set(Lane.PAID)
    try:
        yield
    finally:
        _lane.reset(token)


def answer_after_others() -> None:
    """The replies of the update being handled (its task) wait for everyone else's: its
    sender is flooding the bot."""
    _lane.set(Lane.SLOWED)


class SharedBudget(Protocol):
    """Telegram's sending budget, shared by the processes of one bot (the database's)."""

    async def take_send_slots(self, count: int, interval: float) -> float: ...
    async def pause_sending(self, seconds: float) -> None: ...


LEASED_AT_MOST = 5  # slots taken from the shared budget at once
# All processes together: two messages a second fewer than one process alone, for the time
# between a slot and its request reaching Telegram, which varies from process to process
# (at 28, two processes' busiest second reached 31 in bench/deployment.py).
SHARED_RATE = 27.0


class ChatBusy(Exception):
    """A delivery found its chat busy (replies waiting, or no room in its bucket)."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"chat busy; room again in {retry_in:.2f} s")
        self.retry_in = retry_in


@dataclass
class _Chat:
    """One chat's bucket and its replies waiting, in order."""

    tokens: float
    at: float
    waiting: deque[_Ticket] = field(default_factory=deque)
    sent_back: int = 0  # deliveries refused in a row because the chat was busy

    def refill(self, now: float, rate: float, burst: int) -> None:
        self.tokens = min(float(burst), self.tokens + (now - self.at) * rate)
        self.at = now

    def ready_in(self, now: float, rate: float, burst: int) -> float:
        self.refill(now, rate, burst)
        return 0.0 if self.tokens >= 1 - EPSILON else (1 - self.tokens) / rate


@dataclass(eq=False)
class _Ticket:
    chat_id: int | None
    lane: Lane
    granted: asyncio.Future[None]


Sleep = Callable[[float], Awaitable[None]]


class FairSendScheduler(BaseRateLimiter[None]):
    def __init__(
        self,
        rate: float = RATE,
        chat_rate: float = CHAT_RATE,
        chat_burst: int = CHAT_BURST,
        bulk_share: float = BULK_SHARE,
        reply_retries: int = REPLY_RETRIES,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate
        self._bulk_rate = rate * bulk_share
        self._bulk_interval = 1.0 / self._bulk_rate
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._reply_retries = reply_retries
        self._now = now
        self._sleep = sleep
        # Whether a chat's replies wait for everyone else's now (the flood guard's verdict).
        self.slowed: Callable[[int], bool] = lambda chat_id: False
        self._chats: dict[int, _Chat] = {}
        self._sweep_above = 1_000
        self._interactive: deque[int | None] = deque()  # chats with replies waiting, in turn
        self._chatless: deque[_Ticket] = deque()  # sends without a chat id (rare)
        self._bulk: deque[_Ticket] = deque()
        self._next_slot = 0.0
        self._paid_next = 0.0
        self._bulk_due = 0.0  # when deliveries are next owed a slot, busy or not
        self._paused_until = 0.0
        self._arrived: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self.figures = SchedulerFigures()
        # Told of each 429 (the bot's metrics count them).
        self.on_refused: Callable[[], None] = lambda: None
        # Several processes: the budget they share, and the slots taken from it, unused yet.
        self.shared: SharedBudget | None = None
        self._leased: deque[float] = deque()
        self._telling: set[asyncio.Task[None]] = set()

    def share_bulk_among(self, senders: int) -> None:
        """`senders` processes send deliveries now: each owes them its part of the share
        (with two, each 20 % of the budget, not 40 %, which would leave replies 20 %)."""
        self._bulk_interval = max(senders, 1) / self._bulk_rate

    @property
    def remembered_chats(self) -> int:
        return len(self._chats)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
            self._dispatcher = None
        for ticket in self._all_waiting():
            ticket.granted.cancel()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in PACED_METHODS:
            return await callback(*args, **kwargs)
        lane = _lane.get()
        if lane is Lane.PAID:
            await self._paid_turn()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter:
                self.figures.refused += 1
                self.on_refused()
                raise  # the delivery worker comes back to it
        chat_id = _chat_of(data)
        attempts = 0
        while True:
            await self._turn(chat_id, lane)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                self.figures.refused += 1
                self.on_refused()
                self._paused_until = max(self._paused_until, self._now() + wait)
                self._tell_others_to_wait(wait)
                attempts += 1
                if lane is Lane.BULK or attempts > self._reply_retries:
                    raise
                logger.warning("Telegram asked to wait %.1f s; the reply goes again then", wait)

    # -- waiting for a turn --------------------------------------------------------------

    async def _paid_turn(self) -> None:
        """One slot of `PAID_RATE` a second, for this process's paid messages."""
        now = self._now()
        slot = max(now, self._paid_next)
        self._paid_next = slot + 1.0 / PAID_RATE
        self.figures.paid += 1
        if slot > now + EPSILON:
            await self._sleep(slot - now)

    async def _turn(self, chat_id: int | None, lane: Lane) -> None:
        if lane is Lane.BULK and chat_id is not None:
            busy_for = self._bulk_blocked_for(chat_id)
            if busy_for is not None:
                chat = self._chat(chat_id)
                chat.sent_back += 1
                if chat.sent_back <= SENT_BACK_AT_MOST:
                    self.figures.busy += 1
                    raise ChatBusy(busy_for)
                # A chat that is never idle still gets its broadcast: in the chat's own
                # queue, in turn with its replies.
                lane = Lane.INTERACTIVE
        ticket = _Ticket(chat_id, lane, asyncio.get_running_loop().create_future())
        if lane is Lane.BULK:
            self._bulk.append(ticket)
        elif chat_id is None:
            self._chatless.append(ticket)
        else:
            chat = self._chat(chat_id)
            if not chat.waiting:
                self._interactive.append(chat_id)
            chat.waiting.append(ticket)
        self._wake_dispatcher()
        await ticket.granted  # cancelled with the update that asked: its ticket is skipped

    def _bulk_blocked_for(self, chat_id: int) -> float | None:
        chat = self._chats.get(chat_id)
        if chat is None:
            return None
        now = self._now()
        ready_in = chat.ready_in(now, self._chat_rate, self._chat_burst)
        if chat.waiting:
            return max(ready_in, 1.0 / self._chat_rate)
        return ready_in or None

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            self._forget_idle_chats()
            chat = self._chats[chat_id] = _Chat(float(self._chat_burst), self._now())
        return chat

    def _forget_idle_chats(self) -> None:
        """Chats whose bucket is full again and nobody waits: forgotten, so the map stays the
        size of the chats of the last few seconds, not of everyone ever answered."""
        if len(self._chats) <= self._sweep_above:
            return
        now = self._now()
        self._chats = {
            chat_id: chat for chat_id, chat in self._chats.items() if not self._idle(chat, now)
        }
        self._sweep_above = max(1_000, 2 * len(self._chats))

    def _idle(self, chat: _Chat, now: float) -> bool:
        chat.refill(now, self._chat_rate, self._chat_burst)
        return not chat.waiting and chat.tokens >= self._chat_burst

    def _wake_dispatcher(self) -> None:
        if self._arrived is None:
            self._arrived = asyncio.Event()
        self._arrived.set()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(
                self._dispatch(), name="send scheduler"
            )

    # -- handing out slots ---------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            try:
                await self._dispatch_until_idle()
            except Exception:  # a waiting reply must never be stranded: go on
                logger.exception("The send scheduler failed; going on")
                await self._sleep(self._interval)

    async def _dispatch_until_idle(self) -> None:
        assert self._arrived is not None
        while True:
            now = self._now()
            if now < self._paused_until:
                await self._sleep(self._paused_until - now)
                continue
            if self.shared is None:
                if now < self._next_slot - EPSILON:
                    await self._sleep(self._next_slot - now)
                    continue
            else:
                slot = await self._leased_slot(now)
                if slot is not None and now < slot - EPSILON:
                    await self._sleep(slot - now)
                    continue
            ticket, wait = self._pick(now)
            if ticket is not None:
                self._grant(ticket, now)
                continue
            self._arrived.clear()
            if wait is None:  # nothing waiting at all
                await self._arrived.wait()
            else:  # only chats without room: wake when the first has room, or on news
                await self._nap(wait)

    async def _nap(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a call arrives meanwhile."""
        assert self._arrived is not None
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        arrival = asyncio.ensure_future(self._arrived.wait())
        try:
            await asyncio.wait({sleeper, arrival}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            arrival.cancel()

    async def _leased_slot(self, now: float) -> float | None:
        """The next slot taken from the shared budget, taking a few more when none is left
        and calls wait (None: nothing waits). A slot not used within half an interval is
        given up: used later, it would fall close to the other processes' next ones."""
        interval = 1.0 / SHARED_RATE
        while self._leased and self._leased[0] < now - interval / 2:
            self._leased.popleft()
        if not self._leased:
            waiting = self._waiting_count()
            if not waiting:
                return None
            count = min(waiting, LEASED_AT_MOST)
            assert self.shared is not None
            try:
                offset = await self.shared.take_send_slots(count, interval)
            except Exception:  # the database is away: this process paces itself alone
                logger.warning("Could not take slots from the shared send budget; pacing alone")
                offset = max(self._next_slot - now, 0.0)
            now = self._now()
            self._leased.extend(now + offset + i * interval for i in range(count))
        return self._leased[0]

    def _waiting_count(self) -> int:
        replies = sum(len(self._chats[c].waiting) for c in self._interactive if c is not None)
        return len(self._bulk) + len(self._chatless) + replies

    def _tell_others_to_wait(self, seconds: float) -> None:
        """A 429 pauses every process of the bot, not only this one."""
        self._leased.clear()
        if self.shared is None:
            return
        task = asyncio.get_running_loop().create_task(self.shared.pause_sending(seconds))
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    def _grant(self, ticket: _Ticket, now: float) -> None:
        if self._leased:
            self._leased.popleft()
        self._next_slot = max(now, self._next_slot) + self._interval
        if ticket.lane is Lane.BULK:
            # Owed slots add up at the share's pace; a slot taken when nobody else wanted it
            # counts too, and at most one slot is kept in hand either way.
            due = max(self._bulk_due, now - self._bulk_interval) + self._bulk_interval
            self._bulk_due = min(due, now + self._bulk_interval)
            self.figures.bulk += 1
        else:
            self.figures.interactive += 1
        if ticket.chat_id is not None:
            chat = self._chat(ticket.chat_id)
            chat.refill(now, self._chat_rate, self._chat_burst)
            chat.tokens -= 1
            if ticket.lane is Lane.BULK or chat.sent_back > SENT_BACK_AT_MOST:
                chat.sent_back = 0
        ticket.granted.set_result(None)

    def _pick(self, now: float) -> tuple[_Ticket | None, float | None]:
        """The next call to go, or else how long until one could (None: nothing waits)."""
        self._drop_abandoned()
        bulk = self._ready_bulk(now)
        if bulk is not None and now >= self._bulk_due - EPSILON:
            return self._bulk.popleft(), None  # its share is due
        if self._chatless:
            return self._chatless.popleft(), None
        reply, wait = self._ready_reply(now)
        if reply is not None:
            return reply, None
        if bulk is not None:
            return self._bulk.popleft(), None
        if self._bulk:  # its chat filled up meanwhile with replies: try again shortly
            wait = min(wait, self._interval) if wait is not None else self._interval
        return None, wait

    def _ready_bulk(self, now: float) -> _Ticket | None:
        if not self._bulk:
            return None
        ticket = self._bulk[0]
        if ticket.chat_id is None:
            return ticket
        chat = self._chat(ticket.chat_id)
        if chat.ready_in(now, self._chat_rate, self._chat_burst) > 0:
            return None
        return ticket

    def _ready_reply(self, now: float) -> tuple[_Ticket | None, float | None]:
        """The oldest reply of the first chat in turn that has room, someone flooding the
        bot only when nobody else's reply can go. Returns the wait until the soonest chat
        has room when none has."""
        soonest: float | None = None
        chosen: int | None = None
        index = 0
        while index < len(self._interactive):
            chat_id = self._interactive[index]
            assert chat_id is not None
            chat = self._chats[chat_id]
            while chat.waiting and chat.waiting[0].granted.done():  # its caller gave up
                chat.waiting.popleft()
            if not chat.waiting:
                del self._interactive[index]
                continue
            ready_in = chat.ready_in(now, self._chat_rate, self._chat_burst)
            if ready_in == 0:
                if chat.waiting[0].lane is not Lane.SLOWED and not self.slowed(chat_id):
                    chosen = index
                    break
                if chosen is None:
                    chosen = index
            else:
                soonest = ready_in if soonest is None else min(soonest, ready_in)
            index += 1
        if chosen is None:
            return None, soonest
        chat_id = self._interactive[chosen]
        del self._interactive[chosen]
        assert chat_id is not None
        chat = self._chats[chat_id]
        ticket = chat.waiting.popleft()
        if chat.waiting:
            self._interactive.append(chat_id)  # its next reply: after the others
        return ticket, None

    def _drop_abandoned(self) -> None:
        """Deliveries and chatless calls whose callers gave up leave the queues (replies'
        queues are cleaned as they are looked at)."""
        while self._bulk and self._bulk[0].granted.done():
            self._bulk.popleft()
        while self._chatless and self._chatless[0].granted.done():
            self._chatless.popleft()

    def _all_waiting(self) -> Iterator[_Ticket]:
        yield from self._bulk
        yield from self._chatless
        for chat in self._chats.values():
            yield from chat.waiting


@dataclass
class SchedulerFigures:
    """What the scheduler did, for benchmarks and the operator's log."""

    interactive: int = 0
    bulk: int = 0
    refused: int = 0  # 429s
    busy: int = 0  # deliveries sent back because their chat was busy
    paid: int = 0  # paid broadcast messages let through


def _chat_of(data: dict[str, Any]) -> int | None:
    chat_id = data.get("chat_id")
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            return int(chat_id)
    return None


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
