"""The database layer: the only place with SQL (see `core` for the design)."""

from bot.db.core import (
    Database,
    DatabaseGone,
    DatabaseUnusable,
    Migration,
    load_migrations,
    migrate,
)
from bot.db.times import from_db, to_db
from bot.db.unit import UnitOfWork

__all__ = [
    "Database",
    "DatabaseGone",
    "DatabaseUnusable",
    "Migration",
    "UnitOfWork",
    "from_db",
    "load_migrations",
    "migrate",
    "to_db",
]
