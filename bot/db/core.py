"""SQLite: the default database, one file in WAL mode; and the migrations of both databases.
 A unit of work is a plain function over repositories, with no
await inside: a write is one `BEGIN IMMEDIATE` transaction (`Database.write`), so rules such
as "never more confirmed seats than the capacity" hold inside it, and a read is one snapshot
(`Database.read`). The bot's short units run on the event loop's thread itself (see
`connection`); a unit marked `heavy` runs on the writer's or the reader's thread, as does a
short write that finds the lock taken (by a heavy unit or by the command line). Migrations are
numbered SQL files applied once, in order, at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.db.base import STREAM_BATCH, Database, DatabaseGone, DatabaseUnusable, Migration
from bot.db.connection import ThreadConnection, is_busy, open_connection
from bot.db.dialect import SQLITE
from bot.db.times import to_db
from bot.db.unit import UnitOfWork

logger = logging.getLogger(__name__)

# One folder per database, numbered alike: migration N brings either to the same schema.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "sqlite"
POSTGRES_MIGRATIONS_DIR = MIGRATIONS_DIR.with_name("postgresql")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# The inline connection leaves checkpoints to the writer's thread: every CHECKPOINT_EVERY
# inline commits, a WAL grown past CHECKPOINT_AT bytes (SQLite's own default: 1,000 pages)
# is copied back into the database there.
CHECKPOINT_EVERY = 200
CHECKPOINT_AT = 4 * 1024 * 1024

T = TypeVar("T")


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


def _in_transaction(work: Callable[[UnitOfWork], T]) -> Callable[[sqlite3.Connection], T]:
    def run(conn: sqlite3.Connection) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(UnitOfWork(conn))
            conn.commit()
        except BaseException:
            # A commit that failed leaves the transaction open, holding the write lock:
            # every later write would fail with it.
            conn.rollback()
            raise
        return result

    return run


def _snapshot(work: Callable[[UnitOfWork], T]) -> Callable[[sqlite3.Connection], T]:
    def run(conn: sqlite3.Connection) -> T:
        # One read transaction: every query of the work sees the same moment.
        conn.execute("BEGIN")
        try:
            return work(UnitOfWork(conn))
        finally:
            conn.rollback()

    return run


class SqliteDatabase(Database):
    """Units of work inline (on the event loop's thread), or on the writer's or reader's
    thread: see `connection`."""

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        inline: sqlite3.Connection,
        writer: ThreadConnection,
        reader: ThreadConnection,
    ) -> None:
        self.path = path
        self._identity = _identity(path)
        self._inline = inline
        self._writer = writer
        self._reader = reader
        self._wal = path.with_name(f"{path.name}-wal")
        self._inline_commits = 0
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, path: Path, migrations: Iterable[Migration] | None = None
    ) -> SqliteDatabase:
        """Open (creating and migrating) the database; DatabaseUnusable if the file is not one."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        writer = ThreadConnection(path, read_only=False, name="db-writer")
        reader = ThreadConnection(path, read_only=True, name="db-reader")
        inline: sqlite3.Connection | None = None
        try:
            try:
                await writer.open()
                await writer.run(lambda conn: conn.execute("PRAGMA journal_mode = WAL").fetchall())
            except sqlite3.DatabaseError as exc:
                raise DatabaseUnusable(f"{path}: {exc}") from exc
            steps = list(load_migrations() if migrations is None else migrations)
            await writer.run(lambda conn: migrate(conn, steps))
            await reader.open()
            inline = open_connection(path, inline=True)
            _keep_private(path)
        except BaseException:
            await reader.close()
            await writer.close()
            raise
        return cls(path, inline, writer, reader)

    async def close(self) -> None:
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        gone = _identity(self.path) != self._identity
        self._inline.close()
        await self._reader.close()
        await self._writer.close()
        if gone:
            # The log and shared memory of the database that was deleted: left there, SQLite
            # would replay them into whatever file is put back at this path (a restored
            # backup), corrupting it or bringing back what the backup did not hold.
            for side in ("-wal", "-shm"):
                self.path.with_name(self.path.name + side).unlink(missing_ok=True)

    @property
    def description(self) -> str:
        return f"SQLite database {self.path}"

    @property
    def file(self) -> Path:
        return self.path

    async def write(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        """`heavy` (an import, a broadcast's audience) runs on the writer's thread while the
        bot goes on answering."""
        self.check_still_there()
        if not heavy:
            try:
                result = _in_transaction(work)(self._inline)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
            else:
                self._committed_inline()
                return result
        return await self._writer.run(_in_transaction(work))

    async def read(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        if not heavy:
            try:
                return _snapshot(work)(self._inline)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
        return await self._reader.run(_snapshot(work))

    def check_still_there(self) -> None:
        """Raise DatabaseGone if the file at `path` is no longer the one opened (deleted,
        moved away, or replaced by another file)."""
        if _identity(self.path) != self._identity:
            raise DatabaseGone(
                f"{self.path} was deleted or replaced while the bot was running; restore it "
                "(python -m bot backup makes copies) and start the bot again"
            )

    def _committed_inline(self) -> None:
        self._inline_commits += 1
        if self._inline_commits % CHECKPOINT_EVERY or self._checkpoint is not None:
            return
        try:
            grown = self._wal.stat().st_size >= CHECKPOINT_AT
        except OSError:
            return
        if grown:
            self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_wal())

    async def _checkpoint_wal(self) -> None:
        try:
            # Read to the end: a statement left unfinished on the writer's connection would
            # make the next write's commit fail ("SQL statements in progress").
            await self._writer.run(
                lambda conn: conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            )
        except sqlite3.Error:
            logger.exception("Checkpointing the database's log failed; the next one will retry")
        finally:
            self._checkpoint = None

    async def stream(
        self, query: Callable[[UnitOfWork], Iterator[T]], batch: int = STREAM_BATCH
    ) -> AsyncIterator[list[T]]:
        """On a connection of its own: its snapshot must not hold back what the bot's other
        reads see meanwhile."""
        conn = ThreadConnection(self.path, read_only=True, name="db-stream")
        await conn.open()
        try:
            items = await conn.run(lambda c: query(UnitOfWork(c)))

            def next_batch(_: sqlite3.Connection) -> list[T]:
                return [item for _, item in zip(range(batch), items, strict=False)]

            while chunk := await conn.run(next_batch):
                yield chunk
        finally:
            await conn.close()

    async def backup(self, target: Path) -> None:
        """SQLite's online backup API: pages are copied in steps, so writers wait only
        briefly."""

        def copy(conn: sqlite3.Connection) -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            destination = sqlite3.connect(target)
            try:
                conn.backup(destination, pages=1024)
            finally:
                destination.close()

        try:
            await self._reader.run(copy)
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseUnusable(f"cannot write a backup to {target}: {exc}") from exc

    async def flush_log(self) -> None:
        """Copy the write-ahead log into the database file and empty it (waits for readers
        to finish their snapshot)."""
        await self._writer.run(
            lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        )

    async def schema_version(self) -> int:
        return await self._reader.run(current_version)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _keep_private(path: Path) -> None:
    """The database and its side files readable by the bot's user only, also when an older
    version or another tool created them readable by everyone."""
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(OSError):  # not ours to change, or not there: leave it
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def current_version(conn: sqlite3.Connection) -> int:
    rows = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(conn: sqlite3.Connection, migrations: Iterable[Migration]) -> list[str]:
    """Apply the migrations newer than the database, each in its own transaction."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    current = current_version(conn)
    applied = []
    for migration in migrations:
        if migration.version <= current:
            continue
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n;")
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, to_db(datetime.now(UTC))),
            )
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        logger.info("Applied migration %s", migration.name)
        applied.append(migration.name)
    return applied
