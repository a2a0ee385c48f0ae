"""PostgreSQL's own side: the schema both folders of migrations build, one write at a time
across processes, a connection the server dropped, what the server's errors may quote.

These run in the PostgreSQL pass (TEST_DATABASE_URL, see tests/postgres.py); the rest of the
suite runs there too, through the same fixtures as with SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import SqliteDatabase, UnitOfWork, open_database
from bot.db.postgres import PostgresDatabase, to_psycopg
from bot.devtools.emulator import BotApiEmulator
from bot.i18n import Catalogs
from bot.log_privacy import RedactSecrets
from bot.models import Contact, EventDraft, EventText, Profile
from bot.services.container import Directories
from bot.services.registrations import RegistrationService, SignUp
from bot.services.reminders import REMINDER, Job
from tests.conftest import running_app
from tests.postgres import SERVER
from tests.programme_files import programme, row
from tests.store import oracle

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(SERVER is None, reason="needs TEST_DATABASE_URL")

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
async def empty_url() -> AsyncIterator[str]:
    assert SERVER is not None
    url = SERVER.empty()
    try:
        yield url
    finally:
        SERVER.drop(url)


def sqlite_schema(path: Path) -> dict[str, set[tuple[str, bool, bool]]]:
    """Each table's columns as (name, NOT NULL, part of the primary key), read by SQLite."""
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        schema = {}
        for table in tables:
            rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
            # An INTEGER PRIMARY KEY is never NULL in SQLite, whether or not it says so.
            schema[table] = {(r[1], bool(r[3]) or bool(r[5]), bool(r[5])) for r in rows}
    return schema


def postgres_schema(url: str) -> dict[str, set[tuple[str, bool, bool]]]:
    with oracle(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, is_nullable = 'NO' FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        ).fetchall()
        keys = {
            (r[0], r[1])
            for r in conn.execute(
                "SELECT k.table_name, k.column_name FROM information_schema.key_column_usage k"
                " JOIN information_schema.table_constraints c"
                " ON c.constraint_name = k.constraint_name AND c.table_name = k.table_name"
                " WHERE c.constraint_type = 'PRIMARY KEY' AND k.table_schema = current_schema()"
            ).fetchall()
        }
    schema: dict[str, set[tuple[str, bool, bool]]] = {}
    for table, column, not_null in columns:
        schema.setdefault(table, set()).add((column, bool(not_null), (table, column) in keys))
    return schema


def index_names(path: Path, url: str) -> tuple[set[str], set[str]]:
    with sqlite3.connect(path) as conn:
        lite = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    with oracle(url) as conn:
        pg = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                " AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'"
            ).fetchall()
        }
    return lite, pg


async def test_both_folders_of_migrations_build_the_same_schema(
    tmp_path: Path, empty_url: str
) -> None:
    lite = await SqliteDatabase.open(tmp_path / "bot.sqlite3")
    pg = await PostgresDatabase.open(empty_url)
    assert await lite.schema_version() == await pg.schema_version() > 0
    await lite.close()
    await pg.close()

    assert sqlite_schema(tmp_path / "bot.sqlite3") == postgres_schema(empty_url)
    lite_indexes, pg_indexes = index_names(tmp_path / "bot.sqlite3", empty_url)
    assert lite_indexes == pg_indexes


async def test_opening_twice_migrates_once(empty_url: str) -> None:
    """Two processes starting together: one migrates, the other finds it done."""
    first, second = await asyncio.gather(
        PostgresDatabase.open(empty_url), PostgresDatabase.open(empty_url)
    )
    with oracle(empty_url) as conn:
        versions = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [v for (v,) in versions] == list(range(1, len(versions) + 1))
    await first.close()
    await second.close()


def _event(code: str, capacity: int) -> EventDraft:
    return EventDraft(
        code=code,
        topic="climate-change",
        starts_at=NOW + timedelta(days=3),
        duration_minutes=60,
        capacity=capacity,
        language="en",
        join_url="https://meet.example.org/x",
        title="Heat waves",
        description="",
        texts={"en": EventText("Heat waves", "")},
    )


async def test_two_processes_signing_up_at_once_never_overbook(database_url: str) -> None:
    """Two databases opened on the same server (as two bot processes would), 200 people
    pressing Register at once through both: the 50 seats go to 50 people, the waitlist keeps
    one order, nobody is registered twice."""
    clock = FrozenClock(NOW)
    first = await open_database(Path("unused"), database_url)
    second = await open_database(Path("unused"), database_url)
    people = range(7_000, 7_200)

    def arrange(uow: UnitOfWork) -> None:
        uow.events.insert(_event("heat", 50), NOW)
        for user_id in people:
            uow.users.upsert_contact(Contact(user_id, f"P{user_id}"), NOW)

    await first.write(arrange)
    services = [RegistrationService(db, clock) for db in (first, second)]
    results = await asyncio.gather(
        *(services[i % 2].sign_up(user_id, "heat") for i, user_id in enumerate(people))
    )
    await first.close()
    await second.close()

    outcomes = [r.outcome for r in results]
    assert outcomes.count(SignUp.CONFIRMED) == 50
    assert outcomes.count(SignUp.WAITLISTED) == 150
    with oracle(database_url) as conn:
        rows = conn.execute(
            "SELECT user_id, status, seq FROM registrations ORDER BY seq"
        ).fetchall()
    assert len(rows) == len({r[0] for r in rows}) == 200
    assert sum(1 for r in rows if r[1] == "confirmed") == 50
    assert len({r[2] for r in rows}) == 200  # one arrival order, no two alike


