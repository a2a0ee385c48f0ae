"""The database layer: the only place with SQL. This module: connections and migrations.

One SQLite file in WAL mode. Writes go through one connection, one unit of work at a time
(`Database.transaction`, `BEGIN IMMEDIATE`), so rules such as "never more confirmed seats than
the capacity" hold inside a single transaction. Reads use a second connection, which WAL lets
run beside a write. Migrations are numbered SQL files applied once, in order, at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db.attendance import AttendanceRepository
from bot.db.events import EventRepository
from bot.db.outbox import OutboxRepository
from bot.db.registrations import RegistrationRepository
from bot.db.rows import all_rows, first_row
from bot.db.stats import StatsRepository
from bot.db.times import to_db
from bot.db.users import UserRepository

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered migrations of `folder`, in order; a gap or a duplicate number is a bug."""
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name {path.name!r} is not NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migrations must be numbered 1, 2, 3...; found {migration.name}")
    return migrations


class DatabaseUnusable(Exception):
    """The database file cannot be used: not SQLite, damaged, or not writable."""


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()  # else its thread would keep the process alive
        raise
    return conn


class Database:
    """Connections, migrations and units of work; repositories hang off it."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.users = UserRepository(self)
        self.events = EventRepository(self)
        self.registrations = RegistrationRepository(self)
        self.outbox = OutboxRepository(self)
        self.attendance = AttendanceRepository(self)
        self.stats = StatsRepository(self)

    @classmethod
    async def open(cls, path: Path, migrations: Iterable[Migration] | None = None) -> Database:
        """Open (creating and migrating) the database; DatabaseUnusable if the file is not one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await _connect(path)
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnusable(f"{path}: {exc}") from exc
        try:
            await writer.execute("PRAGMA journal_mode = WAL")
            await migrate(writer, load_migrations() if migrations is None else migrations)
            reader = await _connect(path)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One unit of work: committed if the block succeeds, rolled back if it raises."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.rollback()
                raise
            await self._writer.commit()

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """For queries of at most one row (a key lookup, an aggregate)."""
        return await first_row(self._reader, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return await all_rows(self._reader, sql, params)

    @asynccontextmanager
    async def read_cursor(self, sql: str, params: Params = ()) -> AsyncIterator[aiosqlite.Cursor]:
        """A cursor on a connection of its own, for long reads such as exports: its snapshot
        must not hold back what the bot's other reads see meanwhile."""
        conn = await _connect(self.path)
        try:
            await conn.execute("PRAGMA query_only = ON")
            async with conn.execute(sql, params) as cursor:
                yield cursor
        finally:
            await conn.close()

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API), taken while
        the bot keeps running: pages are copied in steps, so writers wait only briefly."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            destination = await aiosqlite.connect(target)
            try:
                await self._reader.backup(destination, pages=1024)
            finally:
                await destination.close()
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseUnusable(f"cannot write a backup to {target}: {exc}") from exc

    async def schema_version(self) -> int:
        row = await self.fetch_one("SELECT MAX(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0


async def migrate(conn: aiosqlite.Connection, migrations: Iterable[Migration]) -> list[str]:
    """Apply the migrations newer than the database, each in its own transaction."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    applied = []
    for migration in migrations:
        if migration.version <= current:
            continue
        try:
            await conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;")
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, to_db(datetime.now(UTC))),
            )
            await conn.commit()
        except BaseException:
            if conn.in_transaction:
                await conn.rollback()
            raise
        logger.info("Applied migration %s", migration.name)
        applied.append(migration.name)
    return applied
