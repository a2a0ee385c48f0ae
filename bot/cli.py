"""What the command line does besides running the bot: work on the database directly.

These run beside a live bot safely: SQLite in WAL mode lets them read while it writes, and
their writes wait for the bot's (busy timeout) instead of failing.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.clock import Clock
from bot.config import Settings
from bot.db import open_database
from bot.i18n import Catalogs, Translator
from bot.models import Certificate
from bot.services.attendance_texts import describe_report
from bot.services.certificate_printing import CertificatePrinter
from bot.services.certificates import Subject
from bot.services.container import offline_services
from bot.services.events import describe_import
from bot.services.programme_import import ParsedProgramme
from bot.services.programme_preview import ImportApplied, describe_applied, describe_preview

if TYPE_CHECKING:
    from bot.db.transfer import Copied

APPLY_TRIES = 3  # the bot may change the programme between the comparison and the writing


async def import_events(
    settings: Settings,
    data: bytes,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
    dry_run: bool = False,
) -> int:
    """Add or update the events of a programme file; exit code 1 and every problem if any row
    is bad. A file that changes published events is applied at once (no one to confirm), after
    printing what it changes as the chat's preview shows it (every line, times in
    DEFAULT_TIMEZONE). `dry_run`: that preview only, nothing written (without a database
    yet, against an empty programme)."""
    if dry_run and not settings.database_path.is_file():
        with tempfile.TemporaryDirectory() as folder:
            empty = replace(settings, database_path=Path(folder) / "empty.sqlite3")
            return await _import_events(empty, data, out, err, clock, dry_run)
    return await _import_events(settings, data, out, err, clock, dry_run)


async def _import_events(
    settings: Settings,
    data: bytes,
    out: TextIO,
    err: TextIO,
    clock: Clock | None,
    dry_run: bool,
) -> int:
    t = Catalogs(default_language=settings.default_language).get(None)
    zone = settings.default_timezone
    async with offline_services(settings, clock) as services:
        result = await services.programme.read(data)
        if isinstance(result, ParsedProgramme):
            err.write(describe_import(t, result) + "\n")
            return 1
        if dry_run:
            preview = describe_preview(t, zone, result, detail=None)
            nothing = t._("Dry run: nothing was changed.")
            out.write(f"{preview}\n\n{nothing}\n")
            return 0
        for _ in range(APPLY_TRIES):
            if result.needs_confirmation:
                out.write(describe_preview(t, zone, result, detail=None) + "\n\n")
            outcome = await services.programme.apply(result, None)
            if isinstance(outcome, ImportApplied):
                out.write(describe_applied(t, outcome) + "\n")
                return 0
            if isinstance(outcome, ParsedProgramme):  # a code of the file was taken since
                err.write(describe_import(t, outcome) + "\n")
                return 1
            result = outcome  # changed meanwhile: what the file does now
    err.write("The programme kept changing while the file was written; nothing was changed.\n")
    return 1


async def import_attendance(
    settings: Settings,
    event_code: str,
    data: bytes,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
) -> int:
    """The attendance report of one session, as if sent in chat; the same answer printed.
    Exit code 1 when the event is unknown or the report is refused."""
    if not _database_exists(settings, err):
        return 1
    t = Catalogs(default_language=settings.default_language).get(None)
    async with offline_services(settings, clock) as services:
        found = await services.events.find(event_code)
        if found is None:
            err.write(f"There is no event with the code {event_code}.\n")
            return 1
        event = found.event
        result = await services.attendance.import_report(event, data, None)
    text = describe_report(t, "UTC", event, result, in_chat=False)
    (err if result.problem else out).write(text + "\n")
    return 1 if result.problem else 0


async def export_registrations(
    settings: Settings,
    out: TextIO,
    event_code: str | None,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
) -> int:
    """The registrations CSV on `out`; exit code 1 for an unknown event code or a database
    that is not there (a mistyped DATABASE_PATH must not look like an empty programme)."""
    if not _database_exists(settings, err):
        return 1
    async with offline_services(settings, clock) as services:
        if event_code is not None and not await services.exports.has_event(event_code):
            err.write(f"There is no event with the code {event_code}.\n")
            return 1
        # No organizer asks here: the starts are also given in the default time zone.
        await services.exports.write_registrations(
            out, event_code, timezone=settings.default_timezone, now=services.clock.now()
        )
    return 0


async def write_certificates(
    settings: Settings,
    code: str,
    folder: Path,
    bot_username: str | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    clock: Clock | None = None,
) -> int:
    """The certificate of everyone who completed the course (or attended the event) `code`,
    one PDF each in `folder`, in the holder's language: those not issued yet are issued
    first (recorded, so their codes verify). Exit code 1 for an unknown code, or without
    the bot's username (the running bot records it; `bot_username` gives it)."""
    if not _database_exists(settings, err):
        return 1
    async with offline_services(settings, clock) as services:
        subject = await services.certificates.subject(code)
        if subject is None:
            err.write(f"There is no course or event with the code {code}.\n")
            return 1
        if subject.event is not None and subject.event.course_id is not None:
            course = await services.certificates.subject_by_id(subject.event.course_id, None)
            err.write(
                f"{subject.code} is a session of the course {course.code if course else '?'}: "
                "its certificates are the course's (python -m bot certificates "
                f"{course.code if course else '…'} --out DIR).\n"
            )
            return 1
        if not subject.gives_certificates:
            err.write(
                f"{subject.code} gives no certificates: turn them on first (the programme "
                f"file's certificate column, or /editcourse {subject.code} for a course), or "
                f"issue them one by one in chat with /certificates {subject.code}.\n"
            )
            return 1
        username = bot_username or await services.certificates.bot_username()
        if not username:
            err.write(
                "The verification links need the bot's username: start the bot once (it "
                "records it), or give it with --bot USERNAME.\n"
            )
            return 1
        # Issued here, they also go to their holders in chat: the running bot sends them.
        issued = await services.certificates.issue(
            subject, await services.certificates.pending(subject), send=True
        )
        standing = await services.certificates.standing(subject)
        catalogs = Catalogs(default_language=settings.default_language)
        papers: list[Paper] = []
        for certificate in standing:
            user = await services.users.get(certificate.user_id or 0)
            if user is None:
                continue
            t = catalogs.get(services.users.language_of(user))
            papers.append((t, certificate, services.users.timezone_of(user)))
        printer = services.printer
        await asyncio.to_thread(_write_papers, printer, folder, subject, papers, username)
    written = f"{len(standing)} certificate" + ("" if len(standing) == 1 else "s")
    out.write(f"Wrote {written} of {subject.code} to {folder} ({len(issued)} issued now).\n")
    return 0


