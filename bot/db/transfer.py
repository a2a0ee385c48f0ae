"""`python -m bot migrate-sqlite-to-postgres`: a SQLite database's rows copied into PostgreSQL.

Both databases are first brought to the same migration (the two folders build the same
tables, see migrations/README.md); then every table is copied, parents before children,
with PostgreSQL's COPY, in one transaction under the bot's write lock: the target holds all
of it or nothing. Generated ids go on after the highest one copied. The target must hold no
rows yet, so nothing is merged by accident.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bot.db.core import SqliteDatabase
from bot.db.postgres import WRITE_LOCK, PgRow, PostgresDatabase, connect, describe

COPY_BATCH = 5_000


class TransferRefused(Exception):
    """The copy cannot be made as asked (the reason is for the operator)."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """Every table of data, each after the tables its foreign keys name (not
    schema_version, nor send_budget: the running bots' pacing, not data)."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT IN ('schema_version', 'send_budget') ORDER BY name"
        )
    ]
    parents = {
        name: {str(r[2]) for r in conn.execute(f"PRAGMA foreign_key_list({name})")} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise RuntimeError(
                f"foreign keys form a cycle among {sorted(set(names) - set(ordered))}"
            )
        ordered.extend(ready)
    return ordered


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


async def copy_sqlite_to_postgres(
    source: Path, url: str, progress: Callable[[Copied], None] = lambda copied: None
) -> list[Copied]:
    """Copy every row of the SQLite database at `source` into the PostgreSQL database at
    `url`; what was copied, table by table (counted again in the target)."""
    if not await asyncio.to_thread(source.is_file):
        raise TransferRefused(f"There is no SQLite database at {source}.")
    for database in (await SqliteDatabase.open(source), await PostgresDatabase.open(url)):
        await database.close()  # both at the latest migration
    return await asyncio.to_thread(_copy, source, url, progress)


def _copy(source: Path, url: str, progress: Callable[[Copied], None]) -> list[Copied]:
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = _tables_in_order(lite)
        with connect(url, autocommit=True) as pg, pg.transaction():
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            _check_empty(pg, tables, url)
            copied = []
            for table in tables:
                copied.append(Copied(table, _copy_table(lite, pg, table)))
                progress(copied[-1])
            _continue_ids(pg, tables)
            for done in copied:
                row = pg.execute(f"SELECT COUNT(*) FROM {done.table}".encode()).fetchone()
                if row is None or int(row[0]) != done.rows:
                    raise RuntimeError(f"{done.table}: {done.rows} rows read, not as many written")
    finally:
        lite.close()
    return copied


def _check_empty(pg: psycopg.Connection[PgRow], tables: list[str], url: str) -> None:
    for table in tables:
        if pg.execute(f"SELECT 1 FROM {table} LIMIT 1".encode()).fetchone() is not None:
            raise TransferRefused(
                f"{describe(url)} already holds data (table {table}). Give the copy an empty "
                "database, so that nothing is merged by accident."
            )


def _copy_table(lite: sqlite3.Connection, pg: psycopg.Connection[PgRow], table: str) -> int:
    columns = _columns(lite, table)
    names = ", ".join(columns)
    count = 0
    rows = lite.execute(f"SELECT {names} FROM {table}")
    with pg.cursor().copy(f"COPY {table} ({names}) FROM STDIN".encode()) as copy:
        while batch := rows.fetchmany(COPY_BATCH):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    return count


def _continue_ids(pg: psycopg.Connection[PgRow], tables: list[str]) -> None:
    """Each generated id column goes on after the highest id copied."""
    identities = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall()
    for table, column in identities:
        if table not in tables:
            continue
        pg.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)".encode()
        )
