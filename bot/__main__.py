"""Command line (`python -m bot --help`). Thin: parse arguments, load settings, delegate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.log_privacy import protect_handlers

NO_TOKEN = """\
BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, talk to @BotFather (https://t.me/BotFather), send /newbot and copy the token.
  2. Put it in a file named .env in this folder:  BOT_TOKEN=123456789:AA...
     (or export BOT_TOKEN in the environment). .env.example lists every setting.

To try the bot without a token or a network, run:  python -m bot demo
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The webinar registration bot. Settings come from .env and the environment.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run the bot (the default): long polling, or webhook mode when WEBHOOK_URL is set",
        description="Run the bot until SIGTERM or Ctrl-C. Long polling by default; with "
        "WEBHOOK_URL and WEBHOOK_SECRET set, webhook mode (it listens on WEBHOOK_LISTEN and "
        "sets its webhook at Telegram). DATABASE_URL selects PostgreSQL instead of the SQLite "
        "file of DATABASE_PATH. Settings come from .env and the environment; "
        "`python -m bot check` says whether they are ready.",
    )
    commands.add_parser(
        "demo", help="chat with the bot in this terminal, against a built-in Bot API emulator"
    )
    importer = commands.add_parser(
        "import-events", help="add or update events from a CSV file (all rows or none)"
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv")
    importer.add_argument(
        "--dry-run", action="store_true", help="print what the file would change; change nothing"
    )
    attendance = commands.add_parser(
        "import-attendance",
        help="mark who attended a session from its meeting report (Zoom, Teams, Meet, Webex, "
        "or a list of emails or Telegram usernames; CSV or .xlsx)",
    )
    attendance.add_argument("code", metavar="CODE", help="the session's event code")
    attendance.add_argument("file", type=Path, metavar="FILE")
    exporter = commands.add_parser("export", help="write a CSV to standard output")
    exporter.add_argument("what", choices=["registrations"])
    exporter.add_argument("--event", metavar="CODE", help="only this event's registrations")
    saver = commands.add_parser(
        "backup", help="copy the live database to FILE without stopping the bot"
    )
    saver.add_argument("file", type=Path, metavar="FILE")
    commands.add_parser(
        "check",
        help="check the settings, the database, the bot token and the webhook; say what to fix",
    )
    mover = commands.add_parser(
        "migrate-sqlite-to-postgres",
        help="copy the SQLite database (DATABASE_PATH) into the empty PostgreSQL database of "
        "DATABASE_URL; stop the bot first",
    )
    mover.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="the SQLite file to copy (default: DATABASE_PATH)",
    )
    papers = commands.add_parser(
        "certificates",
        help="write the PDF certificate of everyone who completed a course (or attended an "
        "event), one file each",
    )
    papers.add_argument("code", metavar="CODE", help="the course's or event's code")
    papers.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write")
    papers.add_argument(
        "--bot",
        metavar="USERNAME",
        help="the bot's username, for the verification links (default: as the running bot "
        "recorded it)",
    )
    return parser


