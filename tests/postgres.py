"""The whole suite against PostgreSQL: `TEST_DATABASE_URL=postgresql://user@host:port/postgres
python -m pytest` (a server where that user may create databases; CI starts one, see
`.ci/run` and `tests/pg_server.sh`). Each test then gets a database of its own, cloned from a
template that the bot's migrations built once per test process."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class PostgresServer:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._template = f"bot_template_{worker}_{os.getpid()}"
        self._ready = False

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def _build_template(self) -> None:
        from bot.db.core import POSTGRES_MIGRATIONS_DIR, load_migrations
        from bot.db.postgres import connect, migrate

        self._admin(
            f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)",
            f"CREATE DATABASE {self._template}",
        )
        with connect(with_database(self.admin_url, self._template), autocommit=True) as conn:
            migrate(conn, load_migrations(POSTGRES_MIGRATIONS_DIR))
        self._ready = True

    def fresh(self) -> str:
        """A new database with the bot's schema; its URL."""
        if not self._ready:
            self._build_template()
        name = f"bot_test_{uuid.uuid4().hex[:16]}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {self._template}")
        return with_database(self.admin_url, name)

    def empty(self) -> str:
        """A new database with nothing in it (the bot migrates it when it opens it)."""
        name = f"bot_test_{uuid.uuid4().hex[:16]}"
        self._admin(f"CREATE DATABASE {name}")
        return with_database(self.admin_url, name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self._ready:
            self._admin(f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)")


SERVER = PostgresServer(TEST_DATABASE_URL) if TEST_DATABASE_URL else None
