"""Reads in one round trip to a connection's thread.

aiosqlite runs each call (execute, fetch, close) as a hop to its thread and back; a read done
as execute-then-fetch costs three. These take one, which matters on every update.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

Params = Any  # a sequence for "?" placeholders, a mapping for ":name" ones


async def first_row(
    conn: aiosqlite.Connection, sql: str, params: Params = ()
) -> aiosqlite.Row | None:
    """The row of a key lookup or an aggregate, or None: for queries of at most one row."""
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def all_rows(
    conn: aiosqlite.Connection, sql: str, params: Params = ()
) -> list[aiosqlite.Row]:
    return list(await conn.execute_fetchall(sql, params))
