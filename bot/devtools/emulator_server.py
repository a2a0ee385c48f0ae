"""The Bot API emulator behind a real HTTP server on 127.0.0.1.

For end-to-end tests and benchmarks: the bot runs as a separate process with
TELEGRAM_API_URL=http://127.0.0.1:PORT/bot and talks HTTP to this server exactly as to Telegram
(JSON or form bodies, multipart uploads, long-polling getUpdates). Optionally it enforces
Telegram's flood limit, answering 429 with retry_after beyond it.

    python -m bot.devtools.emulator_server --port 8081 [--limit 30]

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
import time

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

    def admit(self) -> bool:
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            self.refused += 1
            return False
        self._recent.append(now)
        return True


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
    def __init__(self, emulator: BotApiEmulator, flood: FloodControl | None = None) -> None:
        self.emulator = emulator
        self.flood = flood
        self._http: HTTPServer | None = None
        self.port = 0

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
        """Go down as a server does: stop listening and drop every open connection."""
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(Exception):
                await self._http.close_all_connections()
            self._http = None

    async def answer(self, request: HTTPServerRequest) -> Answer:
        """What Telegram would answer to `request`."""
        path = request.path
        if path == "/stats":  # for benchmarks: how much was sent, how much refused
            sent = sum(1 for call in self.emulator.calls if call.method in SENDING_METHODS)
            refused = self.flood.refused if self.flood else 0
            figures = {"sent": sent, "refused": refused, "polls": self.emulator.polls}
            return 200, json.dumps(figures).encode(), "application/json"
        if path.startswith("/file/"):
            status, content = self.emulator.download(path)
            return status, content, "application/octet-stream"
        method = path.rsplit("/", 1)[-1]
        try:
            params, files = request_params(request)
        except (ValueError, UnicodeDecodeError):
            params, files = {}, {}  # Telegram ignores a body it cannot read
        if self.flood is not None and method in SENDING_METHODS and not self.flood.admit():
            error = ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self.emulator.fail_next(method, error)
        status, answer = await self.emulator.handle(method, _decoded(params), files)
        return status, json.dumps(answer).encode(), "application/json"


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


async def _serve(port: int, limit: int | None, open_chats: bool) -> None:
    server = BotApiServer(
        BotApiEmulator(open_chats=open_chats), FloodControl(limit) if limit else None
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
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.limit, args.open_chats))


if __name__ == "__main__":
    main()