def configure_logging(level: str, *secrets: str | None) -> None:
    """`secrets`: the token and the other settings that must never reach a log line."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    protect_handlers(secrets)
    # One line per HTTP request drowns everything else at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # python-telegram-bot's DEBUG records quote whole updates and the parameters and answers
    # of every call (what people typed: names, emails, cities): even at DEBUG, the bot's
    # log says which update and which call, never what they held.
    for library in ("telegram", "httpcore"):
        logger = logging.getLogger(library)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))
    # fontTools says at INFO which glyphs each certificate's fonts keep: the letters of the
    # holder's name (25 lines a PDF); fpdf2 likewise. APScheduler logs each run of the
    # bot's periodic jobs (two lines every ten seconds). Their warnings still show.
    for library in ("fontTools", "fpdf", "apscheduler"):
        logging.getLogger(library).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_without_token_traceback)


def _without_token_traceback(record: logging.LogRecord) -> bool:
    """python-telegram-bot logs a refused token with a 60-line traceback before `run` says
    in one line what to check: its line is kept, the traceback left out."""
    if record.exc_info and type(record.exc_info[1]).__name__ == "InvalidToken":
        record.exc_info = None
        record.exc_text = None
    return True


# The exit code of a bot that stopped because starting it again would not help: its database
# was deleted, dropped or emptied under it, or Telegram refuses its token. systemd's
# RestartPreventExitStatus=3 (deploy/) keeps it stopped until someone has looked: restarted,
# it would create an empty database and run on it.
STOPPED_FOR_GOOD = 3


def run(settings: Settings) -> int:
    if not settings.bot_token:
        sys.stderr.write(NO_TOKEN)
        return 2

    configure_logging(settings.log_level, *settings.secrets())
    if settings.database_url:
        return _run(settings)
    from bot.db.running import BotRunning, running_on

    try:
        with running_on(settings.database_path):
            return _run(settings)
    except BotRunning as running:
        sys.stderr.write(f"Not started: {running}\n")
        return 2


def _run(settings: Settings) -> int:
    from telegram.error import InvalidToken

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.cli import prepare_database
    from bot.web.server import CannotListen

    # An unusable database file is reported at once, not inside python-telegram-bot's start-up.
    asyncio.run(prepare_database(settings))
    app = build_application(settings, freeze_heap=True)
    try:
        if settings.webhook is not None:
            from bot.serving import run_webhook

            run_webhook(app, settings)
        else:
            # Telegram unreachable at start-up: keep trying (with back-off) instead of
            # exiting. Polling deletes a webhook set before (back from webhook mode).
            app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
    except InvalidToken:
        # Its own message quotes the token; this one does not.
        logging.getLogger(__name__).critical(
            "The Bot API refused the token (401/404): check BOT_TOKEN, and that "
            "TELEGRAM_API_URL is the Bot API's address ending in /bot."
        )
        return STOPPED_FOR_GOOD
    except CannotListen as exc:  # a setting to fix, in one line
        logging.getLogger(__name__).critical(
            "Not started: %s. Check WEBHOOK_LISTEN (or METRICS_LISTEN): host:port of this "
            "machine, a port no other program uses.",
            exc,
        )
        return 2
    except Exception:  # through the log, whose filter removes the token from the traceback
        logging.getLogger(__name__).critical("The bot stopped on an error", exc_info=True)
        return 1
    # A supervisor sees that it did not end well, and which way (see STOPPED_FOR_GOOD).
    return STOPPED_FOR_GOOD if app.bot_data.stopped_for_good else 0


def demo(settings: Settings) -> int:
    from bot.devtools.demo import run_demo

    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(settings, sys.stdin, sys.stdout))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from bot.db import DatabaseUnusable

    # Whatever the bot writes (the database and its side files, backups) is for the bot's
    # user alone: it holds people's names, emails and answers.
    os.umask(0o077)
    try:
        return _command(argv)
    except DatabaseUnusable as exc:
        sys.stderr.write(f"Database error: {exc}\n")
        return 2


def _command(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    # Opt into python-telegram-bot's next behaviour: durations such as retry_after are timedeltas.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.writelines(f"Configuration error: {problem}\n" for problem in exc.problems)
        return 2
    if args.command == "demo":
        return demo(settings)
    if args.command in ("import-events", "import-attendance"):
        from bot.cli import import_attendance, import_events

        configure_logging("WARNING", *settings.secrets())
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            sys.stderr.write(f"Cannot read {args.file}: {exc.strerror or exc}\n")
            return 2
        if args.command == "import-events":
            return asyncio.run(import_events(settings, data, dry_run=args.dry_run))
        return asyncio.run(import_attendance(settings, args.code, data))
    if args.command == "certificates":
        from bot.cli import write_certificates

        configure_logging("WARNING", *settings.secrets())
        return asyncio.run(write_certificates(settings, args.code, args.out, args.bot))
    if args.command == "check":
        from bot.checkup import check

        configure_logging("ERROR", *settings.secrets())
        return asyncio.run(check(settings, sys.stdout))
    if args.command == "migrate-sqlite-to-postgres":
        from bot.cli import migrate_sqlite_to_postgres

        configure_logging("WARNING", *settings.secrets())
        return asyncio.run(migrate_sqlite_to_postgres(settings, args.source))
    if args.command == "backup":
        from bot.cli import backup

        configure_logging("WARNING", *settings.secrets())
        return asyncio.run(backup(settings, args.file))
    if args.command == "export":
        from bot.cli import export_registrations

        configure_logging("WARNING", *settings.secrets())
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            return asyncio.run(export_registrations(settings, out, args.event))
        finally:
            out.flush()
            out.detach()
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
