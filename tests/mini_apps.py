"""What the Mini App's tests share: initData signed as Telegram signs it, and the bot's
settings with its Mini App served on a free port of this machine."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.config import Listen, Settings, WebApp
from tests.conftest import settings_in

TOKEN = "123456:TEST"  # the tests' settings' token
PUBLIC_URL = "https://bot.example.org"


def with_mini_app(folder: Path, database_url: str) -> Settings:
    return settings_in(folder, database_url, web_app=WebApp(PUBLIC_URL, Listen("127.0.0.1", 0)))


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
