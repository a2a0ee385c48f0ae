"""Logs that never carry the bot's secrets, nor the values of a database row.

python-telegram-bot's errors quote the URL they called, and the URL holds the token (an
`InvalidToken` at start-up, a 404 from a mistyped TELEGRAM_API_URL, a network error). The
filter sits on the log handlers, so it sees every record whichever library logged it, and
replaces the token, and its secret half alone, in the message and in the traceback; the same
for the other secrets it is given (the database's password, the webhook's secret).

PostgreSQL's errors add DETAIL lines that quote the row concerned ("Key (code)=(…)",
"Failing row contains (…)": a person's name or email): those lines are cut short.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

REDACTED = "<token>"
_ROW_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
ROW_LEFT_OUT = r"\1 (left out: it may quote a row's values)"


def url_password(url: str) -> str | None:
    """The password inside a database URL, to be kept out of the log."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        found: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            found.add(secret)
            _, _, half = secret.partition(":")
            if len(half) >= 16:  # the part after the bot id is the secret itself
                found.add(half)
        self._secrets = sorted(found, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self._redact(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        record.msg, record.args = message, ()
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _ROW_DETAIL.sub(ROW_LEFT_OUT, text)


def protect_handlers(secrets: Iterable[str | None], logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default)."""
    redact = RedactSecrets(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redact)
