"""The database layer: migrations, pragmas, units of work and the user repository."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import (
    Migration,
    SqliteDatabase,
    UnitOfWork,
    core,
    from_db,
    load_migrations,
    to_db,
)
from bot.models import Contact, RegistrationStatus
from tests.conftest import sqlite_only
from tests.store import Store

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


async def test_migrations_stairway(tmp_path: Path) -> None:
    """From an empty file and from every earlier version, migrating reaches the latest schema."""
    migrations = load_migrations()
    latest = tmp_path / "latest.sqlite3"
    db = await SqliteDatabase.open(latest)
    assert await db.schema_version() == len(migrations)
    await db.close()
    for step in range(len(migrations) + 1):
        path = tmp_path / f"from-{step}.sqlite3"
        partial = await SqliteDatabase.open(path, migrations[:step])
        assert await partial.schema_version() == step
        await partial.close()
        upgraded = await SqliteDatabase.open(path)
        assert await upgraded.schema_version() == len(migrations)
        await upgraded.close()
        assert tables(path) == tables(latest)


async def test_migrations_run_once(tmp_path: Path) -> None:
    """Opening the database again applies nothing twice and keeps the data."""
    path = tmp_path / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.write(lambda u: u.users.upsert_contact(Contact(1, "Amina"), NOW))
    await db.close()
    db = await SqliteDatabase.open(path)
    assert await db.read(lambda u: u.users.count()) == 1
    await db.close()
    rows = await Store(db).fetch_all("SELECT version FROM schema_version")
    assert [r[0] for r in rows] == list(range(1, len(load_migrations()) + 1))


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    """A migration that breaks halfway is rolled back, and the version is not recorded."""
    broken = [*load_migrations(), Migration(99, "0099_broken", "CREATE TABLE t (x);\nNOT SQL;")]
    path = tmp_path / "bot.sqlite3"
    with pytest.raises(sqlite3.Error):
        await SqliteDatabase.open(path, broken)
    assert "t" not in tables(path)
    db = await SqliteDatabase.open(path)
    assert await db.schema_version() == len(load_migrations())
    await db.close()


@sqlite_only
async def test_wal_and_foreign_keys_are_on(db: Store) -> None:
    """The database runs in WAL mode with foreign keys enforced."""
    assert await db.fetch_one("PRAGMA journal_mode") == ("wal",)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await db.write(
            lambda u: u.registrations.put(999, 1, RegistrationStatus.CONFIRMED, NOW)
        )  # no event 999, no user 1


async def test_a_failed_unit_of_work_is_rolled_back(db: Store) -> None:
    """An exception inside a transaction undoes its writes."""
    await db.write(lambda u: u.users.upsert_contact(Contact(1, "Amina"), NOW))

    def change_then_fail(uow: UnitOfWork) -> None:
        uow.users.set_profile_field(1, "city", "Changed")
        uow.audit.record(1, "test", "changed", NOW)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await db.write(change_then_fail)
    assert await db.fetch_all("SELECT * FROM admin_audit") == []
    assert await db.fetch_one("SELECT city FROM users WHERE user_id = 1") == (None,)


@pytest.mark.parametrize("heavy", [False, True], ids=["inline", "writer thread"])
async def test_a_commit_that_fails_leaves_no_transaction_behind(
    tmp_path: Path, heavy: bool
) -> None:
    """A commit SQLite refuses (here: a statement of the unit still running) must not leave
    the connection in its transaction, holding the write lock: the next write goes through."""
    database = await SqliteDatabase.open(tmp_path / "bot.sqlite3")
    try:
        for user_id in (1, 2):
            await database.write(lambda u, i=user_id: u.users.upsert_contact(Contact(i, "A"), NOW))  # type: ignore[misc]

        running: list[sqlite3.Cursor] = []

        def leaves_a_statement_running(uow: UnitOfWork) -> None:
            cursor = uow.users._conn.execute("UPDATE users SET city = 'x' RETURNING user_id")
            cursor.fetchone()
            running.append(cursor)  # a write still in progress when the unit commits

        with pytest.raises(sqlite3.OperationalError, match="statements in progress"):
            await database.write(leaves_a_statement_running, heavy=heavy)
        running.pop().close()  # that statement ends (as a checkpoint's did, late)
        await database.write(lambda u: u.users.set_profile_field(1, "city", "After"), heavy=heavy)
        with sqlite3.connect(tmp_path / "bot.sqlite3") as watcher:
            city = watcher.execute("SELECT city FROM users WHERE user_id = 1").fetchone()
        assert city == ("After",)
    finally:
        await database.close()


async def test_user_upsert_keeps_choices_and_refreshes_the_rest(db: Store) -> None:
    """A returning user keeps language and zone; name, client language and last seen update."""
    await db.write(lambda u: u.users.upsert_contact(Contact(7, "Ана", None, None, "ru"), NOW))
    await db.write(lambda u: u.users.set_language(7, "fr"))
    await db.write(lambda u: u.users.set_timezone(7, "Africa/Dakar"))
    later = NOW + timedelta(days=2)
    user = await db.write(
        lambda u: u.users.upsert_contact(Contact(7, "Ana", "Diop", "ana_d", "fr-SN"), later)
    )
    assert (user.first_name, user.last_name, user.username) == ("Ana", "Diop", "ana_d")
    assert (user.language, user.timezone, user.telegram_language) == ("fr", "Africa/Dakar", "fr-SN")
    assert user.created_at == NOW and user.last_seen_at == later


def test_times_are_stored_in_utc() -> None:
    """Any aware time is stored as UTC text; naive times are refused."""
    plus3 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(0)
    assert to_db(plus3) == "2026-01-01T12:00:00+00:00"
    assert from_db(to_db(plus3)) == plus3
    with pytest.raises(ValueError, match="naive"):
        to_db(datetime(2026, 1, 1))  # noqa: DTZ001


@sqlite_only
async def test_a_write_waits_for_a_locked_database(db: Store) -> None:
    """Another process holding the write lock (a backup, a script) makes writes wait, not fail,
    and the bot goes on reading meanwhile: the write waits on the writer's thread, not on the
    event loop's."""
    assert db.path is not None
    blocker = sqlite3.connect(db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    write = asyncio.create_task(
        db.write(lambda u: u.users.upsert_contact(Contact(42, "Waits"), NOW))
    )
    for _ in range(5):
        await asyncio.sleep(0)  # turns of the loop, not time
    assert not write.done()  # waiting for the lock, not failed
    assert await db.read(lambda u: u.users.get(42)) is None  # the loop is free to answer
    blocker.execute("COMMIT")
    blocker.close()
    user = await write
    assert user.first_name == "Waits"
    assert await db.fetch_one("SELECT first_name FROM users WHERE user_id = 42") == ("Waits",)


@pytest.mark.parametrize(("threshold", "checkpointed"), [(0, True), (1 << 40, False)])
async def test_the_log_is_copied_back_into_the_database_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: int, checkpointed: bool
) -> None:
    """Short writes run on the event loop's thread, which never syncs the disk itself: once
    the write-ahead log has grown, its pages are copied into the database file elsewhere."""
    monkeypatch.setattr(core, "CHECKPOINT_EVERY", 10)
    monkeypatch.setattr(core, "CHECKPOINT_AT", threshold)
    path = tmp_path / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    watcher = sqlite3.connect(path)  # keeps the last close from checkpointing on its own
    watcher.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the migrations, out of the way
    size_before = path.stat().st_size
    for user_id in range(1, 11):
        name = f"Amina {user_id} " + "x" * 3000  # each write a page or two of the log
        contact = Contact(user_id, name)
        await db.write(lambda u, c=contact: u.users.upsert_contact(c, NOW))  # type: ignore[misc]
    await db.close()  # waits for a checkpoint under way
    assert (path.stat().st_size > size_before) is checkpointed
    assert watcher.execute("SELECT COUNT(*) FROM users").fetchone() == (10,)
    watcher.close()


