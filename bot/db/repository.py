"""What every repository shares: the connection of the unit of work it is bound to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from bot.db.dialect import Dialect

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row, by position or by column name (sqlite3.Row and the PostgreSQL rows)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def close(self) -> None: ...


class Connection(Protocol):
    """The part of a DB-API connection the repositories use: sqlite3's own, or the
    PostgreSQL adapter (`bot.db.postgres`), which takes the same SQL."""

    def execute(self, sql: str, parameters: Params = (), /) -> Any: ...
    def executemany(self, sql: str, parameters: Sequence[Params], /) -> Any: ...


@runtime_checkable
class StreamingConnection(Protocol):
    """A connection that reads a long result in pieces only when asked (PostgreSQL's
    client reads a whole result at once otherwise; SQLite's cursor steps row by row)."""

    def stream(self, sql: str, parameters: Params = (), /) -> Iterator[Any]: ...


class Repository:
    """Plain synchronous SQL on one connection, run on that connection's thread by
    `Database.read`/`Database.write`: no await between two statements of a unit of work."""

    def __init__(self, conn: Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def _one(self, sql: str, params: Params = ()) -> Row | None:
        """The row of a key lookup or an aggregate, or None."""
        cursor: Cursor = self._conn.execute(sql, params)
        try:
            row: Row | None = cursor.fetchone()
        finally:
            cursor.close()  # a statement left open would block the commit
        return row

    def _all(self, sql: str, params: Params = ()) -> list[Row]:
        cursor: Cursor = self._conn.execute(sql, params)
        return cursor.fetchall()

    def _run(self, sql: str, params: Params = ()) -> Cursor:
        cursor: Cursor = self._conn.execute(sql, params)
        return cursor

    def _run_many(self, sql: str, rows: Sequence[Params]) -> int:
        """The statement once per row; how many rows it changed in all."""
        cursor: Cursor = self._conn.executemany(sql, rows)
        return cursor.rowcount

    def _each(self, sql: str, params: Params = ()) -> Iterator[Row]:
        """The rows of a long read (an export) one at a time, never all in memory."""
        if isinstance(self._conn, StreamingConnection):
            return self._conn.stream(sql, params)
        return iter(self._conn.execute(sql, params))
