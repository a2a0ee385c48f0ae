"""The command line, as an operator meets it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        check=False,
    )


def test_without_a_token_it_exits_at_once_and_says_what_to_do(tmp_path: Path) -> None:
    """No BOT_TOKEN: exit code 2, a pointer to @BotFather and to the demo."""
    result = run_cli(env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "BotFather" in result.stderr and "python -m bot demo" in result.stderr


def test_a_bad_setting_is_reported_before_anything_starts(tmp_path: Path) -> None:
    """An invalid ADMIN_IDS in .env is named, with exit code 2."""
    (tmp_path / ".env").write_text("BOT_TOKEN=1:x\nADMIN_IDS=me\n", encoding="utf-8")
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2 and "ADMIN_IDS" in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    """`python -m bot --help` lists run and demo."""
    result = run_cli("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0 and "run" in result.stdout and "demo" in result.stdout


def test_backup_copies_the_live_database(tmp_path: Path) -> None:
    """`python -m bot backup FILE` makes a consistent, openable copy while the file is in use."""
    import sqlite3

    database = tmp_path / "bot.sqlite3"
    imported = tmp_path / "programme.csv"
    from datetime import UTC, datetime

    from bot.devtools.sample_programme import sample_programme_csv

    imported.write_bytes(sample_programme_csv(datetime.now(UTC)))
    env = {"DATABASE_PATH": str(database)}
    assert run_cli("import-events", str(imported), env=env, cwd=tmp_path).returncode == 0
    reader = sqlite3.connect(database)  # another reader holds the database open meanwhile
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM events").fetchone()
    result = run_cli("backup", str(tmp_path / "copy.sqlite3"), env=env, cwd=tmp_path)
    reader.rollback()
    reader.close()
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "copy.sqlite3").resolve()
    assert result.stdout.startswith(f"Backup written to {written} (") and " KB)" in result.stdout
    live = run_cli("backup", str(database), env=env, cwd=tmp_path)
    assert live.returncode == 2 and "is the live database itself" in live.stderr
    same = run_cli("backup", "./bot.sqlite3-wal", env=env, cwd=tmp_path)
    assert same.returncode == 2
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT COUNT(*) FROM events").fetchone() == (8,)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    missing = run_cli(
        "backup", "x.sqlite3", env={"DATABASE_PATH": str(tmp_path / "none")}, cwd=tmp_path
    )
    assert missing.returncode == 1


def test_an_export_from_a_mistyped_database_path_says_so(tmp_path: Path) -> None:
    """A DATABASE_PATH that names no file is an error, not an empty list, and creates nothing."""
    typo = tmp_path / "typo" / "bot.sqlite3"
    result = run_cli("export", "registrations", env={"DATABASE_PATH": str(typo)}, cwd=tmp_path)
    assert result.returncode == 1
    assert f"There is no database at {typo}" in result.stderr and result.stdout == ""
    assert not typo.parent.exists()


def test_a_file_that_is_not_a_database_is_reported_not_hung_on(tmp_path: Path) -> None:
    """Every command, the bot itself included, names the file and exits."""
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    env = {
        "DATABASE_PATH": "notes.txt",
        "BOT_TOKEN": "1:X",
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
    }
    for command in ((), ("export", "registrations"), ("backup", "copy.db")):
        result = run_cli(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, command
        assert result.stderr == "Database error: notes.txt: file is not a database\n", command


def test_a_backup_to_a_folder_is_explained(tmp_path: Path) -> None:
    """A backup target that is a folder gets a sentence, not a traceback."""
    sqlite3.connect(tmp_path / "bot.db").close()
    (tmp_path / "backups").mkdir()
    result = run_cli("backup", "backups", env={"DATABASE_PATH": "bot.db"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Database error: cannot write a backup to backups:")
