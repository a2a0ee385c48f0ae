"""Who is calling the Mini App's API: Telegram's signed `initData`, checked as the Bot API
documentation says ("Validating data received via the Mini App").

The data-check-string is every field received except `hash`, sorted by key, as `key=value`
lines joined by a line feed; the secret key is HMAC-SHA256 of the bot token keyed with the
string "WebAppData"; the hash is the hex HMAC-SHA256 of the data-check-string with that key.
`auth_date` older than a day is refused: a link copied from a device yesterday is not a
password for ever. Nothing here logs: the caller says "refused" and no more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(days=1)
MAX_LENGTH = 8_192  # Telegram's initData is a few hundred bytes; a megabyte is not one
FUTURE_SKEW = timedelta(minutes=5)  # a phone's clock slightly ahead of ours


class NotSigned(ValueError):
    """Not initData Telegram signed for this bot now: refused, whatever the reason."""


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user the Mini App was opened by, as Telegram vouches for them."""

    user_id: int
    first_name: str
    last_name: str
    username: str
    language_code: str

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def verify(init_data: str, key: bytes, now: datetime) -> WebAppUser:
    """The user `init_data` was signed for (with `key`, from `secret_key`), or NotSigned."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise NotSigned("missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise NotSigned("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise NotSigned("a field given twice")
    given = fields.pop("hash", "")
    check = "\n".join(f"{key_}={value}" for key_, value in sorted(fields.items()))
    expected = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise NotSigned("wrong hash")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise NotSigned("no auth_date") from None
    if not now - MAX_AGE <= signed_at <= now + FUTURE_SKEW:
        raise NotSigned("expired")
    return _user(fields.get("user", ""))


def _user(raw: str) -> WebAppUser:
    try:
        user = json.loads(raw)
        user_id = user["id"]
    except (ValueError, TypeError, KeyError):
        raise NotSigned("no user") from None
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise NotSigned("no user")
    if user.get("is_bot"):
        raise NotSigned("a bot")

    def text(name: str) -> str:
        value = user.get(name)
        return value if isinstance(value, str) else ""

    return WebAppUser(
        user_id, text("first_name"), text("last_name"), text("username"), text("language_code")
    )
