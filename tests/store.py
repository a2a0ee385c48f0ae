"""The bot's database as a test sees it.

Repositories through a `Database` of the test's own (for arranging a scene the way the bot
would), and plain SQL through sqlite3: an oracle of what is stored that shares no code with
the repositories it checks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.db import Database, UnitOfWork

T = TypeVar("T")


class Store:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.database = db  # for building a service of the test's own on it
        self.path: Path = db.path

    async def read(self, work: Callable[[UnitOfWork], T]) -> T:
        return await self._db.read(work)

    async def write(self, work: Callable[[UnitOfWork], T]) -> T:
        return await self._db.write(work)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._connect() as conn:
            row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
        return row

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connect() as conn:
            return conn.execute(sql, params).fetchall()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement, committed (a scene the bot's own commands could not set up)."""
        conn = self._connect()
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        conn = self._connect()
        try:
            with conn:
                conn.executemany(sql, rows)
        finally:
            conn.close()