async def test_a_database_deleted_under_the_bot_is_noticed_before_any_write(
    tmp_path: Path,
) -> None:
    """Writes into a deleted (or replaced) file would vanish at the next start: refused."""
    from bot.db import DatabaseGone

    path = tmp_path / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.write(lambda u: u.users.upsert_contact(Contact(1, "Before"), NOW))
    for name in ("bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    with pytest.raises(DatabaseGone, match="was deleted or replaced"):
        await db.write(lambda u: u.users.upsert_contact(Contact(2, "After"), NOW))
    path.write_bytes(b"")  # another file under the same name is not the database either
    with pytest.raises(DatabaseGone):
        db.check_still_there()
    await db.close()


async def test_a_backup_restored_after_the_database_was_deleted_is_the_backup(
    tmp_path: Path,
) -> None:
    """The operator deletes the database file (only it) under the running bot, then restores
    a backup there, as the bot's message advises: the old write-ahead log must not be replayed
    into it (corrupting it, or bringing back what the backup did not hold)."""
    path = tmp_path / "bot.sqlite3"
    db = await SqliteDatabase.open(path)
    await db.write(lambda u: u.users.upsert_contact(Contact(1, "In the backup"), NOW))
    await db.backup(tmp_path / "backup.sqlite3")
    for user_id in range(2, 40):  # written after the backup, still in the log
        await db.write(lambda u, i=user_id: u.users.upsert_contact(Contact(i, "Later"), NOW))  # type: ignore[misc]
    path.unlink()
    await db.close()
    path.write_bytes((tmp_path / "backup.sqlite3").read_bytes())
    with sqlite3.connect(path) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert restored.execute("SELECT user_id FROM users").fetchall() == [(1,)]


async def test_the_search_column_is_folded_again_without_accents(tmp_path: Path) -> None:
    """Migration 20: profiles stored before it are found without their accents too."""
    path = tmp_path / "bot.sqlite3"
    before = await SqliteDatabase.open(path, load_migrations()[:19])
    await before.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO users (user_id, first_name, full_name, email, search_text,"
            " created_at, last_seen_at) VALUES (1, 'José', 'José Muñoz', 'j@x.org',"
            " 'josé muñoz' || char(10) || 'j@x.org', 'x', 'x')"
        )
    after = await SqliteDatabase.open(path)
    await after.close()
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT search_text FROM users").fetchone()
    assert row == ("jose munoz\nj@x.org",)


def test_a_search_folds_case_width_and_accents_of_every_kind() -> None:
    """What organizers type on a phone finds the name as the participant wrote it."""
    from bot.db.search_text import fold

    for typed, written in (
        ("jose", "José"),
        ("lukasz zolw", "Łukasz Żółw"),
        ("soren", "Søren"),
        ("dang", "Đặng"),
        ("amina", "ＡＭＩＮＡ"),
        ("вера", "ВЕРА"),
        ("strasse", "Straße"),
        ("محمد", "مُحَمَّد"),
    ):
        assert fold(typed) == fold(written), (typed, written)
