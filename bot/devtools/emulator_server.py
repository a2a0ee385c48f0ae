"""The Bot API emulator behind a real HTTP server on 127.0.0.1.

For end-to-end tests and benchmarks: the bot runs as a separate process with
TELEGRAM_API_URL=http://127.0.0.1:PORT/bot and talks HTTP to this server exactly as to Telegram
(JSON or form bodies, multipart uploads, long-polling getUpdates). Optionally it enforces
Telegram's flood limits, answering 429 with retry_after beyond them: overall (`FloodControl`)
and in each chat (`ChatPace`); and it can be slow, answering chosen methods only after a delay
(`BotApiServer.delays`) while recording what they did at once, as a slow Telegram would.

    python -m bot.devtools.emulator_server --port 8081 [--limit 30] [--chat-pace]
        [--delay sendMessage=6]

HTTP itself is tornado's (the server python-telegram-bot's own webhooks use): it reads requests
and parses form and multipart bodies (`tornado.httputil.parse_body_arguments`), so this module
only maps a request onto `BotApiEmulator.handle`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable

from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPServerRequest
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.devtools.emulator import JSON, ApiError, BotApiEmulator

logger = logging.getLogger(__name__)
SENDING_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText", "sendPhoto"})
MAX_BODY = 60 * 1024 * 1024
Answer = tuple[int, bytes, str]  # status, body, content type
Files = dict[str, tuple[str, bytes]]


class FloodControl:
    """Telegram's overall limit: at most `per_second` messages in any one-second window."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._recent: collections.deque[float] = collections.deque()
        self.refused = 0
        self.refused_at: list[float] = []  # time.monotonic() of the first refusals

    def admit(self) -> bool:
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            self.refused += 1
            if len(self.refused_at) < 50:
                self.refused_at.append(now)
            return False
        self._recent.append(now)
        return True


