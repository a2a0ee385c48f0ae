"""The registrations export read as a spreadsheet reads it: the event's status and start, who
attended, and the registrations of a cancelled event, in chat and on the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.models import Contact, EventStatus, Profile
from bot.services.container import Services
from bot.services.exports import event_status
from tests.conftest import ORGANIZER_ID, ChatDriver, texts
from tests.programme_files import programme, row
from tests.store import Store, database_env

ROOT = Path(__file__).resolve().parent.parent

HELD_START = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)  # the day after the clock's START
OFF_START = datetime(2027, 7, 10, 14, 0, tzinfo=UTC)  # summer time in Europe
# Still to come by the system clock too (the command line runs on it), until November 2029:
# as late as the programme's three-year limit from START allows.
NEXT_START = datetime(2029, 11, 12, 14, 0, tzinfo=UTC)
AFTER_HELD = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

HEADER = [
    "event_code",
    "event_title",
    "name",
    "country",
    "city",
    "organization",
    "role",
    "email",
    "language",
    "status",
    "registered_at",
    "waitlist_position",
    "checked_in_at",
    "checkin_method",
    "rating",
    "comment",
    "event_status",
    "event_start_utc",
    "event_start_local",
    "attended",
]

PEOPLE = [
    (301, "pt", Profile("Ana Lima", "BR", "Recife", "Prefeitura", "Analyst", "ana@example.org")),
    (302, "zh", Profile("张博", "CN", "成都", "", "", "bo@example.org")),
    (303, "en", Profile("Chidi Okafor", "NG", "Lagos", "LASEMA", "", "chidi@example.org")),
    (304, "fr", Profile("@Dana", "FR", "=Lyon", "", "", "")),
    (305, "=1+1", Profile("Eve Wanjiru", "KE", "Nairobi", "", "", "")),
]
REGISTERED = "2026-11-28T09:00:00+00:00"  # the clock's START, when everyone signed up


async def programme_of_three(services: Services, clock: FrozenClock) -> None:
    """A session held on 29 November (Ana checked in, Bo marked present by a report, Chidi
    by hand, Dana absent), one cancelled (Bo confirmed, Dana on its waitlist) and one to
    come (Ana confirmed, Eve on its waitlist); the clock then on 1 December."""
    await services.programme.import_now(
        programme(
            [
                row("held", HELD_START, capacity="", title="=Floods"),
                row("next", NEXT_START, capacity="1", title="Heat waves"),
                row("off", OFF_START, capacity="1", title="Droughts"),
            ]
        ),
        None,
    )
    for user_id, language, profile in PEOPLE:
        await services.users.touch(Contact(user_id, "x", language_code=language))
        await services.profiles.save(user_id, profile, "UTC")
    for code, people in (("held", (301, 302, 303, 304)), ("next", (301, 305)), ("off", (302, 304))):
        for user_id in people:
            await services.registrations.sign_up(user_id, code)
    off = await services.events.find("off")
    held = await services.events.find("held")
    assert off is not None and held is not None
    await services.events.cancel(off.event, ORGANIZER_ID)

    clock.set(HELD_START + timedelta(minutes=5))
    await services.attendance.check_in(301, held.event.event_id, "button")
    await services.feedback.rate(301, held.event.event_id, 5)
    await services.feedback.comment(301, held.event.event_id, "=useful")
    clock.set(HELD_START + timedelta(minutes=90))
    report = await services.attendance.import_report(
        held.event, b"email\nbo@example.org\n", ORGANIZER_ID
    )
    assert report.problem is None
    assert await services.attendance.mark(held.event, 303, True, ORGANIZER_ID)
    clock.set(AFTER_HELD)


def expected_rows(local: dict[str, str]) -> list[list[str]]:
    """The export's rows, oldest event first, the starts in the zone that `local` gives."""
    events = {  # code: title (neutralized), event_status, event_start_utc
        "held": ("'=Floods", "held", "2026-11-29T14:00+00:00"),
        "off": ("Droughts", "cancelled", "2027-07-10T14:00+00:00"),
        "next": ("Heat waves", "scheduled", "2029-11-12T14:00+00:00"),
    }
    people = {  # name, country, city, organization, role, email, language
        "ana": ["Ana Lima", "Brazil", "Recife", "Prefeitura", "Analyst", "ana@example.org", "pt"],
        "bo": ["张博", "China", "成都", "", "", "bo@example.org", "zh"],
        "chidi": ["Chidi Okafor", "Nigeria", "Lagos", "LASEMA", "", "chidi@example.org", "en"],
        "dana": ["'@Dana", "France", "'=Lyon", "", "", "", "fr"],
        "eve": ["Eve Wanjiru", "Kenya", "Nairobi", "", "", "", "'=1+1"],
    }
    checked_in = "2026-11-29T14:05:00+00:00"
    marked = "2026-11-29T15:30:00+00:00"
    lines = [  # event, person, status, waitlist_position, checked_in_at, checkin_method,
        # rating, comment, attended
        ("held", "ana", "confirmed", "", checked_in, "button", "5", "'=useful", "yes"),
        ("held", "bo", "confirmed", "", marked, "import", "", "", "yes"),
        ("held", "chidi", "confirmed", "", marked, "organizer", "", "", "yes"),
        ("held", "dana", "confirmed", "", "", "", "", "", "no"),
        ("off", "bo", "cancelled-event", "", "", "", "", "", "no"),
        ("off", "dana", "cancelled-event", "1", "", "", "", "", "no"),
        ("next", "ana", "confirmed", "", "", "", "", "", "no"),
        ("next", "eve", "waitlisted", "1", "", "", "", "", "no"),
    ]
    rows = []
    for code, person, status, position, at, method, rating, comment, attended in lines:
        title, state, utc = events[code]
        registration = [status, REGISTERED, position, at, method, rating, comment]
        rows.append(
            [code, title, *people[person], *registration, state, utc, local[code], attended]
        )
    return rows


