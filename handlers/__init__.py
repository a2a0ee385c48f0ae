"""Telegram transport: each module parses updates, calls a service and renders the answer.

`register_all` is the one wiring point. Handler groups (see `handlers.wizards`):
- GROUP_LOAD_VIEWER: records the user and loads their language and zone before anything else;
- one group per wizard, so several conversations never compete for the same message;
- GROUP_GENERAL: every other handler, where the first match wins, so order matters there:
  specific handlers first, the catch-all answers of `fallback` last.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, TypeHandler, filters

from handlers import (
    attendance,
    broadcast,
    certificates,
    coorganizers,
    course_edit,
    course_wizard,
    courses,
    errors,
    event_admin,
    event_wizard,
    events,
    exports,
    fallback,
    feedback,
    help,
    language,
    my,
    organizers,
    privacy,
    profile,
    programme_upload,
    registrants,
    registration,
    start,
    stats,
    timezone,
)
from handlers.context import load_viewer
from handlers.wizards import GROUP_AFTER, GROUP_LOAD_VIEWER, remind_paused


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, load_viewer), group=GROUP_LOAD_VIEWER)
    timezone.register(app)
    event_wizard.register(app)
    event_admin.register(app)
    course_wizard.register(app)
    course_edit.register(app)
    profile.register(app)
    broadcast.register(app)
    coorganizers.register(app)
    feedback.register(app)
    certificates.register(app)
    start.register(app)
    language.register(app)
    events.register(app)
    registration.register(app)
    courses.register(app)
    my.register(app)
    privacy.register(app)
    exports.register(app)
    registrants.register(app)
    attendance.register(app)
    stats.register(app)
    organizers.register(app)
    programme_upload.register(app)
    help.register(app)
    attendance.register_code_listener(app)  # plain text: maybe a session code...
    fallback.register(app)  # ...and last, an answer for whatever the others did not take
    app.add_handler(MessageHandler(filters.COMMAND, remind_paused), group=GROUP_AFTER)
    app.add_error_handler(errors.on_error)
