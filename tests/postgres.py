"""The whole suite against PostgreSQL: `TEST_DATABASE_URL=postgresql://user@host:port/postgres
python -m pytest` (a server where that user may create databases; CI starts one, see
`.ci/run`). Each test process gets a database of its own, built once by the bot's migrations
and emptied before each test (every table but schema_version, ids starting at 1 again):
what a test sees is what a fresh database holds, at a few milliseconds a test instead of
the tenth of a second a new database costs."""

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
        self._template = f"bot_test_{worker}_{os.getpid()}"
        self._ready = False
        self._tables: list[str] = []

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def _build(self) -> None:
        from bot.db.core import POSTGRES_MIGRATIONS_DIR, load_migrations
        from bot.db.postgres import connect, migrate

        self._admin(
            f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)",
            f"CREATE DATABASE {self._template}",
        )
        with connect(self.url, autocommit=True) as conn:
            migrate(conn, load_migrations(POSTGRES_MIGRATIONS_DIR))
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename <> 'schema_version'"
            ).fetchall()
        self._tables = sorted(str(row[0]) for row in rows)
        self._ready = True

    @property
    def url(self) -> str:
        return with_database(self.admin_url, self._template)

    def fresh(self) -> str:
        """The test process's database, emptied, with the bot's schema; its URL."""
        import psycopg

        if not self._ready:
            self._build()
        with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
            # Foreign keys not checked while everything goes; ids start at 1 again.
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in self._tables:
                conn.execute(f"DELETE FROM {table}".encode())
            conn.execute(
                b"SELECT setval(seq.oid, 1, false) FROM pg_class seq WHERE seq.relkind = 'S'"
            )
        return self.url

    def empty(self) -> str:
        """A new database with nothing in it (the bot migrates it when it opens it)."""
        name = f"bot_test_{uuid.uuid4().hex[:16]}"
        self._admin(f"CREATE DATABASE {name}")
        return with_database(self.admin_url, name)

    def drop(self, url: str) -> None:
        """Drop a database made by `empty` (the test process's own stays for the next test)."""
        name = urlsplit(url).path.lstrip("/")
        if name != self._template:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        if self._ready:
            self._admin(f"DROP DATABASE IF EXISTS {self._template} WITH (FORCE)")


SERVER = PostgresServer(TEST_DATABASE_URL) if TEST_DATABASE_URL else None
