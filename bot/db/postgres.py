"""PostgreSQL (`DATABASE_URL`): the same repositories and units of work as SQLite, on psycopg 3.

Why psycopg and not asyncpg: a unit of work is a plain synchronous function, with no await
between two of its statements (that is what keeps "never more seats than the capacity" inside
one transaction, and what lets SQLite run it on the event loop's thread). psycopg runs such a
function as it is, on the thread of its connection, which does its own I/O; asyncpg would have
needed every repository and service rewritten async (awaits inside transactions), or a hop
back to the event loop for each statement.

One write at a time, across every process of the bot: each write transaction first takes
one advisory lock (`WRITE_LOCK`), as SQLite's `BEGIN IMMEDIATE` takes its file's lock, so
every rule a unit checks before it writes (capacity, waitlist order, numbering, "not issued
yet") holds under READ COMMITTED with no retry. A read is one snapshot (REPEATABLE READ, READ
ONLY) and never waits for a write. Parameters are bound on the client, as SQLite does it:
`? IS NULL` and untyped literals mean what they mean in SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
from psycopg.adapt import Buffer, Dumper, Loader
from psycopg.rows import RowMaker

from bot.db.base import STREAM_BATCH, Database, DatabaseGone, DatabaseUnusable, Migration
from bot.db.dialect import POSTGRES
from bot.db.repository import Params
from bot.db.search_text import search_text
from bot.db.times import to_db
from bot.db.unit import UnitOfWork

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Any number, the same in every process of the bot: the lock every write takes first.
WRITE_LOCK = 5_180_917_001
_streams = itertools.count(1)

# Outside quotes and comments: SQLite's `?` and `:name` become psycopg's `%s` and `%(name)s`;
# a `%` anywhere is doubled (psycopg reads every `%` of a query with parameters).
_TOKENS = re.compile(
    r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(--[^\n]*)|(::)|(\?)|:([A-Za-z_]\w*)|(%)"""
)


@functools.lru_cache(maxsize=4096)
def to_psycopg(sql: str) -> str:
    """The repositories' SQL with psycopg's parameter marks."""

    def swap(match: re.Match[str]) -> str:
        literal, identifier, comment, cast, question, name, _ = match.groups()
        if literal is not None or comment is not None:
            return match.group(0).replace("%", "%%")
        if identifier is not None or cast is not None:
            return match.group(0)
        if question is not None:
            return "%s"
        if name is not None:
            return f"%({name})s"
        return "%%"

    return _TOKENS.sub(swap, sql)


class PgRow:
    """A row read by position or by column name, as sqlite3.Row is."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._index)

    def __repr__(self) -> str:
        return f"PgRow({tuple(self._values)!r})"


def pg_rows(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    index: dict[str, int] = {}
    for position, column in enumerate(cursor.description or ()):
        index.setdefault(column.name, position)  # a repeated name: the first, as sqlite3

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(values, index)

    return make


class _NumberLoader(Loader):
    """`numeric` (what SUM of BIGINT and AVG answer) as int or float, as SQLite answers."""

    def load(self, data: Buffer) -> int | float:
        text = bytes(data).decode()
        return float(text) if any(c in text for c in ".eEN") else int(text)


class _BoolAsInteger(Dumper):
    """Flags are 0/1 integers in both databases: a Python bool is written as one."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def connect(url: str, **options: Any) -> psycopg.Connection[PgRow]:
    conn: psycopg.Connection[PgRow] = psycopg.connect(
        url, row_factory=pg_rows, cursor_factory=psycopg.ClientCursor, **options
    )
    conn.adapters.register_loader("numeric", _NumberLoader)
    conn.adapters.register_dumper(bool, _BoolAsInteger)
    return conn


