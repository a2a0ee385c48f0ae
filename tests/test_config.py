"""Settings: defaults, .env parsing and the operator-facing errors."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, ConfigError, load_settings


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    """With nothing set, every setting has the default DESIGN.md promises."""
    settings = load_settings({}, env_file=None)
    assert settings.bot_token is None
    assert settings.admin_ids == frozenset()
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.telegram_api_url == DEFAULT_API_URL
    assert settings.default_language == "en"
    assert settings.default_timezone == "UTC"
    assert settings.reminder_offsets == (timedelta(days=1), timedelta(hours=1))
    assert settings.log_level == "INFO"


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    """`.env` supplies values, comments and quotes are handled, real variables override it."""
    env = tmp_path / ".env"
    env.write_text(
        "# organizers\nBOT_TOKEN='123:abc'\nexport ADMIN_IDS=1, 2 ,3\n"
        "DEFAULT_LANGUAGE=fr  # French first\n\nREMINDER_OFFSETS=30m,2h,1d\n",
        encoding="utf-8",
    )
    settings = load_settings({"DEFAULT_LANGUAGE": "ar"}, env_file=env)
    assert settings.bot_token == "123:abc"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.default_language == "ar"
    assert settings.reminder_offsets == (
        timedelta(days=1),
        timedelta(hours=2),
        timedelta(minutes=30),
    )
    assert settings.is_organizer(2) and not settings.is_organizer(4)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ADMIN_IDS", "12,abc", "ADMIN_IDS: 'abc' is not a Telegram user id"),
        ("ADMIN_IDS", "-5", "ADMIN_IDS"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE: 'de' is not supported"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE: 'Mars/Olympus'"),
        ("DEFAULT_TIMEZONE", "../../etc/passwd", "DEFAULT_TIMEZONE"),
        ("DEFAULT_TIMEZONE", "Europe", "DEFAULT_TIMEZONE: 'Europe'"),  # a folder of zones
        ("REMINDER_OFFSETS", "1d,soon", "REMINDER_OFFSETS: '1d,soon'"),
        ("REMINDER_OFFSETS", "1000000d", "REMINDER_OFFSETS"),  # beyond any date
        ("REMINDER_OFFSETS", "1d,2d,3d,4d,5d,6d", "REMINDER_OFFSETS"),
        ("REMINDER_OFFSETS", "0h", "REMINDER_OFFSETS"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL"),
        # without /bot the token would land in the URL path, and then in error messages
        ("TELEGRAM_API_URL", "https://api.telegram.org", "must end with /bot"),
        ("TELEGRAM_API_URL", "http://127.0.0.1:8081/", "must end with /bot"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("RETENTION_DAYS", "0", "RETENTION_DAYS: '0'"),
        ("RETENTION_DAYS", "two years", "RETENTION_DAYS"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    variable: str, value: str, message: str
) -> None:
    """Each invalid setting names the variable and the offending value."""
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings({variable: value}, env_file=None)


def test_an_unusable_database_path_is_refused(tmp_path: Path) -> None:
    """A database path in a folder the bot cannot write, or that is a folder, is refused."""
    with pytest.raises(ConfigError, match="is not a file"):
        load_settings({"DATABASE_PATH": str(tmp_path)}, env_file=None)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(ConfigError, match="not writable"):
            load_settings({"DATABASE_PATH": str(locked / "bot.sqlite3")}, env_file=None)
    finally:
        locked.chmod(0o700)


def test_a_malformed_env_line_names_its_line(tmp_path: Path) -> None:
    """A line without `=` in `.env` is reported with its number."""
    env = tmp_path / ".env"
    env.write_text("BOT_TOKEN=1:a\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        load_settings({}, env_file=env)


def test_certificate_settings_are_read_and_checked(tmp_path: Path) -> None:
    """The programme's name, a logo (PNG or JPEG only) and up to three signatories."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    settings = load_settings(
        {
            "CERTIFICATE_PROGRAMME": "Ciudades Resilientes",
            "CERTIFICATE_LOGO": str(logo),
            "CERTIFICATE_SIGNATORIES": "María González | Directora; 王伟 | 项目主任;",
        },
        env_file=None,
    )
    assert settings.certificate.programme == "Ciudades Resilientes"
    assert settings.certificate.logo is not None and settings.certificate.logo[:4] == b"\x89PNG"
    assert settings.certificate.signatories == (
        ("María González", "Directora"),
        ("王伟", "项目主任"),
    )
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    for key, value, said in [
        ("CERTIFICATE_LOGO", str(tmp_path / "logo.gif"), "not a PNG or JPEG"),
        ("CERTIFICATE_LOGO", str(tmp_path / "missing.png"), "cannot read"),
        ("CERTIFICATE_SIGNATORIES", "A|a; B|b; C|c; D|d", "at most three"),
        ("CERTIFICATE_SIGNATORIES", " | Director", "should be a name"),
    ]:
        with pytest.raises(ConfigError, match=said):
            load_settings({key: value}, env_file=None)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres:Sup3rSecret@[bad/x", "not a valid URL"),
        ("postgresql://bot:Tr0ub@dor&3Horse@db.internal:5432/webinars", "%40"),
        ("postgresql://bot:Sup3rSecret@db:99999/webinars", "not a valid URL"),
        ("mysql://bot:Sup3rSecret@db/webinars", "expected a PostgreSQL URL"),
    ],
)
def test_a_wrong_database_url_is_refused_without_quoting_its_password(url: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"DATABASE_URL": url}, env_file=None)
    assert said in str(refused.value)
    for secret in ("Sup3rSecret", "Tr0ub", "3Horse"):
        assert secret not in str(refused.value)


