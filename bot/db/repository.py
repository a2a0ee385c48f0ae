"""What every repository shares: the connection of the unit of work it is bound to."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]


class Repository:
    """Plain synchronous SQL on one connection, run on that connection's thread by
    `Database.read`/`Database.write`: no await between two statements of a unit of work."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The row of a key lookup or an aggregate, or None."""
        cursor = self._conn.execute(sql, params)
        try:
            row: sqlite3.Row | None = cursor.fetchone()
        finally:
            cursor.close()  # a statement left open would block the commit
        return row

    def _all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    def _run(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)

    def _run_many(self, sql: str, rows: Sequence[Params]) -> sqlite3.Cursor:
        return self._conn.executemany(sql, rows)
