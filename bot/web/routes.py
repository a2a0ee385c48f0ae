"""The web server's routes: Telegram's webhook, /healthz, /metrics (and the Mini App's, from
`bot.web.mini_app`, when it is served).

The webhook answers 200 only once the update is stored (`receive` returns): an update the bot
could not store gets a 5xx, and Telegram delivers it again later. A request without the
secret Telegram was given (`X-Telegram-Bot-Api-Secret-Token`, Bot API `setWebhook`) is refused
with 401 and changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db import DatabaseGone
from bot.metrics import Metrics
from bot.web.health import Health

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000  # an update is a few KB; a programme file comes by file id
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

Receive = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class WebhookRoute:
    path: str
    secret: str
    receive: Receive  # stores the update durably and hands it on; raises when it cannot


def build_web_app(
    health: Callable[[], Awaitable[Health]],
    metrics: Metrics,
    webhook: WebhookRoute | None = None,
    mini_app: Sequence[BaseRoute] = (),
) -> Starlette:
    async def healthz(request: Request) -> Response:
        report = await health()
        _record(metrics, report)
        return JSONResponse(report.as_json(), status_code=200 if report.healthy else 503)

    async def deliveries(request: Request) -> Response:
        report = await health()
        _record(metrics, report)
        return JSONResponse(report.as_json(), status_code=200 if report.delivering else 503)

    async def prometheus(request: Request) -> Response:
        _record(metrics, await health())
        return Response(metrics.render(), media_type=PROMETHEUS_TEXT)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/healthz/deliveries", deliveries, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ]
    if webhook is not None:
        routes.append(Route(webhook.path, _webhook(webhook, metrics), methods=["POST"]))
    return Starlette(routes=[*routes, *mini_app])


def _record(metrics: Metrics, health: Health) -> None:
    metrics.database_up.set(0 if health.database_error else 1)
    metrics.backlog.set(health.due)
    metrics.oldest_due.set(health.oldest_waited)
    metrics.unhandled.set(health.unhandled)
    metrics.oldest_unhandled.set(health.oldest_unhandled)


def _webhook(route: WebhookRoute, metrics: Metrics) -> Callable[[Request], Awaitable[Response]]:
    expected = route.secret.encode()

    def refused(reason: str, text: str, status: int) -> Response:
        metrics.webhook_post_refused(reason)
        return PlainTextResponse(text, status_code=status)

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return refused("unauthorized", "Unauthorized", 401)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
            return refused("too-large", "Too large", 413)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return refused("too-large", "Too large", 413)
        try:
            payload = json.loads(body)
        except ValueError:
            return refused("not-json", "Not JSON", 400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return refused("not-an-update", "Not an update", 400)
        try:
            await route.receive(payload)
        except DatabaseGone:  # the bot is stopping, and its log says why
            return refused("not-stored", "Not stored", 503)
        except Exception:
            # Telegram delivers it again later; the log says which update, not what it said.
            logger.exception(
                "Could not store update %s; Telegram will send it again", payload["update_id"]
            )
            return refused("not-stored", "Not stored", 503)
        return Response(status_code=200)

    return receive
