"""SQLite connections: one used right on the event loop's thread, others on threads of their own.

A unit of work of the bot's conversation (a user, an event, a registration: a few indexed
statements, tens of microseconds) costs less than the trip to a thread and back, and far less
than what that trip really costs: a thread that comes back from sqlite3 waits for the GIL
while the loop is busy (up to the interpreter's 5 ms switch interval). So those units run
inline, on a connection that never waits for a lock (`INLINE_BUSY_TIMEOUT_MS`): the one wait
that could block the loop is another writer's lock, and then the unit goes to the writer's
thread instead. Long units (an import, a broadcast's audience, statistics, a backup) run on a
thread of their own in one hop, whatever they read or write, so the bot keeps answering.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.db.search_text import fold

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
INLINE_BUSY_TIMEOUT_MS = 0


def open_connection(
    path: Path, *, read_only: bool = False, inline: bool = False
) -> sqlite3.Connection:
    """A connection with the bot's settings. An inline one is checked to stay on the thread
    that opened it, never waits for a lock (`SQLITE_BUSY` at once) and never checkpoints
    the WAL itself (a checkpoint syncs the disk: the database does it on a thread)."""
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE for writes).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=inline)
    try:
        conn.row_factory = sqlite3.Row
        timeout = INLINE_BUSY_TIMEOUT_MS if inline else BUSY_TIMEOUT_MS
        conn.execute(f"PRAGMA busy_timeout = {timeout}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Freed pages are overwritten: what /forgetme erased is not left in the file.
        conn.execute("PRAGMA secure_delete = ON")
        # Text folded as a search compares it (any script's case, full-width forms): migration
        # 0011 filled the registrants' search column with it.
        conn.create_function("fold", 1, fold, deterministic=True)
        if inline:
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def is_busy(error: sqlite3.Error) -> bool:
    """Whether `error` says another connection holds the lock (SQLITE_BUSY or an extended
    code of it): the unit of work did not run and may be run again elsewhere."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class ThreadConnection:
    """One sqlite3 connection used only from its own single worker thread."""

    def __init__(self, path: Path, *, read_only: bool, name: str) -> None:
        self._path = path
        self._read_only = read_only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._conn = await self._run(lambda: open_connection(self._path, read_only=self._read_only))

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` on the connection's thread: one hop there and back."""
        conn = self._conn
        if conn is None:
            raise RuntimeError("the database connection is closed")
        return await self._run(lambda: work(conn))

    async def _run(self, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, call)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._run(conn.close)
        self._executor.shutdown(wait=True)
