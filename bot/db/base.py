"""What the services see of a database, whichever it is: units of work, run and committed."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.db.dialect import Dialect
from bot.db.unit import UnitOfWork

T = TypeVar("T")
STREAM_BATCH = 1000


class DatabaseUnusable(Exception):
    """The database cannot be used: not SQLite, damaged, not writable, or not reachable."""


class DatabaseGone(DatabaseUnusable):
    """The database file was deleted or replaced under the running bot: what it would write
    now would go to a file nobody will ever open again."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class Database(abc.ABC):
    """Where services hand their units of work (SQLite: `core`, PostgreSQL: `postgres`).

    A unit of work is a plain function over repositories with no await inside: a write is
    one transaction in which no other write runs (the change, its audit entry and the
    messages it queues commit together or not at all); a read is one consistent snapshot.
    """

    dialect: Dialect

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """Which database this is, for the operator (never a password)."""

    @abc.abstractmethod
    async def write(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        """Run `work` as one unit of work: committed if it returns, rolled back if it raises.
        `heavy`: it may touch thousands of rows, so it must not hold up short units."""

    @abc.abstractmethod
    async def read(self, work: Callable[[UnitOfWork], T], *, heavy: bool = False) -> T:
        """Run `work` on one snapshot: a whole view of an update. `heavy` as for `write`."""

    @abc.abstractmethod
    def stream(
        self, query: Callable[[UnitOfWork], Iterator[T]], batch: int = STREAM_BATCH
    ) -> AsyncIterator[list[T]]:
        """The items of a long read (an export) in batches, on a connection of its own."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    def check_still_there(self) -> None:  # noqa: B027 (only a file can vanish)
        """Raise DatabaseGone if the database was deleted or replaced under the bot."""

    async def still_there(self) -> None:
        """`check_still_there`, and whatever else takes a query to find out (looked at
        every half minute)."""
        self.check_still_there()

    @property
    def file(self) -> Path | None:
        """The database's file, for a file copy (`backup`); None for a server's database."""
        return None

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database in `target`, taken while the bot runs."""
        raise DatabaseUnusable(f"{self.description} is backed up with the server's own tools")

    async def flush_log(self) -> None:  # noqa: B027 (SQLite keeps a log of its own)
        """After an erasure: nothing of what was erased left in a log beside the database."""

    @abc.abstractmethod
    async def schema_version(self) -> int: ...

    # Several processes on one database share Telegram's budget through it (PostgreSQL).
    shares_send_budget = False

    async def take_send_slots(self, count: int, interval: float) -> float:
        raise NotImplementedError("one process: the budget is its own")

    async def pause_sending(self, seconds: float) -> None:
        raise NotImplementedError("one process: the budget is its own")
