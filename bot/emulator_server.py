"""The Bot API emulator behind a real HTTP server on 127.0.0.1.

For end-to-end tests and benchmarks: the bot runs as a separate process with
TELEGRAM_API_URL=http://127.0.0.1:PORT/bot and talks HTTP to this server exactly as to Telegram
(JSON or form bodies, multipart uploads, long-polling getUpdates). Optionally it enforces
Telegram's flood limit, answering 429 with retry_after beyond it.

    python -m bot.emulator_server --port 8081 [--limit 30]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import time
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.emulator import JSON, ApiError, BotApiEmulator

logger = logging.getLogger(__name__)
SENDING_METHODS = frozenset({"sendMessage", "sendDocument", "editMessageText", "sendPhoto"})
MAX_BODY = 60 * 1024 * 1024


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


def _parse_body(content_type: str, body: bytes) -> tuple[JSON, dict[str, tuple[str, bytes]]]:
    if not body:
        return {}, {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return (data if isinstance(data, dict) else {}), {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode())), {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        params: JSON = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            raw = part.get_payload(decode=True)
            payload = raw if isinstance(raw, bytes) else b""
            if filename is not None:
                files[str(name)] = (filename, payload)
            else:
                params[str(name)] = payload.decode()
        return params, files
    return {}, {}


class BotApiServer:
    def __init__(self, emulator: BotApiEmulator, flood: FloodControl | None = None) -> None:
        self.emulator = emulator
        self.flood = flood
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._client, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def stop(self) -> None:
        """Go down as a server does: stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = asyncio.current_task()
        if connection is not None:
            self._connections.add(connection)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                status, body, content_type = await self._answer(*request)
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # dropped by `stop`; ending quietly keeps asyncio from logging it as a failure
        finally:
            writer.close()
            self._connections.discard(connection)

    @staticmethod
    async def _read_request(
        reader: asyncio.StreamReader,
    ) -> tuple[str, dict[str, str], bytes] | None:
        line = await reader.readline()
        if not line:
            return None
        parts = line.decode("latin-1").split()
        if len(parts) < 2:
            return None
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            key, _, value = header.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY:
            return None
        body = await reader.readexactly(length) if length else b""
        return parts[1], headers, body

    async def _answer(
        self, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, str]:
        path = urlsplit(target).path
        if path == "/stats":  # for benchmarks: how much was sent, how much refused
            sent = sum(1 for call in self.emulator.calls if call.method in SENDING_METHODS)
            refused = self.flood.refused if self.flood else 0
            figures = {"sent": sent, "refused": refused, "polls": self.emulator.polls}
            return 200, json.dumps(figures).encode(), "application/json"
        if path.startswith("/file/"):
            status, content = self.emulator.download(path)
            return status, content, "application/octet-stream"
        method = path.rsplit("/", 1)[-1]
        params, files = _parse_body(headers.get("content-type", ""), body)
        query = dict(parse_qsl(urlsplit(target).query))
        params = {**query, **params}
        if self.flood is not None and method in SENDING_METHODS and not self.flood.admit():
            error = ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self.emulator.fail_next(method, error)
        status, answer = await self.emulator.handle(method, _decoded(params), files)
        return status, json.dumps(answer).encode(), "application/json"


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