Paper = tuple[Translator, Certificate, str]  # in the holder's language and time zone


def _write_papers(
    printer: CertificatePrinter,
    folder: Path,
    subject: Subject,
    papers: list[Paper],
    bot_username: str,
) -> None:
    """Render and write each certificate (CPU-bound: off the event loop)."""
    folder.mkdir(parents=True, exist_ok=True)
    for t, certificate, zone in papers:
        _, content = printer.paper(t, certificate, subject, zone, bot_username)
        (folder / f"{subject.code}-{certificate.code}.pdf").write_bytes(content)


async def migrate_sqlite_to_postgres(
    settings: Settings, source: Path | None, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Copy the SQLite database into DATABASE_URL's empty one, saying table by table."""
    from bot.db.postgres import describe
    from bot.db.running import bot_running_on
    from bot.db.transfer import TransferRefused, copy_sqlite_to_postgres

    if not settings.database_url:
        err.write(
            "Set DATABASE_URL to the PostgreSQL database to copy into, e.g.\n"
            "  DATABASE_URL=postgresql://bot:PASSWORD@db.example.org:5432/webinars\n"
        )
        return 2
    path = source or settings.database_path
    if bot_running_on(path):
        err.write(
            f"A bot process is running on {path}: stop it first (what it wrote after the "
            "copy began would be missing from PostgreSQL).\n"
        )
        return 1
    target = describe(settings.database_url)
    out.write(f"Copying {path} into {target} (the bot must be stopped meanwhile).\n")

    def said(copied: Copied) -> None:
        out.write(f"  {copied.table}: {copied.rows:,} rows\n")
        out.flush()

    try:
        copied = await copy_sqlite_to_postgres(path, settings.database_url, said)
    except TransferRefused as refused:
        err.write(f"{refused}\n")
        return 1
    total = sum(c.rows for c in copied)
    out.write(
        f"Copied {total:,} rows into {target}. Start the bot with DATABASE_URL set; "
        f"keep {path} until you have checked it.\n"
    )
    return 0


async def prepare_database(settings: Settings) -> None:
    """Create or migrate the database; DatabaseUnusable if the file is not one."""
    db = await open_database(settings.database_path, settings.database_url)
    await db.close()


async def backup(
    settings: Settings, target: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Copy the database to `target` while the bot may be running; say where and how big.
    The live database (or its side files) as the target is refused: the copy would
    overwrite what it copies."""
    if settings.database_url:
        err.write(
            "With PostgreSQL (DATABASE_URL), back up with the server's own tools, e.g.\n"
            '  pg_dump --format=custom --file=bot.dump "$DATABASE_URL"\n'
            "or your provider's scheduled backups.\n"
        )
        return 2
    if not _database_exists(settings, err):
        return 1
    if _is_live_database(settings.database_path, target):
        err.write(f"{target} is the live database itself; choose another file for the backup.\n")
        return 2
    db = await open_database(settings.database_path, settings.database_url)
    try:
        await db.backup(target)
    finally:
        await db.close()
    out.write(_written(target))
    return 0


def _is_live_database(database: Path, target: Path) -> bool:
    live = database.resolve()
    return target.resolve() in {
        live,
        *(live.with_name(live.name + end) for end in ("-wal", "-shm")),
    }


def _written(target: Path) -> str:
    return f"Backup written to {target.resolve()} ({_size(target.stat().st_size)}).\n"


def _size(count: int) -> str:
    if count < 1024:
        return f"{count:,} bytes"
    if count < 1024**2:
        return f"{count / 1024:,.1f} KB"
    return f"{count / 1024**2:,.1f} MB"


def _database_exists(settings: Settings, err: TextIO) -> bool:
    if settings.database_url or settings.database_path.is_file():
        return True
    err.write(f"There is no database at {settings.database_path}.\n")
    return False