class PgConnection:
    """A psycopg connection that takes the repositories' SQL (see `repository.Connection`)."""

    def __init__(self, conn: psycopg.Connection[PgRow]) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Params = (), /) -> psycopg.Cursor[PgRow]:
        return self._conn.execute(to_psycopg(sql), parameters)

    def executemany(self, sql: str, parameters: Sequence[Params], /) -> psycopg.Cursor[PgRow]:
        cursor = self._conn.cursor()
        cursor.executemany(to_psycopg(sql), parameters)
        return cursor

    def stream(self, sql: str, parameters: Params = (), /) -> Iterator[PgRow]:
        """A server-side cursor: the rows come a thousand at a time (the transaction must
        stay open meanwhile: `PostgresDatabase.stream` keeps it)."""
        query = psycopg.ClientCursor(self._conn).mogrify(to_psycopg(sql), parameters)
        with self._conn.cursor(name=f"stream_{next(_streams)}") as cursor:
            cursor.itersize = STREAM_BATCH
            cursor.execute(query)
            yield from cursor


def describe(url: str) -> str:
    """The database a URL names, for the operator: host, port and name, never a password."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "(default)"
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL database {name} on {host}{port}"


# How libpq says the database named in the URL is not on the server (no SQLSTATE comes with a
# connection refused at startup; servers set to another lc_messages say it in their language
# and are only told apart after a while, as an unreachable server).
_NO_SUCH_DATABASE = re.compile(r'database "[^"]*" does not exist')


class Vanished:
    """What one database's connections found: the database gone from under the bot (dropped,
    or its tables dropped or emptied by hand). Shared by its connections, so that the
    periodic check (`check_still_there`) stops the bot whichever connection noticed."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.watching = False  # at start, a missing database is a setting to fix, not a loss
        self.error: DatabaseGone | None = None

    def noticed(self, exc: psycopg.Error) -> DatabaseGone | None:
        if not self.watching:
            return None
        where = describe(self._url)
        if isinstance(exc, psycopg.errors.UndefinedTable):
            found = DatabaseGone(
                f"the bot's tables are missing from {where} (dropped while the bot was "
                "running); restore the database from its backup (pg_restore) and start the "
                "bot again"
            )
        elif isinstance(exc, psycopg.OperationalError) and _NO_SUCH_DATABASE.search(str(exc)):
            found = DatabaseGone(
                f"{where} was dropped while the bot was running; create it again, restore "
                "its backup (pg_restore) and start the bot again"
            )
        else:
            return None
        self.error = self.error or found
        return found


class NotStarted(Exception):
    """The connection failed before the unit of work began: nothing ran, it may run again."""


class PgThread:
    """One psycopg connection used only from its own single worker thread; opened again
    when the server dropped it (a restart, a failover), and the unit of work that found it
    dropped run again once on the new one (it had not begun)."""

    def __init__(self, url: str, vanished: Vanished, *, name: str, snapshot: bool = False) -> None:
        self._url = url
        self._vanished = vanished
        self._snapshot = snapshot
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._conn: psycopg.Connection[PgRow] | None = None
        self._closed = False

    def _connection(self) -> psycopg.Connection[PgRow]:
        if self._closed:
            raise RuntimeError("the database connection is closed")
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            conn = self._conn = connect(self._url, autocommit=True)
            if self._snapshot:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                conn.read_only = True
        return conn

    async def open(self) -> None:
        await self.run(lambda conn: None)

    async def run(self, work: Callable[[psycopg.Connection[PgRow]], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: self._attempt(work))

    def _attempt(self, work: Callable[[psycopg.Connection[PgRow]], T]) -> T:
        try:
            return self._attempt_twice(work)
        except psycopg.Error as exc:
            gone = self._vanished.noticed(exc)
            if gone is None:
                raise
            raise gone from None  # the server's words are in the message

    def _attempt_twice(self, work: Callable[[psycopg.Connection[PgRow]], T]) -> T:
        try:
            return work(self._connection())
        except NotStarted as dropped:
            logger.warning("The database connection was lost; connecting again")
            try:
                return work(self._connection())
            except NotStarted as again:
                raise again.__cause__ or again from dropped

    async def close(self) -> None:
        def close() -> None:
            self._closed = True
            if self._conn is not None:
                self._conn.close()

        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=True)


def _begin(conn: psycopg.Connection[PgRow], *first: str) -> contextlib.AbstractContextManager[Any]:
    """The transaction begun (and its first statements run); NotStarted if the connection
    turns out to be dropped meanwhile."""
    transaction = conn.transaction()
    try:
        transaction.__enter__()
        for statement in first:
            conn.execute(statement.encode())
    except psycopg.OperationalError as exc:
        if conn.broken or conn.closed:
            raise NotStarted from exc
        raise
    return transaction


