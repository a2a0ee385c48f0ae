"""Attendance reports as the tools export them: formats, the rules, review, replace and undo, CLI.

The files in tests/fixtures/attendance were written from the tools' published formats by
someone who had not seen our parser; expected.json is their hand-made account of who each
file shows for how long. What the bot must conclude is worked out here from that account with
the rules of the issue (45 minutes of a 90-minute session; hosts, panelists and "Attended =
No" left out; the waitlisted attend without a seat; a name alone or an email used under two
names is never marked, only offered for review), not from our parser's output.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import import_attendance
from bot.clock import FrozenClock
from bot.config import Settings
from bot.models import Contact, Profile
from bot.services.attendance_reports import name_variants
from bot.services.container import Services
from bot.services.tables import MAX_ROWS, ReadingBudget, TableTooLarge, read_table
from handlers.buttons import ConfirmReportAttendee, UndoThisReport, parse_button
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "attendance"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
BEGIN = START + timedelta(days=2)
REQUIRED = 45  # half of the 90-minute session


@dataclass(frozen=True)
class Member:
    """One of the cast every fixture shows."""

    user_id: int
    full_name: str
    email: str
    username: str


CAST = [  # in order of sign-up: five seats, so Fatima is on the waitlist
    Member(7001, "Amina Diallo", "amina.diallo@dakar.sn", "amina_dkr"),
    Member(7002, "José Núñez", "jose.nunez@quito.gob.ec", "jose_quito"),
    Member(7003, "Олег Петров", "oleg.petrov@spb.ru", "oleg_spb"),
    Member(7004, "李娜", "lina@chengdu.cn", "lina_cd"),
    Member(7005, "Kwame Mensah", "kwame@accra.gh", "kwame_acc"),
    Member(7006, "فاطمة الزهراء", "fatima@amman.jo", "fatima_amm"),
]
WAITLISTED = {7006}
BY_EMAIL = {m.email: m for m in CAST}
BY_USERNAME = {m.username: m for m in CAST}


async def publish(services: Services, capacity: str = "5") -> int:
    await services.programme.import_now(
        programme([row("flood", BEGIN, capacity=capacity, duration_minutes="90")]), None
    )
    for member in CAST:
        await services.users.touch(
            Contact(member.user_id, member.full_name, username=member.username)
        )
        await services.profiles.save(
            member.user_id,
            Profile(member.full_name, "KE", "Nairobi", email=member.email),
            "UTC",
        )
        await services.registrations.sign_up(member.user_id, "flood")
    found = await services.events.find("flood")
    assert found is not None
    return found.event.event_id


@dataclass
class Outcome:
    present: set[int]
    without_seat: set[int]
    too_short: set[int]
    review: set[str]  # as the report names them


def expected_outcome(file: str) -> Outcome:
    """What the rules conclude from expected.json's account of `file` (the oracle)."""
    entry = next(e for e in EXPECTED["files"] if e["file"] == file)
    people = [p for p in entry["people"] if p["role"] == "attendee" and p["attended"] is not False]
    names_by_email: dict[str, set[str]] = {}
    for person in people:
        if person["email"]:
            names_by_email.setdefault(person["email"].strip().lower(), set()).add(person["name"])
    outcome = Outcome(set(), set(), set(), set())
    for person in people:
        email = (person["email"] or "").strip().lower()
        username = (person["username"] or "").strip().lstrip("@").lower()
        member = BY_EMAIL.get(email) or BY_USERNAME.get(username)
        if email and len(names_by_email[email]) > 1 and not _same_person(names_by_email[email]):
            outcome.review.add(person["name"])
            continue
        if member is None:
            if any(_same_person({person["name"], m.full_name}) for m in CAST):
                outcome.review.add(person["name"])
            continue
        minutes = person["minutes"]
        if minutes is not None and minutes < REQUIRED:
            outcome.too_short.add(member.user_id)
        elif member.user_id in WAITLISTED:
            outcome.without_seat.add(member.user_id)
        else:
            outcome.present.add(member.user_id)
    return outcome


