"""The Mini App's API calls: only from a person Telegram vouches for (their signed
`initData` in `Authorization: tma <initData>`, the convention of Telegram's Mini App
documentation), with a small JSON body; answered as JSON, never cached.

A refusal is logged by its kind only; what a person typed travels in bodies, never in
addresses; an unexpected error is logged with the path (not the person) and answered 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.clock import Clock
from bot.i18n import language_tag
from bot.models import Contact
from bot.web.init_data import NotSigned, WebAppUser, secret_key, verify
from handlers.context import Viewer
from handlers.mini_app import MiniAppDesk

logger = logging.getLogger(__name__)

MAX_BODY = 16_384  # a whole form is under 2 KB
NO_STORE = {"Cache-Control": "no-store"}

Body = dict[str, Any]
Call = Callable[[Request, Viewer, Body], Awaitable[Response]]
Handler = Callable[[Request], Awaitable[Response]]


def answer(payload: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status, headers=NO_STORE)


def unavailable() -> Response:
    return answer({"error": "starting or stopping"}, 503)


def organizers_only(call: Call) -> Call:
    """Answered for organizers only (403 for anyone else, nothing done)."""

    async def checked(request: Request, viewer: Viewer, body: Body) -> Response:
        if not viewer.is_organizer:
            return answer({"error": "organizers only"}, 403)
        return await call(request, viewer, body)

    return checked


class SignedCalls:
    """Wraps an API call: `signed(call)` answers only signed callers."""

    def __init__(self, desk: MiniAppDesk, bot_token: str, clock: Clock) -> None:
        self._desk = desk
        self._key = secret_key(bot_token)
        self._clock = clock

    def __call__(self, call: Call) -> Handler:
        desk = self._desk

        async def checked(request: Request) -> Response:
            if not desk.ready:
                return unavailable()
            scheme, _, init_data = request.headers.get("authorization", "").partition(" ")
            try:
                if scheme.lower() != "tma":
                    raise NotSigned("no initData")
                user = verify(init_data.strip(), self._key, self._clock.now())
            except NotSigned as refusal:
                logger.info("Mini App request refused: %s", refusal)
                return answer({"error": "unauthorized"}, 401)
            body = await _body(request)
            if isinstance(body, Response):
                return body
            try:
                viewer = await desk.enter(_contact(user))
                return await call(request, viewer, body)
            except Exception:  # the page says "try again"; the log says where, not who
                logger.exception("Mini App request %s failed", request.url.path)
                return answer({"error": "failed"}, 500)

        return checked


async def _body(request: Request) -> Body | Response:
    if request.method != "POST":
        return {}
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return answer({"error": "too large"}, 413)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return answer({"error": "not JSON"}, 400)
    return body


def _contact(user: WebAppUser) -> Contact:
    return Contact(
        user_id=user.user_id,
        first_name=user.first_name,
        last_name=user.last_name or None,
        username=user.username or None,
        language_code=language_tag(user.language_code),
    )
