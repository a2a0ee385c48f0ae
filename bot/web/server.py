"""uvicorn serving an ASGI app inside the bot's own event loop, started and stopped by the bot.

uvicorn's `serve()` takes over SIGINT and SIGTERM while it runs; here the bot keeps them
(python-telegram-bot's polling loop, or the webhook runner, stop everything in order), so
the server only listens and is told when to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from bot.config import Listen

logger = logging.getLogger(__name__)


class CannotListen(OSError):
    """The address to listen on is taken, or not this machine's: a setting to fix."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the bot's own handlers stay in place


class WebServer:
    def __init__(self, app: ASGIApp, listen: Listen) -> None:
        config = uvicorn.Config(
            app,
            host=listen.host,
            port=listen.port,
            lifespan="off",
            access_log=False,  # a request line names the path and the caller: not needed
            log_level="warning",
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._listen = listen
        self._task: asyncio.Task[None] | None = None

        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the one chosen for port 0)."""
        if self._socket is not None:
            return int(self._socket.getsockname()[1])
        return self._listen.port

    async def start(self) -> None:
        """Listening when this returns; OSError (with the address) when it cannot bind.
        The socket is bound here, not by uvicorn, which would exit the process instead."""
        family = socket.AF_INET6 if ":" in self._listen.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Inherited by every connection accepted (Linux): an answer whose headers and
            # body leave in two writes is not held back 40 ms by Nagle's algorithm waiting
            # for the client's delayed acknowledgement.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self._listen.host, self._listen.port))
        except OSError as exc:
            sock.close()
            raise CannotListen(f"cannot listen on {self._listen}: {exc.strerror or exc}") from exc
        sock.set_inheritable(True)
        self._socket = sock
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="web server")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise OSError(f"cannot serve on {self._listen}")
            await asyncio.sleep(0.01)
        logger.info("Web server listening on %s", self._listen)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