def _same_person(names: set[str]) -> bool:
    keys = [name_variants(name) for name in names if name]
    return all(keys[0] & other for other in keys[1:])


FILES = [
    "zoom_participants.csv",
    "zoom_participants_meeting_data.csv",
    "zoom_webinar_attendee_report.csv",
    "teams_attendance.csv",
    "teams_attendance.xlsx",
    "google_meet_attendance.csv",
    "webex_attendees.csv",
    "own_sheet_semicolon.csv",
    "own_sheet_telegram.csv",
]


@pytest.mark.parametrize("file", FILES)
async def test_each_tool_s_report_marks_who_was_there_long_enough(
    file: str, organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Sent in chat with the session's code as caption, exactly as the tool saved it."""
    event_id = await publish(services)
    await organizer.settle(language="en")
    clock.set(BEGIN + timedelta(hours=3))
    mime = "text/csv" if file.endswith(".csv") else "application/vnd.ms-excel"
    [answer] = texts(
        await organizer.send_document(file, (FIXTURES / file).read_bytes(), "flood", mime)
    )
    expected = expected_outcome(file)
    marked = {
        r[0]
        for r in await db.fetch_all(
            "SELECT user_id FROM attendance WHERE event_id = ?", (event_id,)
        )
    }
    assert marked == expected.present | expected.without_seat, answer
    assert answer.startswith("Attendance report for “\u2068Session flood\u2069”:")
    assert f"✅ {len(expected.present)} registrant" in answer
    if expected.present:  # the first report: everyone present is newly marked, no one else
        assert f"   {len(expected.present)} of them newly marked." in answer
    if expected.too_short:
        assert f"⏱ {len(expected.too_short)} stayed less than 45 minutes" in answer
    if expected.without_seat:
        assert "🪑 1 attended without a seat (on the waitlist): \u2068" in answer
    if expected.review:
        assert f"❓ {len(expected.review)} to review" in answer
        for name in expected.review:
            assert name in answer


def test_the_legacy_teams_list_of_joins_and_leaves_gives_times() -> None:
    """Teams' older report has no durations, only Joined and Left with a time: José left
    and came back (30 + 25 minutes); the host never left, so their time is unknown."""
    from bot.services.attendance_reports import parse_report

    table = read_table((FIXTURES / "teams_attendance_legacy.csv").read_bytes())
    assert table.encoding.startswith("utf-16")
    people = {p.name: p.minutes for p in parse_report(table.rows).people}
    assert people["José Núñez"] == pytest.approx(55, abs=1)
    assert people["Олег Петров"] == pytest.approx(20, abs=1)
    assert people["Programme Host"] is None


async def test_a_report_before_the_session_is_refused(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    await publish(services)
    await organizer.settle(language="en")
    clock.set(BEGIN - timedelta(minutes=5))
    data = (FIXTURES / "zoom_participants.csv").read_bytes()
    [refused] = texts(await organizer.send_document("report.csv", data, "flood"))
    assert refused == "This session has not started yet: send its report afterwards."
    assert await db.fetch_all("SELECT * FROM attendance") == []


async def test_review_replace_and_undo(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Marie used Amina's email in Zoom: neither is marked, both are offered for review. A
    second report replaces the first's marks (a check-in stays); undo brings the first back."""
    event_id = await publish(services)
    await services.users.touch(Contact(7010, "Marie Dubois"))
    await services.profiles.save(
        7010, Profile("Marie Dubois", "FR", "Lyon", email="marie@lyon.fr"), "UTC"
    )
    await services.registrations.sign_up(7010, "flood")  # waitlisted: no seat left
    await db.write(lambda u: u.attendance.record(event_id, 7005, "code", BEGIN))  # Kwame
    await organizer.settle(language="en")
    clock.set(BEGIN + timedelta(hours=2))

    data = (FIXTURES / "zoom_participants.csv").read_bytes()
    calls = await organizer.send_document("participants.csv", data, "FLOOD")  # typed in capitals
    [answer] = texts(calls)
    assert "• \u2068Amina Diallo\u2069 <amina.diallo@dakar.sn> → \u2068Amina Diallo\u2069" in answer
    assert "• \u2068Marie Dubois\u2069 <amina.diallo@dakar.sn> → " in answer
    review = {
        (button.event_id, button.user_id): button
        for _, data in buttons_of(organizer.last_message_with_buttons())
        if isinstance(button := parse_button(data), ConfirmReportAttendee)
    }
    assert (event_id, 7010) in review and (event_id, 7001) in review

    async def marked() -> dict[int, str]:
        rows = await db.fetch_all(
            "SELECT user_id, method FROM attendance WHERE event_id = ?", (event_id,)
        )
        return {r[0]: r[1] for r in rows}

    first = await marked()
    assert first == {7002: "import", 7004: "import", 7005: "code", 7006: "import"}
    await organizer.press(review[event_id, 7010].pack())
    assert (await marked())[7010] == "organizer"

    only_oleg_and_amina = b"email\noleg.petrov@spb.ru\namina.diallo@dakar.sn\n"
    [second] = texts(await organizer.send_document("list.csv", only_oleg_and_amina, "flood"))
    assert "This report replaces the one imported on" in second
    assert await marked() == {7001: "import", 7003: "import", 7005: "code", 7010: "organizer"}

    def undo_button() -> str:
        roster = organizer.last_message_with_buttons()
        undo = [d for _, d in buttons_of(roster) if isinstance(parse_button(d), UndoThisReport)]
        assert undo, roster
        return undo[0]

    await organizer.send("/attendance flood")
    await organizer.press(undo_button())
    assert await marked() == first | {7010: "organizer"}
    await organizer.press(undo_button())  # the list shown again: the first report's undo
    assert await marked() == {7005: "code", 7010: "organizer"}
    audit = await db.fetch_all("SELECT action FROM admin_audit ORDER BY id")
    assert [a[0] for a in audit].count("attendance-undo") == 2


async def test_the_command_line_gives_the_same_answer(
    organizer: ChatDriver, services: Services, settings: Settings, clock: FrozenClock, db: Store
) -> None:
    """`python -m bot import-attendance CODE FILE` runs the same import and prints the answer."""
    event_id = await publish(services)
    clock.set(BEGIN + timedelta(hours=2))
    out, err = io.StringIO(), io.StringIO()
    data = (FIXTURES / "teams_attendance.csv").read_bytes()
    code = await import_attendance(settings, "flood", data, out, err, clock)
    assert (code, err.getvalue()) == (0, "")
    printed = out.getvalue()
    assert printed.startswith("Attendance report for “\u2068Session flood\u2069”:\n")
    assert "✅ 3 registrants present: in the session for at least 45 minutes" in printed
    assert "⏱ 1 stayed less than 45 minutes: \u2068Олег Петров\u2069 (20 minutes)" in printed
    assert "Rows left out: 1 host." in printed
    marked = await db.fetch_all("SELECT user_id FROM attendance WHERE event_id = ?", (event_id,))
    assert {r[0] for r in marked} == {7001, 7002, 7004, 7006}
    err = io.StringIO()
    assert await import_attendance(settings, "nope", data, io.StringIO(), err, clock) == 1
    assert err.getvalue() == "There is no event with the code nope.\n"


@pytest.mark.parametrize(
    ("content", "answer"),
    [
        (b"a,b\n1,2\n", "I found no table of participants in this file"),
        (
            b"\xef\xbb\xbfEmail;Name;;;\r\n;;;;\r\n",
            "This report lists nobody, so nothing was changed",
        ),
        (b"", "I found no table of participants in this file"),
        (b"PK\x03\x04broken", "I cannot read this file."),
        (b"\x00\x01\x02\x03" * 50, "I cannot read this file."),
        (b"name,email\n" + b"x,x@example.org\n" * (MAX_ROWS + 1), "The file is too large."),
    ],
    ids=["no table", "nobody", "empty", "broken workbook", "binary", "too many rows"],
)
async def test_files_that_are_not_reports_change_nothing(
    content: bytes,
    answer: str,
    organizer: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    await publish(services)
    await organizer.settle(language="en")
    clock.set(BEGIN + timedelta(hours=2))
    [reply] = texts(await organizer.send_document("report.csv", content, "flood"))
    assert reply.startswith(answer)
    assert await db.fetch_all("SELECT * FROM attendance") == []
    assert await db.fetch_all("SELECT * FROM attendance_reports") == []


async def test_a_report_sent_without_the_event_code_is_not_taken_for_a_programme(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    await publish(services)
    await organizer.settle(language="en")
    clock.set(BEGIN + timedelta(hours=2))
    for file in ("zoom_participants.csv", "teams_attendance.xlsx"):
        [hint] = texts(await organizer.send_document(file, (FIXTURES / file).read_bytes()))
        assert hint.startswith("To import an attendance report, send it again with the event’s")
    assert await db.fetch_all("SELECT * FROM attendance") == []
    assert await db.fetch_one("SELECT COUNT(*) FROM events") == (1,)


def test_an_email_two_registrants_gave_is_never_marked_by_itself() -> None:
    """Emails are not verified: Marie typed Amina's address when she registered. A report
    that shows that address for one person marks neither; both are offered for review."""
    from bot.db.attendance import Registrant
    from bot.services.attendance_matching import Verdict, decide
    from bot.services.attendance_reports import ReportPerson, Role

    registrants = [
        Registrant(1, True, "amina.diallo@dakar.sn", "", "Amina Diallo", "Amina"),
        Registrant(2, True, "Amina.Diallo@dakar.sn ", "", "Marie Dubois", "Marie"),
        Registrant(3, True, "jose@quito.ec", "jose_quito", "José Núñez", "José"),
    ]
    people = [
        ReportPerson("Amina Diallo", "amina.diallo@dakar.sn", "", 80, Role.ATTENDEE, True),
        ReportPerson("Jose Nunez (iPhone)", "", "", 50, Role.ATTENDEE, True),
    ]
    decisions = {d.shown_as: d for d in decide(people, registrants, 45)}
    amina = decisions["Amina Diallo"]
    assert amina.verdict is Verdict.TO_REVIEW and amina.user_id is None
    assert {c.user_id for c in amina.candidates} == {1, 2}
    jose = decisions["Jose Nunez (iPhone)"]  # a name alone, accents and a device suffix aside
    assert jose.verdict is Verdict.TO_REVIEW
    assert [c.user_id for c in jose.candidates] == [3]
    brief = ReportPerson("José Núñez", "", "", 20, Role.ATTENDEE, True)
    [too_short] = decide([brief], registrants, 45)  # whoever it is, not long enough: no review
    assert (too_short.verdict, too_short.candidates) == (Verdict.TOO_SHORT, ())


def test_a_table_beyond_its_rows_or_its_time_is_refused() -> None:
    """A hostile file (or a workbook that unzips into millions of rows) stops being read at
    the budget, whatever the format."""
    csv_rows = "name,email\n" + "".join(f"P{i},p{i}@example.org\n" for i in range(1_000))
    workbook = (FIXTURES / "teams_attendance.xlsx").read_bytes()
    with pytest.raises(TableTooLarge):
        read_table(csv_rows.encode(), ReadingBudget(rows=999))
    assert len(read_table(csv_rows.encode(), ReadingBudget(rows=1_001)).rows) == 1_001
    with pytest.raises(TableTooLarge):
        read_table(workbook, ReadingBudget(rows=3))
    ticks = iter(range(0, 10_000, 30))  # each look at the clock: 30 s later

    def clock() -> float:
        return float(next(ticks))

    with pytest.raises(TableTooLarge):
        read_table(csv_rows.encode(), ReadingBudget(seconds=20, clock=clock))