async def test_a_connection_the_server_dropped_is_opened_again(database_url: str) -> None:
    """A failover or a restart of the server: the next unit of work connects anew and runs
    (it had not begun when the old connection failed, so nothing runs twice)."""
    db = await open_database(Path("unused"), database_url)
    await db.write(lambda u: u.users.upsert_contact(Contact(1, "Before"), NOW))
    assert SERVER is not None
    with oracle(SERVER.admin_url) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = ? AND pid <> pg_backend_pid()",
            (database_url.rsplit("/", 1)[1],),
        )
    # The write and the read find their connections dropped before they begin: they run on
    # new ones.
    await db.write(lambda u: u.users.upsert_contact(Contact(2, "After"), NOW))
    assert await db.read(lambda u: u.users.count()) == 2
    await db.close()


def test_the_repositories_sql_reaches_psycopg_unchanged_but_for_its_marks() -> None:
    assert to_psycopg("SELECT * FROM t WHERE a = ? AND b = :name") == (
        "SELECT * FROM t WHERE a = %s AND b = %(name)s"
    )
    # Inside quotes and comments nothing is a parameter; a % is doubled everywhere.
    assert to_psycopg("SELECT '?:x %' -- what? 5%\n, x::text FROM t WHERE y LIKE ?") == (
        "SELECT '?:x %%' -- what? 5%%\n, x::text FROM t WHERE y LIKE %s"
    )
    assert to_psycopg("SELECT 'it''s ?'") == "SELECT 'it''s ?'"


async def test_a_constraint_error_reaches_the_log_without_the_row_it_quotes(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL's DETAIL quotes the values of the row that broke a rule (here an email in
    a NOT NULL violation's "Failing row contains"): the log keeps the error, not the row."""
    db = await open_database(Path("unused"), database_url)
    logger = logging.getLogger("test.privacy")
    caplog.handler.addFilter(RedactSecrets([]))

    def broken(uow: UnitOfWork) -> None:
        """A row no repository would write: created_at missing."""
        uow.users._run(
            "INSERT INTO users (user_id, first_name, email, created_at, last_seen_at)"
            " VALUES (9, 'Zed', 'zed.secret@example.org', NULL, NULL)"
        )

    try:
        await db.write(broken)
    except Exception:
        logger.exception("A unit of work failed")
    await db.close()
    assert "null value in column" in caplog.text
    assert "zed.secret@example.org" not in caplog.text
    assert "DETAIL: (left out" in caplog.text


async def test_a_sqlite_database_copied_into_postgres_holds_the_same_and_goes_on(
    tmp_path: Path,
    empty_url: str,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
) -> None:
    """A programme run on SQLite (sign-ups past the capacity, check-ins, a reminder queued)
    copied by the command line: every table row for row, then the bot on PostgreSQL goes
    on numbering where SQLite stopped. A second copy into the same database is refused."""
    lite = Settings(bot_token="123456:TEST", database_path=tmp_path / "bot.sqlite3")
    start = clock.now() + timedelta(days=2)
    async with running_app(lite, emulator, clock, catalogs, directories) as app:
        services = app.bot_data.services
        rows = [row("flood", start, capacity="3"), row("heat", start + timedelta(days=1))]
        await services.programme.import_now(programme(rows), None)
        for user_id in range(100, 106):
            await services.users.touch(Contact(user_id, f"Person {user_id}", language_code="fr"))
            await services.profiles.save(
                user_id, Profile(f"Personne {user_id} Ñandú", "SN", "Dakar"), "Africa/Dakar"
            )
            await services.registrations.sign_up(user_id, "flood")
        flood = await services.events.find("flood")
        assert flood is not None
        await services.reminders.fire(Job(REMINDER, flood.event.event_id, 60, start))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "DATABASE_URL": empty_url,
    }
    command = [sys.executable, "-m", "bot", "migrate-sqlite-to-postgres"]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=tmp_path, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    said = done.stdout.decode()
    assert "registrations: 6 rows" in said and "Copied" in said

    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT IN ('schema_version', 'send_budget')"
            )
        ]
        before = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    with oracle(empty_url) as pg:
        after = {t: sorted(map(tuple, pg.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    assert before == after
    assert len(before["registrations"]) == 6 and len(before["deliveries"]) == 3

    db = await open_database(Path("unused"), empty_url)
    later = RegistrationService(db, clock)
    await db.write(lambda u: u.users.upsert_contact(Contact(200, "Later"), clock.now()))
    assert (await later.sign_up(200, "heat")).outcome is SignUp.CONFIRMED
    await db.close()
    with oracle(empty_url) as pg:
        ids = [r[0] for r in pg.execute("SELECT registration_id FROM registrations").fetchall()]
    assert max(ids) == 7 and len(set(ids)) == 7

    again = await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=tmp_path, capture_output=True, check=False
    )
    assert again.returncode == 1
    assert "already holds data" in again.stderr.decode()


async def test_the_search_column_is_folded_again_without_accents(empty_url: str) -> None:
    """Migration 20, done in Python after its SQL: profiles stored before it are found
    without their accents too."""
    from bot.db.core import POSTGRES_MIGRATIONS_DIR, load_migrations

    before = await PostgresDatabase.open(empty_url, load_migrations(POSTGRES_MIGRATIONS_DIR)[:19])
    await before.close()
    with oracle(empty_url) as conn:
        conn.execute(
            "INSERT INTO users (user_id, first_name, full_name, email, search_text,"
            " created_at, last_seen_at) VALUES (1, 'José', 'José Muñoz', 'j@x.org',"
            " 'josé muñoz' || chr(10) || 'j@x.org', 'x', 'x')"
        )
        conn.commit()
    after = await PostgresDatabase.open(empty_url)
    await after.close()
    with oracle(empty_url) as conn:
        row = conn.execute("SELECT search_text FROM users").fetchone()
    assert tuple(row) == ("jose munoz\nj@x.org",)
