"""Which SQLite file a bot process runs on: a lock held for the whole run (`flock`, released by
the kernel however the process ends, SIGKILL included).

What it prevents: copying the file into PostgreSQL while the bot still writes to it (the copy
would miss whatever came after, silently), and a second bot process on the same file (two
pollers of one token take each other's updates). Other commands (import, export, backup) run
beside the bot, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class BotRunning(Exception):
    """A bot process runs on that database file now."""


def lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".running")


@contextlib.contextmanager
def running_on(database: Path) -> Iterator[None]:
    """Held while the bot runs on `database`; BotRunning if another process holds it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BotRunning(
                f"a bot process is running on {database}: stop it first (one process per "
                "SQLite database; several processes need PostgreSQL, see the README)"
            ) from None
        yield
    finally:
        os.close(fd)


def bot_running_on(database: Path) -> bool:
    if not lock_file(database).exists():
        return False
    try:
        with running_on(database):
            return False
    except BotRunning:
        return True