class ChatPace:
    """Telegram's limit in one chat, recorded per chat and (with `refuse`) enforced with 429.

    The Bot API FAQ ("My bot is hitting limits, how do I avoid this?",
    https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): "When
    sending messages inside a particular chat, avoid sending more than one message per second.
    We may allow short bursts that go over this limit, but eventually you'll begin receiving
    429 errors." Telegram publishes no exact rule; this one is generous: a chat may receive at
    most `burst` messages in any 1 s window, and at most N + `burst` in any window of N
    seconds (N = 2 .. `horizon`), so one a second on average after a burst. Messages count as
    inside an N-second window when they lie less than N - `slack` seconds apart: the bot paces
    on its own clock when it sends, this counts arrivals, and HTTP on a busy machine moves
    them by some milliseconds. A message refused here does not count, and does not reach the
    chat. Without `refuse`, messages over the pace go through and are only counted.
    """

    def __init__(
        self,
        burst: int = 3,
        horizon: int = 60,
        slack: float = 0.2,
        *,
        refuse: bool = True,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.horizon = horizon
        self.slack = slack
        self.refuse = refuse
        self._now = now
        self._recent: dict[int, collections.deque[float]] = {}  # chat -> arrivals, last horizon
        self.sent: collections.Counter[int] = collections.Counter()
        # messages over the pace: refused, or (without `refuse`) let through all the same
        self.over: collections.Counter[int] = collections.Counter()
        self.violations: list[JSON] = []  # the first ones, in detail
        self.worst: JSON | None = None  # the violation most over its window's limit
        self.busiest_second: JSON = {"chat": None, "messages": 0}  # most received in 1 s

    def limit(self, seconds: int) -> int:
        """The most messages one chat may receive in a window of `seconds` (whole) seconds."""
        return self.burst if seconds <= 1 else seconds + self.burst

    def admit(self, chat_id: int) -> float | None:
        """A message to `chat_id`: None when it goes through (recorded), or else the seconds
        to wait until it would be within the pace (it is refused)."""
        wait = self.check(chat_id)
        if wait is None:
            self.record(chat_id)
        return wait

    def check(self, chat_id: int) -> float | None:
        """Whether a message to `chat_id` now would be refused: the seconds to wait, or None.
        A message over the pace is counted (and the first ones kept in detail) either way."""
        now = self._now()
        recent = self._recent.setdefault(chat_id, collections.deque())
        while recent and now - recent[0] >= self.horizon:
            recent.popleft()
        wait = self._over(chat_id, recent, now)
        if wait is None:
            return None
        self.over[chat_id] += 1
        return wait if self.refuse else None

    def record(self, chat_id: int) -> None:
        """The message went through: it counts against the chat's pace from now on."""
        now = self._now()
        recent = self._recent.setdefault(chat_id, collections.deque())
        recent.append(now)
        self.sent[chat_id] += 1
        in_a_second = 0
        for earlier in reversed(recent):
            if now - earlier >= 1.0:
                break
            in_a_second += 1
        if in_a_second > self.busiest_second["messages"]:
            self.busiest_second = {"chat": chat_id, "messages": in_a_second}

    def _over(self, chat_id: int, recent: collections.deque[float], now: float) -> float | None:
        """The wait if this message would exceed some window's limit (the newest first)."""
        for count, earlier in enumerate(reversed(recent), start=2):
            span = now - earlier
            window = math.floor(span + self.slack) + 1  # whole seconds the messages fit in
            if window > self.horizon:
                return None
            excess = count - self.limit(window)
            if excess > 0:
                self._note(chat_id, count, span, window, excess)
                return window - self.slack - span
        return None

    def _note(self, chat_id: int, count: int, span: float, window: int, excess: int) -> None:
        found: JSON = {
            "chat": chat_id,
            "messages": count,
            "within_seconds": round(span, 3),
            "limit": f"{self.limit(window)} in {window} s",
            "excess": excess,
            "at": round(self._now(), 3),
        }
        if len(self.violations) < 50:
            self.violations.append(found)
        if self.worst is None or excess > self.worst["excess"]:
            self.worst = found

    def figures(self, per_chat: bool = False) -> JSON:
        """For `/stats`: totals, the chats over the pace, the worst case, and with `per_chat`
        every chat's count of messages received and refused."""
        figures: JSON = {
            "chats": len(self.sent),
            "over_pace": sum(self.over.values()),
            "refused": sum(self.over.values()) if self.refuse else 0,
            "chats_over_pace": len(self.over),
            "most_to_one_chat": max(self.sent.values(), default=0),
            "busiest_second": self.busiest_second,
            "worst": self.worst,
            "violations": self.violations,
        }
        if per_chat:
            figures["per_chat"] = {
                str(chat): {"sent": self.sent[chat], "over_pace": self.over[chat]}
                for chat in self.sent.keys() | self.over.keys()
            }
        return figures


def request_params(request: HTTPServerRequest) -> tuple[JSON, Files]:
    """A Bot API call's parameters and uploads, wherever the client put them: the query
    string, a JSON body, or a form / multipart body (already parsed by tornado)."""
    params: JSON = {key: values[-1].decode() for key, values in request.query_arguments.items()}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") and request.body:
        data = json.loads(request.body)
        params.update(data if isinstance(data, dict) else {})
    for key, values in request.body_arguments.items():
        params[key] = values[-1].decode()
    files = {key: (parts[-1].filename, parts[-1].body) for key, parts in request.files.items()}
    return params, files


class _Handler(RequestHandler):
    """One HTTP request: answered by the server; abandoned if the client goes away."""

    def initialize(self, server: BotApiServer) -> None:
        self.server = server
        self.work: asyncio.Task[Answer] | None = None

    def compute_etag(self) -> None:
        return None  # API answers are not cached

    async def get(self) -> None:
        await self._serve()

    async def post(self) -> None:
        await self._serve()

    async def _serve(self) -> None:
        self.work = asyncio.ensure_future(self.server.answer(self.request))
        try:
            status, body, content_type = await self.work
        except asyncio.CancelledError:
            return  # the connection closed (the bot stopped, or the server is going down)
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(body)

    def on_connection_close(self) -> None:
        if self.work is not None:
            self.work.cancel()  # a long poll nobody will read must not linger


class BotApiServer:
    """`flood`: the overall limit; `chat_pace`: the limit in each chat; `delays`: seconds
    before answering a method (the call takes effect at once, only its answer is late; a
    client that gives up meanwhile gets nothing, and the message was sent all the same).

    Paid broadcasts (Bot API: a sending method with `allow_paid_broadcast`): "up to 1000
    messages per second, ignoring broadcasting limits for a fee of 0.1 Telegram Stars per
    message", taken from the bot's balance. They are not counted against `flood` but against
    `paid_flood` (1,000 a second), each one sent costs a tenth of a Star from
    `stars_balance_tenths` (None: a balance that never runs out), and with the balance spent
    they are refused with a 400 (Telegram documents no wording for it; this one is ours)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        flood: FloodControl | None = None,
        chat_pace: ChatPace | None = None,
        delays: dict[str, float] | None = None,
        stars_balance_tenths: int | None = None,
    ) -> None:
        self.emulator = emulator
        self.flood = flood
        self.chat_pace = chat_pace
        self.delays: dict[str, float] = dict(delays or {})
        self._http: HTTPServer | None = None
        self.port = 0
        self.arrivals: list[float] = []  # time.monotonic() of each message-sending call
        self.paid_flood = FloodControl(1_000)
        self.paid_arrivals: list[float] = []  # those sent as paid broadcasts, apart
        self.stars_balance_tenths = stars_balance_tenths
        self.stars_spent_tenths = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = Application([(r"/.*", _Handler, {"server": self})], log_function=_quiet)
        self._http = HTTPServer(app, max_body_size=MAX_BODY)
        sockets = bind_sockets(port, host)
        self._http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        """Go down as a server does: stop listening and drop every open connection (and
        stop posting updates to a webhook)."""
        await self.emulator.stop_posting()
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(Exception):
                await self._http.close_all_connections()
            self._http = None

    async def answer(self, request: HTTPServerRequest) -> Answer:
        """What Telegram would answer to `request`."""
        path = request.path
        if path == "/stats":  # for benchmarks: how much was sent, how much refused
            per_chat = bool(request.query_arguments.get("per_chat"))
            return 200, json.dumps(self.stats(per_chat)).encode(), "application/json"
        if path.startswith("/file/"):
            status, content = self.emulator.download(path)
            return status, content, "application/octet-stream"
        method = path.rsplit("/", 1)[-1]
        try:
            params, files = request_params(request)
        except (ValueError, UnicodeDecodeError):
            params, files = {}, {}  # Telegram ignores a body it cannot read
        params = _decoded(params)
        paid = method in SENDING_METHODS and params.get("allow_paid_broadcast") in (True, "true")
        if paid:
            self._pace_paid(method)
        elif method in SENDING_METHODS:
            self._pace(method, params)
        status, answer = await self.emulator.handle(method, params, files)
        if paid and status == 200:
            self.stars_spent_tenths += 1
            if self.stars_balance_tenths is not None:
                self.stars_balance_tenths -= 1
        delay = self.delays.get(method)
        if delay:
            await asyncio.sleep(delay)  # done already: only the answer is slow
        return status, json.dumps(answer).encode(), "application/json"

    def _pace(self, method: str, params: JSON) -> None:
        """Telegram's limits: the chat's pace first (a message it refuses is not counted
        against the bot's overall rate), then the overall rate."""
        self.arrivals.append(time.monotonic())
        chat_id = params.get("chat_id")
        pace = self.chat_pace if isinstance(chat_id, int) else None
        wait = pace.check(chat_id) if pace is not None and isinstance(chat_id, int) else None
        if wait is None and self.flood is not None and not self.flood.admit():
            wait = 1.0
        elif wait is None and pace is not None and isinstance(chat_id, int):
            pace.record(chat_id)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            error = ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
            self.emulator.fail_next(method, error)

    def _pace_paid(self, method: str) -> None:
        self.paid_arrivals.append(time.monotonic())
        if self.stars_balance_tenths is not None and self.stars_balance_tenths < 1:
            error = ApiError(400, "Bad Request: not enough Stars for a paid broadcast")
            self.emulator.fail_next(method, error)
        elif not self.paid_flood.admit():
            error = ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self.emulator.fail_next(method, error)

    def busiest(self, seconds: float) -> int:
        """The most message-sending calls that arrived within any `seconds`."""
        most, first = 0, 0
        for last, at in enumerate(self.arrivals):
            while at - self.arrivals[first] >= seconds:
                first += 1
            most = max(most, last - first + 1)
        return most

    def stats(self, per_chat: bool = False) -> JSON:
        """How much was sent, how much refused (overall, and in chats over their pace)."""
        sent = sum(1 for call in self.emulator.calls if call.method in SENDING_METHODS)
        figures: JSON = {
            "sent": sent,
            "refused": self.flood.refused if self.flood else 0,
            "refused_at": self.flood.refused_at if self.flood else [],
            "polls": self.emulator.polls,
        }
        if self.chat_pace is not None:
            figures["chat_pace"] = self.chat_pace.figures(per_chat)
        return figures


def _quiet(handler: RequestHandler) -> None:
    """No access log: a benchmark makes thousands of requests a second."""


def _decoded(params: JSON) -> JSON:
    """Form fields arrive as strings; numbers and booleans are JSON in Telegram's API."""
    decoded: JSON = {}
    for key, value in params.items():
        if isinstance(value, str) and key in (
            "chat_id",
            "message_id",
            "offset",
            "limit",
            "timeout",
        ):
            with contextlib.suppress(ValueError):
                value = int(value)
        decoded[key] = value
    return decoded


async def _serve(
    port: int, limit: int | None, open_chats: bool, chat_pace: bool, delays: dict[str, float]
) -> None:
    server = BotApiServer(
        BotApiEmulator(open_chats=open_chats),
        FloodControl(limit) if limit else None,
        ChatPace() if chat_pace else None,
        delays,
    )
    await server.start(port=port)
    print(f"Bot API emulator on {server.base_url}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--limit", type=int, default=None, help="messages per second, then 429")
    parser.add_argument(
        "--open-chats",
        action="store_true",
        help="accept messages to any chat, as if every user had written first",
    )
    parser.add_argument(
        "--chat-pace",
        action="store_true",
        help="at most 3 messages in any second and N + 3 in any N seconds to one chat, then 429",
    )
    parser.add_argument(
        "--delay",
        action="append",
        default=[],
        metavar="METHOD=SECONDS",
        help="answer METHOD only after SECONDS (what it does is done at once); repeatable",
    )
    args = parser.parse_args()
    delays = {
        method: float(seconds)
        for method, _, seconds in (item.partition("=") for item in args.delay)
    }
    asyncio.run(_serve(args.port, args.limit, args.open_chats, args.chat_pace, delays))


if __name__ == "__main__":
    main()
