"""The emulator's webhook: updates posted to the bot as Telegram posts them (Bot API
`setWebhook`): a JSON `Update` in the body of a POST, the secret in the
`X-Telegram-Bot-Api-Secret-Token` header, up to `max_connections` at once; an update is done
when the bot answers 2xx and posted again later otherwise.

`backends`, when given, stand for a load balancer in front of several bot processes: each
post goes to the next of them in turn (the webhook URL's path kept), and a backend that
refuses connections is skipped for that post, as a balancer's health check would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_AFTER = 0.5  # seconds before an update the bot did not accept is posted again


class WebhookPusher:
    def __init__(
        self,
        url: str,
        secret: str | None,
        max_connections: int,
        updates: Callable[[], list[JSON]],
        delivered: Callable[[int], None],
        backends: list[str] | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.max_connections = max_connections
        self._updates = updates
        self._delivered = delivered
        self._backends = backends
        self._turn = itertools.count()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._retry_at: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.posts = 0
        self.last_error: str | None = None
        self.last_error_date: int | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook pusher")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Posts in flight abandoned first, then the client that made them closed."""
        self._stopping = True
        posts = list(self._in_flight.values())
        for task in posts:
            task.cancel()
        await asyncio.gather(*posts, return_exceptions=True)
        self._in_flight.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _targets(self) -> list[str]:
        if not self._backends:
            return [self.url]
        path = urlsplit(self.url).path
        first = next(self._turn) % len(self._backends)
        ordered = self._backends[first:] + self._backends[:first]
        return [backend.rstrip("/") + path for backend in ordered]

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=30.0) as client:
            while True:
                now = time.monotonic()
                soonest: float | None = None
                for update in [] if self._stopping else self._updates():
                    update_id = int(update["update_id"])
                    if update_id in self._in_flight:
                        continue
                    if len(self._in_flight) >= self.max_connections:
                        break
                    due = self._retry_at.get(update_id, 0.0)
                    if due > now:
                        soonest = due if soonest is None else min(soonest, due)
                        continue
                    self._in_flight[update_id] = asyncio.create_task(
                        self._post(client, update_id, update)
                    )
                self._wake.clear()
                wait = None if soonest is None else max(soonest - now, 0.01)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def _post(self, client: httpx.AsyncClient, update_id: int, update: JSON) -> None:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        body = json.dumps(update).encode()
        error = "no backend answered"
        try:
            for target in self._targets():
                try:
                    self.posts += 1
                    answer = await client.post(target, content=body, headers=headers)
                except httpx.TransportError as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                    continue  # the balancer tries the next process
                if 200 <= answer.status_code < 300:
                    self._retry_at.pop(update_id, None)
                    self._delivered(update_id)
                    return
                error = f"Wrong response from the webhook: {answer.status_code}"
                break
            self.last_error = error
            self.last_error_date = int(time.time())
            self._retry_at[update_id] = time.monotonic() + RETRY_AFTER
        finally:
            self._in_flight.pop(update_id, None)
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._updates())
