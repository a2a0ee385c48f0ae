"""What the Mini App's tests share: initData signed as Telegram signs it, the bot's settings
with its Mini App served on a free port of this machine (the `settings` fixture, which a
test module takes by importing it), and an HTTP client for its pages."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Listen, Settings, WebApp
from tests.conftest import settings_in

TOKEN = "123456:TEST"  # the tests' settings' token
PUBLIC_URL = "https://bot.example.org"


def with_mini_app(folder: Path, database_url: str) -> Settings:
    return settings_in(folder, database_url, web_app=WebApp(PUBLIC_URL, Listen("127.0.0.1", 0)))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The bot with its Mini App, served on a free port of this machine."""
    return with_mini_app(tmp_path, database_url)


@pytest.fixture
async def client(app: BotApplication) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to the bot's /app/ pages."""
    port = app.web_servers[0].port
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/app/") as http:
        yield http


def signed_as(clock: FrozenClock, user: dict[str, Any]) -> dict[str, str]:
    """The header a page's call carries for `user`, signed now."""
    return {"Authorization": "tma " + telegram_init_data(user, clock.now())}


def telegram_init_data(
    user: dict[str, Any] | None, signed_at: datetime, token: str = TOKEN, **more: str
) -> str:
    """initData as Telegram builds it: the fields, and `hash` = hex HMAC-SHA256 of the
    data-check-string (fields but hash, sorted, "key=value" joined by line feeds), keyed with
    HMAC-SHA256 of the bot token under the key "WebAppData"."""
    fields = {"auth_date": str(int(signed_at.timestamp())), "query_id": "AAHdF6IQAAAAAN0XohDhrOrc"}
    if user is not None:
        fields["user"] = json.dumps(user, separators=(",", ":"), ensure_ascii=False)
    fields |= more
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