def test_every_wrong_setting_is_reported_at_once(tmp_path: Path) -> None:
    """A first start with three mistakes is one round of fixes, not three: each is said on a
    line of its own, as `python -m bot` prints them."""
    import subprocess
    import sys

    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "ADMIN_IDS": "5001,alice",
        "DEFAULT_LANGUAGE": "xx",
        "WEBHOOK_URL": "https://bot.example.org",
        "WEBHOOK_SECRET": "s3cret",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert all(line.startswith("Configuration error: ") for line in lines)
    assert "ADMIN_IDS" in lines[0]
    assert "DEFAULT_LANGUAGE" in lines[1]
    assert "WEBHOOK_URL: 'https://bot.example.org' needs a path of its own" in lines[2]


def test_every_wrong_webhook_setting_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {
                "WEBHOOK_URL": "http://bot.example.org:99999",
                "WEBHOOK_SECRET": "bad secret!",
                "WEBHOOK_LISTEN": "nowhere",
            },
            env_file=None,
        )
    problems = raised.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "WEBHOOK_URL",
        "WEBHOOK_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
    ], problems
    assert "must be a public https:// address" in problems[0]
    assert "needs a path of its own" in problems[1]
    assert "port 99999 is not one Telegram posts to" in problems[2]


@pytest.mark.parametrize("path", ["", "/", "/healthz", "/metrics/"])
def test_a_webhook_url_needs_a_path_of_its_own(path: str) -> None:
    with pytest.raises(ConfigError, match="needs a path of its own"):
        load_settings(
            {"WEBHOOK_URL": f"https://bot.example.org{path}", "WEBHOOK_SECRET": "s"},
            env_file=None,
        )


def test_the_mini_app_address_and_where_it_is_served() -> None:
    settings = load_settings({"WEB_APP_URL": "https://bot.example.org/webinars/"}, env_file=None)
    assert settings.web_app is not None
    assert str(settings.web_app.listen) == "127.0.0.1:8080"
    assert settings.web_app.page("form", event="flood", lang="ar") == (
        "https://bot.example.org/webinars/app/form?event=flood&lang=ar"
    )
    assert load_settings({}, env_file=None).web_app is None
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {"WEB_APP_URL": "http://bot.example.org/app?x=1", "WEB_LISTEN": "port 80"},
            env_file=None,
        )
    problems = raised.value.problems
    assert [p.split(":")[0] for p in problems] == ["WEB_APP_URL", "WEB_APP_URL", "WEB_LISTEN"]
    assert "must be a public https:// address" in problems[0]
    assert "without /app, a query or a fragment" in problems[1]


def test_the_webhook_keeps_out_of_the_mini_apps_pages() -> None:
    with pytest.raises(ConfigError, match="is under /app, where the Mini App"):
        load_settings(
            {
                "WEBHOOK_URL": "https://bot.example.org/app/telegram",
                "WEBHOOK_SECRET": "s",
                "WEB_APP_URL": "https://bot.example.org",
            },
            env_file=None,
        )
