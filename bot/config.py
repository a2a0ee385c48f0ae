"""Settings from `.env` and the environment, validated once at start-up.

Every error names the variable and says how to fix it, because the person reading it is an
operator on a small server, not the author of this code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import SUPPORTED_LANGUAGES
from bot.log_privacy import url_password
from bot.offsets import parse_offsets
from bot.problems import InputProblem

DEFAULT_API_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


T = TypeVar("T")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message is meant for the operator. `problems`:
    every one found (a line each), so that a first start is not a round of fixes."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CertificateSettings:
    """What certificates print beside the course: the programme's name (None: the bot's own
    words for it, in the holder's language), its logo, and up to three signatories."""

    programme: str | None = None
    logo: bytes | None = None
    signatories: tuple[tuple[str, str], ...] = ()  # (name, title)


@dataclass(frozen=True)
class Listen:
    """Where a web server listens: host (a name or an address; IPv6 without brackets) and
    port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: Telegram posts each update to `url` (public HTTPS, usually a reverse
    proxy's), with `secret` in a header; the bot serves it on `listen`."""

    url: str
    secret: str
    listen: Listen

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


@dataclass(frozen=True)
class WebApp:
    """The Mini App: Telegram opens pages under `url` (the public HTTPS address of the bot's
    web server, usually a reverse proxy's); served on `listen` in polling mode, on the
    webhook's server in webhook mode."""

    url: str
    listen: Listen

    def page(self, name: str, **query: str) -> str:
        """The address of one of its pages, e.g. page("form", event="flood-101")."""
        address = f"{self.url.rstrip('/')}/app/{name}"
        return f"{address}?{urlencode(query)}" if query else address


