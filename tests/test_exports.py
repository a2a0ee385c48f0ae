"""Registration exports: contents, encoding, safety, and who may have them."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.models import Contact, Profile
from bot.services.container import Services
from bot.services.exports import COLUMNS, safe_cell
from tests.conftest import START, ChatDriver, texts
from tests.programme_files import programme, row
from tests.store import Store, database_env

SOON = START + timedelta(days=2)
ROOT = Path(__file__).resolve().parent.parent
PEOPLE = [
    (
        201,
        Profile("فاطمة الزهراء", "MA", "الرباط", "Commune de Rabat", "Ingénieure", "f@example.ma"),
    ),
    (202, Profile("王芳", "CN", "成都", "成都市应急管理局", "工程师", "")),
    (203, Profile('=HYPERLINK("http://evil")', "KE", "+Nairobi", "@org", "-role", "")),
    (204, Profile("Eve\u202eevil", "FR", "Lyon")),
]


async def registrations(services: Services) -> None:
    await services.programme.import_now(
        programme([row("a", SOON, capacity="3"), row("b", SOON + timedelta(days=1))]), None
    )
    for user_id, profile in PEOPLE:
        await services.users.touch(Contact(user_id, "x", language_code="ar"))
        await services.profiles.save(user_id, profile, "UTC")
        await services.registrations.sign_up(user_id, "a")
    await services.registrations.sign_up(201, "b")


def parse(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_an_event_export(organizer: ChatDriver, services: Services) -> None:
    """/export CODE sends the event's list: names in any script, statuses, positions."""
    await registrations(services)
    await organizer.settle(language="en")
    calls = await organizer.send("/export a")
    [document] = [c for c in calls if c.method == "sendDocument"]
    name, content = document.files["document"]
    assert name == "registrations-a-2026-11-28.csv"
    assert texts(calls) == ["4 registrations"]
    rows = parse(content)
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["name"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("فاطمة الزهراء", "confirmed", ""),
        ("王芳", "confirmed", ""),
        ('\'=HYPERLINK("http://evil")', "confirmed", ""),
        ("Eveevil", "waitlisted", "1"),
    ]
    first = rows[0]
    assert (first["country"], first["city"], first["organization"], first["email"]) == (
        "Morocco",
        "الرباط",
        "Commune de Rabat",
        "f@example.ma",
    )
    assert first["registered_at"] == "2026-11-28T09:00:00+00:00"
    assert first["language"] == "ar"
    assert (rows[2]["city"], rows[2]["organization"], rows[2]["role"]) == (
        "'+Nairobi",
        "'@org",
        "'-role",
    )


async def test_all_events_and_refusals(
    organizer: ChatDriver, amina: ChatDriver, services: Services
) -> None:
    """/export alone covers every event; an unknown code is explained; participants are
    refused."""
    await registrations(services)
    await organizer.settle(language="en")
    calls = await organizer.send("/export")
    [document] = [c for c in calls if c.method == "sendDocument"]
    rows = parse(document.files["document"][1])
    assert [r["event_code"] for r in rows] == ["a"] * 4 + ["b"]
    assert texts(await organizer.send("/export nope")) == [
        "There is no event with the code \u2068nope\u2069."
    ]
    assert texts(await amina.send("/export a")) == [
        "Sorry, this is only for the programme’s organizers."
    ]


def test_cells_are_neutralized() -> None:
    """Formula starts get a quote; bidi overrides and line breaks are removed."""
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("\u202e@x") == "'@x"
    assert safe_cell("a\nb") == "a b"
    assert safe_cell("Ana") == "Ana"


async def test_the_command_line_export(tmp_path: Path, db: Store, services: Services) -> None:
    """`python -m bot export registrations --event a` writes the same CSV to stdout."""
    await services.programme.import_now(
        programme([row("a", datetime.now(UTC) + timedelta(days=3))]), None
    )
    await services.users.touch(Contact(301, "x"))
    await services.profiles.save(301, PEOPLE[1][1], "UTC")
    await services.registrations.sign_up(301, "a")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        **database_env(db),
    }

    def export(code: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "export", "registrations", "--event", code],
            capture_output=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    result = await asyncio.to_thread(export, "a")
    assert result.returncode == 0, result.stderr
    assert [r["name"] for r in parse(result.stdout)] == ["王芳"]
    missing = await asyncio.to_thread(export, "zzz")
    assert missing.returncode == 1 and b"zzz" in missing.stderr
