"""`python -m bot demo`: a person picks French and reads French replies."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.devtools.demo import run_demo

ROOT = Path(__file__).resolve().parent.parent


async def test_the_demo_lets_a_person_pick_french(tmp_path: Path) -> None:
    """Typing the number of the Français button switches the conversation to French."""
    out = io.StringIO()
    await run_demo(
        Settings(bot_token=None, database_path=tmp_path / "unused.sqlite3"),
        io.StringIO("2\n/help\n"),
        out,
    )
    transcript = out.getvalue()
    assert "[1] English" in transcript and "[2] Français" in transcript
    assert "en français" in transcript.split("[2] Français", 1)[1]  # "je vous écrirai en français"
    assert "/language – " in transcript and "Commandes" in transcript


async def test_a_number_can_be_sent_as_an_answer(tmp_path: Path) -> None:
    """'2 sends the text "2" (a number of seats, a duration), where 2 would press a button."""
    out = io.StringIO()
    await run_demo(
        Settings(bot_token=None, database_path=tmp_path / "unused.sqlite3"),
        io.StringIO("'2\n"),
        out,
    )
    transcript = out.getvalue()
    assert "[2] Français" in transcript
    after = transcript.split("[2] Français", 1)[1]
    assert "Commandes" not in after and "Français" not in after  # no button was pressed
    assert "I understand commands and buttons" in after


def test_the_demo_runs_as_a_command(tmp_path: Path) -> None:
    """`python -m bot demo` works without a token or network and ends at end of input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "bot> Hello, " in result.stdout and "/timezone – " in result.stdout


async def test_the_demo_sends_files_and_moves_its_clock(tmp_path: Path) -> None:
    """`:file PATH CAPTION` sends a document, `:later` moves the bot's clock: a report for a
    session still to come is refused; an hour into the session the same file is read."""
    report = tmp_path / "attendance.csv"
    report.write_bytes(b"email\nsomeone@example.org\n")
    out = io.StringIO()
    lines = [f":file {report} ", ":later 2x", ":later 1d", f":file {tmp_path / 'missing.csv'}"]
    await run_demo(
        Settings(bot_token=None, database_path=tmp_path / "unused.sqlite3"),
        io.StringIO("\n".join(lines) + "\n"),
        out,
    )
    transcript = out.getvalue()
    assert "To import an attendance report, send it again with the event’s code" in transcript
    assert "demo> say how much later" in transcript
    assert "demo> the bot's clock now reads" in transcript
    assert "demo> cannot read" in transcript