@dataclass(frozen=True)
class Settings:
    """Everything the process needs to know about its deployment."""

    bot_token: str | None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    database_path: Path = Path("data/bot.sqlite3")
    # postgresql://… : PostgreSQL instead of the SQLite file at `database_path`.
    database_url: str = ""
    telegram_api_url: str = DEFAULT_API_URL
    default_language: str = "en"
    default_timezone: str = "UTC"
    reminder_offsets: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=1))
    log_level: str = "INFO"
    checkin_opens: timedelta = timedelta(minutes=15)
    retention: timedelta = timedelta(days=730)
    certificate: CertificateSettings = field(default_factory=lambda: CertificateSettings())
    webhook: Webhook | None = None  # None: long polling
    metrics_listen: Listen | None = None  # /healthz and /metrics in polling mode
    # The most Stars all paid urgent notices together may cost (0: never paid).
    paid_broadcast_stars: int = 0
    web_app: WebApp | None = None  # the Mini App (WEB_APP_URL); None: chat only

    def is_organizer(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    def secrets(self) -> tuple[str | None, ...]:
        """What must never reach a log line: the token, the database's password."""
        secret = self.webhook.secret if self.webhook else None
        return (self.bot_token, url_password(self.database_url), secret)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes, `export` prefix."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        if "=" not in line:
            raise ConfigError(f"{path}, line {number}: expected KEY=VALUE, got {raw!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Merge `.env` (if present) under the real environment, then validate."""
    merged: dict[str, str] = read_env_file(env_file) if env_file is not None else {}
    merged.update(os.environ if environ is None else environ)

    def get(name: str) -> str:
        return merged.get(name, "").strip()

    problems: list[str] = []

    def checked(parse: Callable[..., T], *raw: str) -> T:
        """The parsed setting; a wrong one noted (and a stand-in returned) so that every
        wrong setting is reported at once."""
        try:
            return parse(*raw)
        except ConfigError as exc:
            problems.extend(exc.problems)
            return cast(T, None)

    settings = Settings(
        bot_token=get("BOT_TOKEN") or None,
        admin_ids=checked(parse_admin_ids, get("ADMIN_IDS")),
        database_path=(
            Path(get("DATABASE_PATH") or "data/bot.sqlite3")
            if get("DATABASE_URL")
            else checked(parse_database_path, get("DATABASE_PATH") or "data/bot.sqlite3")
        ),
        database_url=checked(parse_database_url, get("DATABASE_URL")),
        telegram_api_url=checked(parse_api_url, get("TELEGRAM_API_URL") or DEFAULT_API_URL),
        default_language=checked(parse_language, get("DEFAULT_LANGUAGE") or "en"),
        default_timezone=checked(parse_timezone, get("DEFAULT_TIMEZONE") or "UTC"),
        reminder_offsets=checked(parse_reminder_offsets, get("REMINDER_OFFSETS") or "1d,1h"),
        log_level=checked(parse_log_level, get("LOG_LEVEL") or "INFO"),
        checkin_opens=checked(parse_checkin_opens, get("CHECKIN_OPENS_MINUTES") or "15"),
        retention=checked(parse_retention, get("RETENTION_DAYS") or "730"),
        certificate=CertificateSettings(
            programme=get("CERTIFICATE_PROGRAMME")[:200] or None,
            logo=checked(parse_logo, get("CERTIFICATE_LOGO")),
            signatories=checked(parse_signatories, get("CERTIFICATE_SIGNATORIES")),
        ),
        webhook=checked(
            parse_webhook,
            get("WEBHOOK_URL"),
            get("WEBHOOK_SECRET"),
            get("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN,
        ),
        metrics_listen=(
            checked(parse_listen, "METRICS_LISTEN", get("METRICS_LISTEN"))
            if get("METRICS_LISTEN")
            else None
        ),
        paid_broadcast_stars=checked(parse_paid_stars, get("PAID_BROADCAST_STARS") or "0"),
        web_app=checked(parse_web_app, get("WEB_APP_URL"), get("WEB_LISTEN") or DEFAULT_WEB_LISTEN),
    )
    webhook, web_app = settings.webhook, settings.web_app
    if webhook is not None and web_app is not None and webhook.path.startswith("/app"):
        problems.append(
            f"WEBHOOK_URL: {webhook.url!r} is under /app, where the Mini App's pages are; "
            "use another path, e.g. https://bot.example.org/telegram."
        )
    if problems:
        raise ConfigError(*problems)
    return settings


DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8080"
DEFAULT_WEB_LISTEN = "127.0.0.1:8080"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def parse_listen(name: str, raw: str) -> Listen:
    """host:port, [IPv6]:port, or :port (every address)."""
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^\s:\[\]]*):(\d{1,5})", raw)
    port = int(match.group(2) or match.group(4)) if match else 0
    if match is None or not 0 < port < 65536:
        raise ConfigError(
            f"{name}: {raw!r} is not host:port, e.g. 127.0.0.1:8080 (this machine only, behind "
            "a reverse proxy) or 0.0.0.0:8080 (every address, in a container)."
        )
    host = match.group(1) or match.group(3) or "0.0.0.0"
    return Listen(host, port)


def parse_webhook(url: str, secret: str, listen: str) -> Webhook | None:
    """WEBHOOK_URL set: webhook mode, with its secret required (every request is checked)."""
    if not url:
        if secret:
            raise ConfigError("WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both, or neither.")
        return None
    problems = _webhook_url_problems(url)
    if not _SECRET.match(secret):
        problems.append(
            ("WEBHOOK_SECRET: only " if secret else "WEBHOOK_SECRET: required with WEBHOOK_URL, ")
            + "1 to 256 characters among A-Z, a-z, "
            "0-9, _ and - (Telegram's rule). Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    try:
        where = parse_listen("WEBHOOK_LISTEN", listen)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(*problems)
    return Webhook(url, secret, where)


def _webhook_url_problems(url: str) -> list[str]:
    """What is wrong with WEBHOOK_URL, all of it."""
    parts = urlsplit(url)
    loopback = parts.hostname in _LOOPBACK
    problems = []
    if not _served_to_telegram(url):
        problems.append(
            f"WEBHOOK_URL: {url!r} must be a public https:// address, e.g. "
            "https://bot.example.org/telegram (Telegram posts updates to HTTPS only; your "
            "reverse proxy forwards them to WEBHOOK_LISTEN)."
        )
    if parts.path.rstrip("/") in ("", "/healthz", "/healthz/deliveries", "/metrics"):
        problems.append(
            f"WEBHOOK_URL: {url!r} needs a path of its own, e.g. https://bot.example.org/telegram "
            "(the same server answers /healthz and /metrics; the reverse proxy forwards that "
            "path to WEBHOOK_LISTEN)."
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port not in (None, 443, 80, 88, 8443) and not loopback:
        problems.append(
            f"WEBHOOK_URL: port {parts.netloc.rpartition(':')[2]} is not one Telegram posts to "
            "(443, 80, 88, 8443)."
        )
    return problems


def _served_to_telegram(url: str) -> bool:
    """HTTPS, as Telegram requires; plain HTTP only on this machine (tests, the emulator)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)


def parse_web_app(url: str, listen: str) -> WebApp | None:
    """WEB_APP_URL set: the Mini App, on the public HTTPS address that reaches WEB_LISTEN."""
    if not url:
        return None
    parts = urlsplit(url)
    problems = []
    if not _served_to_telegram(url):
        problems.append(
            f"WEB_APP_URL: {url!r} must be a public https:// address, e.g. "
            "https://bot.example.org (Telegram opens Mini Apps over HTTPS only; your reverse "
            "proxy forwards /app/ to WEB_LISTEN)."
        )
    if parts.query or parts.fragment or parts.path.rstrip("/").endswith("/app"):
        problems.append(
            f"WEB_APP_URL: {url!r} should be the web server's address without /app, a query "
            "or a fragment, e.g. https://bot.example.org (the pages are under /app/)."
        )
    try:
        where = parse_listen("WEB_LISTEN", listen)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(*problems)
    return WebApp(url.rstrip("/"), where)


MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_SIGNATORIES = 3


def parse_logo(raw: str) -> bytes | None:
    """The logo file's content, read once at start-up; a PNG or a JPEG."""
    if not raw:
        return None
    path = Path(raw).expanduser()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"CERTIFICATE_LOGO: cannot read {path}: {exc.strerror or exc}.") from None
    if not content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise ConfigError(f"CERTIFICATE_LOGO: {path} is not a PNG or JPEG image.")
    if len(content) > MAX_LOGO_BYTES:
        raise ConfigError(f"CERTIFICATE_LOGO: {path} is larger than 2 MB; use a smaller image.")
    return content


def parse_signatories(raw: str) -> tuple[tuple[str, str], ...]:
    """ "Name | Title; Name | Title": who signs the certificates, up to three."""
    found: list[tuple[str, str]] = []
    for part in raw.split(";"):
        if not part.strip():
            continue
        name, _, title = (piece.strip() for piece in part.partition("|"))
        if not name or len(name) > 80 or len(title) > 120:
            raise ConfigError(
                f"CERTIFICATE_SIGNATORIES: {part.strip()!r} should be a name (up to 80 "
                "characters), then | and a title, as in "
                "CERTIFICATE_SIGNATORIES=Maria González | Programme Director; Jean Dupont | "
                "Head of training."
            )
        found.append((name, title))
    if len(found) > MAX_SIGNATORIES:
        raise ConfigError(
            "CERTIFICATE_SIGNATORIES: at most three signatories fit on a certificate."
        )
    return tuple(found)


def parse_admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d{1,20}", part) or int(part) == 0:
            raise ConfigError(
                f"ADMIN_IDS: {part!r} is not a Telegram user id. Use comma-separated numbers, "
                "e.g. ADMIN_IDS=123456789,987654321 (a user can see their id with @userinfobot)."
            )
        ids.add(int(part))
    return frozenset(ids)


def parse_database_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    folder = path.parent
    if path.exists() and not path.is_file():
        raise ConfigError(f"DATABASE_PATH: {path} exists but is not a file.")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ConfigError(f"DATABASE_PATH: {path} is not readable and writable by this user.")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"DATABASE_PATH: cannot create {path}: folder {existing} is not writable by this user."
        )
    return path


def parse_database_url(raw: str) -> str:
    """A PostgreSQL URL as libpq reads it (postgresql://user:password@host:port/name?...);
    empty: SQLite. The message of a wrong one never repeats it (it may hold a password)."""
    if not raw:
        return ""
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    example = "postgresql://bot:PASSWORD@db.example.org:5432/webinars"
    if scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"DATABASE_URL: expected a PostgreSQL URL such as {example} "
            f"(it starts with {scheme + '://' if scheme else 'no scheme'}); "
            "leave it empty to use the SQLite file of DATABASE_PATH."
        )
    authority = raw.split("://", 1)[1].split("/", 1)[0]
    if authority.count("@") > 1:
        raise ConfigError(
            "DATABASE_URL: the user name or password holds an @; write it %40 (characters "
            "such as @ : / ? # in a password are written %XX in a URL)."
        )
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise ConfigError(
            f"DATABASE_URL: not a valid URL (its host or port cannot be read); expected "
            f"{example}, with %XX for special characters in the password."
        ) from None
    return raw


