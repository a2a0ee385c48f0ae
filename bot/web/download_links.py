"""Short-lived links to a registration list, for Telegram's own download
(`Telegram.WebApp.downloadFile`, Bot API 8.0): the Telegram app fetches the file itself,
without the page's signed initData, so the link carries what to export, signed.

A link says which list (an event's code or every registration, in which format, the events
the organizer may see, the time zone of its local times) and until when it works (two
minutes), never who asked: nothing personal in an address. It is signed with a key of its
own derived from the bot token (HMAC-SHA256), so nobody can make or change one; whoever
holds it within those two minutes gets the list, as with any download link. The organizer
who asked is in the audit log from the moment the link is made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

LIFETIME = timedelta(minutes=2)


@dataclass(frozen=True)
class ListOrder:
    code: str | None  # an event's code; None: every registration the organizer may see
    fmt: str  # "csv" or "xlsx"
    event_ids: frozenset[int] | None  # None: the whole programme
    timezone: str


class DownloadLinks:
    def __init__(self, bot_token: str) -> None:
        self._key = hmac.new(b"WebAppDownloads", bot_token.encode(), hashlib.sha256).digest()

    def issue(self, order: ListOrder, now: datetime) -> str:
        payload = {
            "c": order.code,
            "f": order.fmt,
            "e": sorted(order.event_ids) if order.event_ids is not None else None,
            "z": order.timezone,
            "x": int((now + LIFETIME).timestamp()),
            "n": secrets.token_hex(4),  # two links for the same list differ
        }
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        return f"{body}.{self._sign(body)}"

    def read(self, token: str, now: datetime) -> ListOrder | None:
        """The order a token signed here carries, if it is still valid; None otherwise."""
        body, _, signature = token.partition(".")
        if len(token) > 4_000 or not hmac.compare_digest(self._sign(body), signature):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            expires = datetime.fromtimestamp(int(payload["x"]), now.tzinfo)
            ids = payload["e"]
            order = ListOrder(
                payload["c"],
                payload["f"],
                frozenset(int(i) for i in ids) if ids is not None else None,
                str(payload["z"]),
            )
        except (ValueError, KeyError, TypeError):
            return None
        return order if now <= expires and order.fmt in ("csv", "xlsx") else None

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