def _write(work: Callable[[UnitOfWork], T]) -> Callable[[psycopg.Connection[PgRow]], T]:
    def run(conn: psycopg.Connection[PgRow]) -> T:
        transaction = _begin(conn, f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        with transaction_of(transaction):
            return work(UnitOfWork(PgConnection(conn), POSTGRES))

    return run


def _read(work: Callable[[UnitOfWork], T]) -> Callable[[psycopg.Connection[PgRow]], T]:
    return _snapshot(lambda conn: work(UnitOfWork(PgConnection(conn), POSTGRES)))


def _snapshot(
    query: Callable[[psycopg.Connection[PgRow]], T],
) -> Callable[[psycopg.Connection[PgRow]], T]:
    def run(conn: psycopg.Connection[PgRow]) -> T:
        transaction = _begin(conn)  # REPEATABLE READ, READ ONLY: one snapshot
        try:
            with transaction_of(transaction):
                return query(conn)
        except psycopg.OperationalError as exc:
            if conn.broken or conn.closed:  # a read changed nothing: it may run again
                raise NotStarted from exc
            raise

    return run


@contextlib.contextmanager
def transaction_of(transaction: contextlib.AbstractContextManager[Any]) -> Iterator[None]:
    """The rest of a transaction begun by `_begin`: committed, or rolled back on an error."""
    try:
        yield
    except BaseException as exc:
        transaction.__exit__(type(exc), exc, exc.__traceback__)
        raise
    transaction.__exit__(None, None, None)


class PostgresDatabase(Database):
    """Writes on the writer's thread, reads on the reader's, long reads (statistics, a
    broadcast's audience) on a reader of their own so they do not hold up the short ones."""

    dialect = POSTGRES
    shares_send_budget = True

    def __init__(
        self,
        url: str,
        vanished: Vanished,
        writer: PgThread,
        reader: PgThread,
        heavy: PgThread,
        version: int,
    ) -> None:
        self.url = url
        self._vanished = vanished
        self._version = version  # the schema's, as migrated at start
        vanished.watching = True
        self._writer = writer
        self._reader = reader
        self._heavy = heavy
        self._budget: PgThread | None = None  # the shared send budget's, once used

    @classmethod
    async def open(
        cls, url: str, migrations: Iterable[Migration] | None = None
    ) -> PostgresDatabase:
        """Connect and migrate; DatabaseUnusable when the server cannot be used."""
        from bot.db.core import POSTGRES_MIGRATIONS_DIR, load_migrations

        steps = list(load_migrations(POSTGRES_MIGRATIONS_DIR) if migrations is None else migrations)
        vanished = Vanished(url)
        writer = PgThread(url, vanished, name="pg-writer")
        reader = PgThread(url, vanished, name="pg-reader", snapshot=True)
        heavy = PgThread(url, vanished, name="pg-heavy", snapshot=True)
        try:
            try:
                await writer.run(lambda conn: migrate(conn, steps))
                version = await reader.run(current_version)
                await heavy.open()
            except psycopg.OperationalError as exc:
                raise DatabaseUnusable(f"{describe(url)}: {first_line(exc)}") from exc
        except BaseException:
            for thread in (heavy, reader, writer):
                await thread.close()
            raise
        return cls(url, vanished, writer, reader, heavy, version)

    @property
    def description(self) -> str:
        return describe(self.url)

    async def write(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        return await self._writer.run(_write(work))

    async def read(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        return await (self._heavy if heavy else self._reader).run(_read(work))

    async def stream(
        self, query: Callable[[UnitOfWork], Iterator[T]], batch: int = STREAM_BATCH
    ) -> AsyncIterator[list[T]]:
        thread = PgThread(self.url, self._vanished, name="pg-stream", snapshot=True)

        def start(conn: psycopg.Connection[PgRow]) -> Iterator[T]:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return query(UnitOfWork(PgConnection(conn), POSTGRES))

        try:
            items = await thread.run(start)

            def next_batch(_: psycopg.Connection[PgRow]) -> list[T]:
                return [item for _, item in zip(range(batch), items, strict=False)]

            while chunk := await thread.run(next_batch):
                yield chunk
        finally:
            await thread.close()

    async def take_send_slots(self, count: int, interval: float) -> float:
        """`count` slots of Telegram's sending budget, shared by every process of the bot:
        the shared next-slot moment moves forward by `count * interval` (one statement, no
        write lock, on a connection of its own). Returns in how many seconds the first slot
        starts (0: now); the others follow `interval` apart. The database's clock is the
        one clock all processes share."""

        def take(conn: psycopg.Connection[PgRow]) -> float:
            row = conn.execute(
                "INSERT INTO send_budget AS b (id, next_slot)"
                " VALUES (1, EXTRACT(EPOCH FROM clock_timestamp())::float8 + %(span)s)"
                " ON CONFLICT (id) DO UPDATE SET next_slot = GREATEST(b.next_slot,"
                " EXTRACT(EPOCH FROM clock_timestamp())::float8) + %(span)s"
                " RETURNING next_slot - %(span)s - EXTRACT(EPOCH FROM clock_timestamp())::float8",
                {"span": count * interval},
            ).fetchone()
            return max(float(row[0]), 0.0) if row else 0.0

        return await self._budget_thread().run(take)

    async def pause_sending(self, seconds: float) -> None:
        """Telegram asked to wait (429): no process sends before `seconds` from now."""

        def pause(conn: psycopg.Connection[PgRow]) -> None:
            conn.execute(
                "UPDATE send_budget SET next_slot = GREATEST(next_slot,"
                " EXTRACT(EPOCH FROM clock_timestamp())::float8 + %s) WHERE id = 1",
                (seconds,),
            )

        await self._budget_thread().run(pause)

    def _budget_thread(self) -> PgThread:
        if self._budget is None:
            self._budget = PgThread(self.url, self._vanished, name="pg-budget")
        return self._budget

    def check_still_there(self) -> None:
        """Raise DatabaseGone once a connection found the database or its tables gone."""
        if self._vanished.error is not None:
            raise self._vanished.error

    async def still_there(self) -> None:
        """Also a database emptied by hand (its tables truncated): the record of its
        schema's version is gone with the rest."""
        self.check_still_there()
        if await self.schema_version() < self._version:
            self._vanished.error = self._vanished.error or DatabaseGone(
                f"{describe(self.url)} was emptied while the bot was running; restore it "
                "from its backup (pg_restore) and start the bot again"
            )
            raise self._vanished.error

    async def close(self) -> None:
        for thread in (self._heavy, self._reader, self._writer, self._budget):
            if thread is not None:
                await thread.close()

    async def schema_version(self) -> int:
        return await self._reader.run(_snapshot(current_version))


def first_line(error: Exception) -> str:
    """What the server said, without its DETAIL lines (they may quote a row's values)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def current_version(conn: psycopg.Connection[PgRow]) -> int:
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _fold_search_text_again(conn: psycopg.Connection[PgRow]) -> None:
    """Migration 20: every profile's search column folded again (SQLite's migration calls
    the same `fold` from its SQL)."""
    rows = conn.execute(
        "SELECT user_id, full_name, email FROM users"
        " WHERE full_name IS NOT NULL OR email IS NOT NULL"
    ).fetchall()
    with conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE users SET search_text = %s WHERE user_id = %s",
            [(search_text(row[1], row[2]), row[0]) for row in rows],
        )


# Work a migration needs done in Python, right after its SQL, in the same transaction.
AFTER_MIGRATION: dict[int, Callable[[psycopg.Connection[PgRow]], None]] = {
    20: _fold_search_text_again,
}


def migrate(conn: psycopg.Connection[PgRow], migrations: Iterable[Migration]) -> list[str]:
    """Apply the migrations newer than the database, all in one transaction (PostgreSQL's
    DDL is transactional: a failed migration leaves the schema as it was), under the write
    lock, so two processes starting together migrate once."""
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = current_version(conn)
        for migration in migrations:
            if migration.version <= current:
                continue
            conn.execute(migration.sql.encode())  # no parameters: several statements
            after = AFTER_MIGRATION.get(migration.version)
            if after is not None:
                after(conn)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                (migration.version, migration.name, to_db(datetime.now(UTC))),
            )
            applied.append(migration.name)
    for name in applied:
        logger.info("Applied migration %s", name)
    return applied
