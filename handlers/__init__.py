"""Telegram transport: each module parses updates, calls a service and renders the answer.

`register_all` is the one wiring point. Every user-facing handler lives in group 0, where the
first matching handler wins, so the order below matters: wizards before plain commands,
the catch-all answers of `fallback` last.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import errors, fallback, help, language, start, timezone
from handlers.context import load_viewer

LOAD_VIEWER_GROUP = -1


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, load_viewer), group=LOAD_VIEWER_GROUP)
    timezone.register(app)
    start.register(app)
    language.register(app)
    help.register(app)
    fallback.register(app)  # last: it answers whatever the others did not take
    app.add_error_handler(errors.on_error)
