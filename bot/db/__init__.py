"""The database layer: the only place with SQL. SQLite by default (`core`), PostgreSQL when
a `DATABASE_URL` names one (`postgres`), behind the same `Database` (see `base`)."""

from __future__ import annotations

from pathlib import Path

from bot.db.base import Database, DatabaseGone, DatabaseUnusable, Migration
from bot.db.core import SqliteDatabase, load_migrations, migrate
from bot.db.times import from_db, to_db
from bot.db.unit import UnitOfWork

__all__ = [
    "Database",
    "DatabaseGone",
    "DatabaseUnusable",
    "Migration",
    "SqliteDatabase",
    "UnitOfWork",
    "from_db",
    "load_migrations",
    "migrate",
    "open_database",
    "to_db",
]


async def open_database(path: Path, url: str = "") -> Database:
    """The bot's database: PostgreSQL at `url` when one is given, else the SQLite file at
    `path` (created and migrated if need be). psycopg is imported only for PostgreSQL."""
    if url:
        from bot.db.postgres import PostgresDatabase

        return await PostgresDatabase.open(url)
    return await SqliteDatabase.open(path)
