"""Logs that never carry the bot's token.

python-telegram-bot's errors quote the URL they called, and the URL holds the token (an
`InvalidToken` at start-up, a 404 from a mistyped TELEGRAM_API_URL, a network error). The
filter sits on the log handlers, so it sees every record whichever library logged it, and
replaces the token, and its secret half alone, in the message and in the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "<token>"


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
        if not self._secrets:
            return True
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
        return text


def protect_handlers(secrets: Iterable[str | None], logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default)."""
    redact = RedactSecrets(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redact)
