"""A SQLite connection that lives on a thread of its own, reached in one hop per unit of work.

aiosqlite hops to its thread and back for every call (execute, fetch, commit); an update that
reads a user, an event and a registration made a dozen hops. Here the caller hands over a
whole piece of work (a plain function over repositories bound to the connection) and awaits
it once: one hop per unit of work, whatever it reads or writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000


def _open(path: Path, read_only: bool) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE for writes).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


class ThreadConnection:
    """One sqlite3 connection used only from its own single worker thread."""

    def __init__(self, path: Path, *, read_only: bool, name: str) -> None:
        self._path = path
        self._read_only = read_only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._conn = await self._run(lambda: _open(self._path, self._read_only))

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
