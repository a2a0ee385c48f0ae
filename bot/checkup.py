"""`python -m bot check`: is this deployment ready? Each point says what is wrong and how to
fix it; exit code 0 when all are fine, 1 otherwise. Nothing is changed: the database is not
migrated, the webhook not set (the bot does both when it starts).

The settings themselves were checked when they were read (a wrong one stops every command
with its own message, exit code 2).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TextIO

from bot.config import Listen, Settings
from bot.db.core import MIGRATIONS_DIR, load_migrations


@dataclass(frozen=True)
class Point:
    ok: bool
    what: str
    fix: str = ""
    note: bool = False  # fine, but not what the operator may think: said, not counted

    @property
    def mark(self) -> str:
        return "FIX " if not self.ok else "NOTE" if self.note else "ok  "


async def check(settings: Settings, out: TextIO) -> int:
    points: list[Point] = [_mode(settings), *_notes(settings), await _database(settings)]
    points.extend(await _bot_api(settings))
    if settings.webhook is not None:
        points.append(
            await asyncio.to_thread(_can_listen, "WEBHOOK_LISTEN", settings.webhook.listen)
        )
    else:
        if settings.web_app is not None:
            points.append(
                await asyncio.to_thread(_can_listen, "WEB_LISTEN", settings.web_app.listen)
            )
        metrics = settings.metrics_listen
        if metrics is not None and (settings.web_app is None or metrics != settings.web_app.listen):
            points.append(await asyncio.to_thread(_can_listen, "METRICS_LISTEN", metrics))
    for point in points:
        out.write(f"{point.mark} {point.what}\n")
        if point.fix:
            out.write(f"     {point.fix}\n")
    failed = sum(1 for p in points if not p.ok)
    out.write("All set.\n" if not failed else f"{failed} thing(s) to fix.\n")
    return 1 if failed else 0


def _mode(settings: Settings) -> Point:
    web_app = settings.web_app
    if settings.webhook is None:
        extra = (
            f"; /healthz and /metrics on {settings.metrics_listen}"
            if settings.metrics_listen
            else ""
        )
        if web_app is not None:
            extra += f"; Mini App {web_app.page('form')} served on {web_app.listen}"
        return Point(True, f"Mode: long polling (one process){extra}")
    extra = f"; Mini App {web_app.page('form')} served there too" if web_app else ""
    return Point(
        True,
        f"Mode: webhook at {settings.webhook.url}, served on {settings.webhook.listen} "
        f"(with /healthz and /metrics){extra}",
    )


def _notes(settings: Settings) -> list[Point]:
    """Settings that work, but maybe not as the operator thinks."""
    if settings.webhook is None:
        return []
    notes = []
    if settings.metrics_listen is not None:
        notes.append(
            Point(
                True,
                f"METRICS_LISTEN ({settings.metrics_listen}) is not used in webhook mode",
                "/healthz and /metrics are served with the webhook on "
                f"{settings.webhook.listen}; remove METRICS_LISTEN, or scrape that address.",
                note=True,
            )
        )
    if not settings.database_url:
        notes.append(
            Point(
                True,
                "Webhook mode on a SQLite file: one process only",
                "Several processes behind one proxy need DATABASE_URL (PostgreSQL); with a "
                "SQLite file each would keep registrations of its own.",
                note=True,
            )
        )
    return notes


async def _database(settings: Settings) -> Point:
    latest = len(load_migrations(MIGRATIONS_DIR))
    if settings.database_url:
        return await _postgres(settings.database_url, latest)
    path = settings.database_path
    if not path.exists():
        return Point(True, f"Database: {path} does not exist yet; the bot creates it at start")
    try:
        version = await asyncio.to_thread(_sqlite_version, str(path))
    except sqlite3.DatabaseError as exc:
        return Point(
            False,
            f"Database: {path} cannot be read ({exc})",
            "Is it a SQLite database? Restore a backup (python -m bot backup makes them).",
        )
    return _versioned(f"SQLite database {path}", version, latest)


def _sqlite_version(path: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if row is None:
            return 0
        found = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        return int(found[0]) if found else 0
    finally:
        conn.close()


async def _postgres(url: str, latest: int) -> Point:
    import psycopg

    from bot.db.postgres import describe, first_line

    name = describe(url)

    def version() -> int:
        with psycopg.connect(url, connect_timeout=10) as conn:
            exists = conn.execute("SELECT to_regclass('schema_version')").fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
            return int(row[0]) if row else 0

    try:
        found = await asyncio.to_thread(version)
    except psycopg.Error as exc:
        return Point(
            False,
            f"Database: {name}: {first_line(exc)}",
            "Check DATABASE_URL (host, port, database name, user and password) and that the "
            "server lets this machine connect (pg_hba.conf, firewall).",
        )
    return _versioned(name, found, latest)


def _versioned(name: str, version: int, latest: int) -> Point:
    if version > latest:
        return Point(
            False,
            f"Database: {name} is at migration {version}, newer than this bot ({latest})",
            "Run the same or a newer version of the bot.",
        )
    if version < latest:
        return Point(
            True,
            f"Database: {name} reachable, at migration {version}; the bot brings it to "
            f"{latest} when it starts",
        )
    return Point(True, f"Database: {name} reachable, up to date (migration {latest})")


async def _bot_api(settings: Settings) -> list[Point]:
    if not settings.bot_token:
        return [
            Point(
                False,
                "Bot token: BOT_TOKEN is not set",
                "Create a bot with @BotFather (/newbot) and put its token in BOT_TOKEN.",
            )
        ]
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    bot = Bot(settings.bot_token, base_url=settings.telegram_api_url)
    try:
        async with bot:
            me = bot.bot
            points = [Point(True, f"Bot token: accepted, the bot is @{me.username}")]
            info = await bot.get_webhook_info()
            points.append(
                _webhook(settings, info.url, info.last_error_message, info.pending_update_count)
            )
            return points
    except InvalidToken:
        return [
            Point(
                False,
                "Bot token: the Bot API refuses it (revoked, or mistyped)",
                "Copy the token again from @BotFather (/mybots, API Token) into BOT_TOKEN.",
            )
        ]
    except NetworkError as exc:
        return [
            Point(
                False,
                f"Bot API: {settings.telegram_api_url} cannot be reached ({type(exc).__name__})",
                "Check this machine's network, proxy and TELEGRAM_API_URL.",
            )
        ]
    except TelegramError as exc:
        return [Point(False, f"Bot API: {exc.message}")]


def _webhook(settings: Settings, current: str, error: str | None, pending: int) -> Point:
    waiting = f"; {pending} update(s) waiting at Telegram" if pending else ""
    if settings.webhook is None:
        if current:
            return Point(
                True,
                f"Webhook: Telegram posts to {current}; long polling deletes it at start{waiting}",
            )
        return Point(True, f"Webhook: none (long polling){waiting}")
    if not current:
        return Point(True, f"Webhook: not set yet; the bot sets it when it starts{waiting}")
    if current != settings.webhook.url:
        return Point(
            False,
            f"Webhook: Telegram posts to {current}, not to WEBHOOK_URL ({settings.webhook.url})",
            "Another deployment of this bot may be running; the bot sets WEBHOOK_URL when it "
            "starts, which takes the updates from the other one.",
        )
    if error:
        return Point(
            False,
            f"Webhook: Telegram's last post to {current} failed: {error}{waiting}",
            "Check that the reverse proxy forwards HTTPS on that address to WEBHOOK_LISTEN, "
            "with a certificate Telegram accepts, and that the bot is running.",
        )
    return Point(True, f"Webhook: Telegram posts to {current}{waiting}")


def _can_listen(name: str, listen: Listen) -> Point:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((listen.host, listen.port))
        except OSError as exc:
            running = _running_bot(listen)
            if running is not None:
                return Point(True, f"{name}: {listen} is this bot's, running ({running})")
            return Point(
                False,
                f"{name}: cannot listen on {listen} ({exc.strerror or exc})",
                "Another program (or the running bot) uses this port, or the address is not "
                "this machine's: choose another, e.g. 127.0.0.1:8081.",
            )
    return Point(True, f"{name}: {listen} is free")


def _running_bot(listen: Listen) -> str | None:
    """What the bot listening at `listen` says of its health, if a bot listens there."""
    host = "127.0.0.1" if listen.host in ("0.0.0.0", "") else listen.host
    url = f"http://{'[' + host + ']' if ':' in host else host}:{listen.port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            body = json.loads(answer.read())
    except urllib.error.HTTPError as error:  # 503: a bot, unhealthy
        try:
            body = json.loads(error.read())
        except ValueError:
            return None
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or "status" not in body:
        return None
    problems = body.get("problems") or []
    return "healthy" if body["status"] == "ok" else "unhealthy: " + "; ".join(map(str, problems))
