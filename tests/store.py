"""The bot's database as a test sees it.

Repositories through a `Database` of the test's own (for arranging a scene the way the bot
would), and plain SQL through the database's own driver (sqlite3, or psycopg for PostgreSQL):
an oracle of what is stored that shares no code with the repositories it checks. Tests write
their SQL once, with `?` parameters; for PostgreSQL the oracle turns each `?` into psycopg's
`%s` (and doubles a `%`), nothing more.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.db import Database, UnitOfWork

T = TypeVar("T")


def _psycopg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class OracleConnection:
    """A plain connection to the database at `target` (a SQLite file or a PostgreSQL URL),
    taking `?` parameters either way; rows are tuples."""

    def __init__(self, target: Path | str) -> None:
        self._postgres = isinstance(target, str)
        if isinstance(target, str):
            import psycopg

            self._pg = psycopg.connect(target, cursor_factory=psycopg.ClientCursor)
        else:
            self._lite = sqlite3.connect(target, timeout=10)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self._postgres:
            return self._pg.execute(_psycopg_sql(sql), params)
        return self._lite.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._postgres:
            with self._pg.cursor() as cursor:
                cursor.executemany(_psycopg_sql(sql), rows)
        else:
            self._lite.executemany(sql, rows)

    def commit(self) -> None:
        (self._pg if self._postgres else self._lite).commit()

    def close(self) -> None:
        (self._pg if self._postgres else self._lite).close()


@contextlib.contextmanager
def oracle(target: Path | str) -> Iterator[OracleConnection]:
    """An oracle connection, committed if the block ends normally, closed in any case."""
    conn = OracleConnection(target)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def target_of(db: Database) -> Path | str:
    """Where the oracle finds what `db` stored: its file, or its server's URL."""
    url: str | None = getattr(db, "url", None)
    if url:
        return url
    assert db.file is not None
    return db.file


def database_env(store: Store) -> dict[str, str]:
    """The environment that points a `python -m bot` command at the store's database."""
    if isinstance(store.target, str):
        return {"DATABASE_URL": store.target}
    return {"DATABASE_PATH": str(store.target)}


class Store:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.database = db  # for building a service of the test's own on it
        self.target = target_of(db)
        self.path: Path | None = db.file

    async def read(self, work: Callable[[UnitOfWork], T]) -> T:
        return await self._db.read(work)

    async def write(self, work: Callable[[UnitOfWork], T]) -> T:
        return await self._db.write(work)

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with oracle(self.target) as conn:
            row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
        return row

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with oracle(self.target) as conn:
            rows: list[tuple[Any, ...]] = conn.execute(sql, params).fetchall()
        return rows

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement, committed (a scene the bot's own commands could not set up)."""
        with oracle(self.target) as conn:
            conn.execute(sql, params)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with oracle(self.target) as conn:
            conn.executemany(sql, rows)