def spreadsheet(content: bytes) -> list[list[str]]:
    """The rows as a spreadsheet opens the file: UTF-8 behind its byte-order mark."""
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


async def test_an_organizer_in_kolkata_reads_each_event_and_who_attended(
    organizer: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """/export: held, cancelled and coming sessions with their starts in UTC and in the
    organizer's time zone (+05:30), who attended by any means, cancelled-event rows kept."""
    await programme_of_three(services, clock)
    await organizer.settle(language="en", timezone="Asia/Kolkata")
    calls = await organizer.send("/export")
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert texts(calls) == ["8 registrations"]
    header, *rows = spreadsheet(document.files["document"][1])
    assert header == HEADER
    kolkata = {
        "held": "2026-11-29T19:30+05:30",
        "off": "2027-07-10T19:30+05:30",
        "next": "2029-11-12T19:30+05:30",
    }
    assert rows == expected_rows(kolkata)


async def test_one_cancelled_event_keeps_everyone_who_was_told(
    organizer: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """/export CODE of a cancelled event lists its confirmed and waitlisted people, each as
    cancelled-event; an organizer without a time zone gets the starts in UTC."""
    await programme_of_three(services, clock)
    await organizer.settle(language="en")
    calls = await organizer.send("/export off")
    [document] = [c for c in calls if c.method == "sendDocument"]
    _, *rows = spreadsheet(document.files["document"][1])
    utc = {
        "held": "2026-11-29T14:00+00:00",
        "off": "2027-07-10T14:00+00:00",
        "next": "2029-11-12T14:00+00:00",
    }
    assert rows == [r for r in expected_rows(utc) if r[0] == "off"]


async def test_the_command_line_uses_the_default_time_zone(
    tmp_path: Path, db: Store, services: Services, clock: FrozenClock
) -> None:
    """`python -m bot export registrations` gives the starts in DEFAULT_TIMEZONE, summer time
    included; `--event` narrows it to one event."""
    await programme_of_three(services, clock)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        **database_env(db),
        "DEFAULT_TIMEZONE": "Europe/Paris",
    }

    def export(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "export", "registrations", *args],
            capture_output=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    everything, held = await asyncio.gather(
        asyncio.to_thread(export), asyncio.to_thread(export, "--event", "held")
    )
    assert everything.returncode == 0, everything.stderr
    paris = {
        "held": "2026-11-29T15:00+01:00",
        "off": "2027-07-10T16:00+02:00",
        "next": "2029-11-12T15:00+01:00",
    }
    header, *rows = spreadsheet(everything.stdout)
    assert header == HEADER
    assert rows == expected_rows(paris)
    assert held.returncode == 0, held.stderr
    assert spreadsheet(held.stdout)[1:] == expected_rows(paris)[:4]


def test_a_session_is_held_from_its_start() -> None:
    """A session under way counts as held, as in the statistics; cancelled wins over time."""
    start = HELD_START
    assert event_status(EventStatus.SCHEDULED, start, start - timedelta(seconds=1)) == "scheduled"
    assert event_status(EventStatus.SCHEDULED, start, start) == "held"
    assert event_status(EventStatus.CANCELLED, start, start + timedelta(days=1)) == "cancelled"
    assert event_status(EventStatus.CANCELLED, start, start - timedelta(days=1)) == "cancelled"