def parse_api_url(raw: str) -> str:
    if not re.match(r"^https?://[^\s/]+", raw):
        raise ConfigError(
            f"TELEGRAM_API_URL: {raw!r} is not an http(s) URL. "
            f"The default is {DEFAULT_API_URL}; the bot token is appended to it."
        )
    if not raw.rstrip("/").endswith("/bot"):
        # Without it every request goes to <server>/<token>/<method>: Telegram answers 404,
        # and python-telegram-bot's error message would carry the token into the log.
        raise ConfigError(
            f"TELEGRAM_API_URL: {raw!r} must end with /bot (the token is appended to it), "
            f"as in {DEFAULT_API_URL} or http://127.0.0.1:8081/bot."
        )
    return raw.rstrip("/")


def parse_language(raw: str) -> str:
    code = raw.lower().replace("_", "-")
    if code not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            f"DEFAULT_LANGUAGE: {raw!r} is not supported. Choose one of: "
            + ", ".join(SUPPORTED_LANGUAGES)
        )
    return code


def parse_timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder
        raise ConfigError(
            f"DEFAULT_TIMEZONE: {raw!r} is not an IANA time zone name such as UTC, "
            "Africa/Nairobi or America/Bogota."
        ) from None
    return raw


def parse_reminder_offsets(raw: str) -> tuple[timedelta, ...]:
    """The same rules as /reminders in chat: up to five times, each at most 30 days."""
    if not raw.strip():
        return ()
    try:
        minutes = parse_offsets(raw)
    except InputProblem:
        raise ConfigError(
            f"REMINDER_OFFSETS: {raw!r} must be up to five durations before the start, each "
            "from 1m to 30d, such as 1d, 6h or 30m (comma-separated, e.g. 1d,1h)."
        ) from None
    return tuple(timedelta(minutes=m) for m in minutes)


def parse_log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: {raw!r} must be one of {', '.join(LOG_LEVELS)}.")
    return level


def parse_paid_stars(raw: str) -> int:
    if not raw.isdecimal() or int(raw) > 10_000_000:
        raise ConfigError(
            f"PAID_BROADCAST_STARS: {raw!r} must be a whole number of Telegram Stars from 0 to "
            "10000000: the most that urgent notices sent as paid broadcasts may cost in all "
            "(0.1 Star a message; 0 or empty: never)."
        )
    return int(raw)


def parse_retention(raw: str) -> timedelta:
    if not raw.isdecimal() or not 1 <= int(raw) <= 36_500:
        raise ConfigError(
            f"RETENTION_DAYS: {raw!r} must be a whole number of days from 1 to 36500 (how long "
            "after their last session a participant's personal data is kept)."
        )
    return timedelta(days=int(raw))


def parse_checkin_opens(raw: str) -> timedelta:
    if not raw.isdecimal() or int(raw) > 24 * 60:
        raise ConfigError(
            f"CHECKIN_OPENS_MINUTES: {raw!r} must be a whole number of minutes from 0 to 1440 "
            "(how long before the start check-in opens)."
        )
    return timedelta(minutes=int(raw))
