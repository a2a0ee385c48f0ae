"""Training courses in the programme file: rows naming the same `course` make one course,
its values written on any one of its rows; a known course is updated after a preview; a
session leaves its course when its `course` cell is emptied. Files as spreadsheets save them
(Excel with a semicolon list separator, LibreOffice, Excel's "Unicode text", an .xlsx), and
what the organizer reads and what the database holds are both checked; course and event codes
are one namespace, and `verify-` codes are refused wherever a code is chosen."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.services.container import Services
from tests.conftest import START, ChatDriver, texts
from tests.programme_files import HEADER, excel_workbook, programme, row
from tests.store import Store
from tests.test_event_admin import upload
from tests.test_event_codes import QUESTION, answer_up_to_the_code

SOON = START + timedelta(days=3)  # Dec 1, 2026, 09:00 UTC
COURSE_COLUMNS = [
    "course",
    "course_title",
    "course_title_ar",
    "course_title_zh",
    "course_title_ru",
    "course_description",
    "course_required",
    "course_single_sessions",
    "certificate",
]
COLUMNS = [*HEADER, *COURSE_COLUMNS]
ARABIC = "إدارة مخاطر الفيضانات في المدن"
CHINESE = "城市洪水风险管理"
RUSSIAN = "Управление рисками городских наводнений"
NOTHING = "Nothing was imported. Please correct the file and send it again:"


def quoted(cell: str, separator: str) -> str:
    """A cell as spreadsheets quote it: only when it holds the separator, a quote or a line
    break."""
    if any(mark in cell for mark in (separator, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def lines_of(rows: list[dict[str, str]], separator: str) -> list[str]:
    return [
        separator.join(quoted(cell, separator) for cell in cells)
        for cells in [COLUMNS, *([r.get(c, "") for c in COLUMNS] for r in rows)]
    ]


def excel_semicolons(rows: list[dict[str, str]]) -> bytes:
    """Excel's "CSV UTF-8" where the list separator is a semicolon (French, Spanish, Russian
    settings): a byte-order mark, CRLF, and a separator for each of the three formatted empty
    columns at the end of every row."""
    lines = [line + ";;;" for line in lines_of(rows, ";")]
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n"


def libreoffice_csv(rows: list[dict[str, str]]) -> bytes:
    """LibreOffice Calc's "Text CSV" as it proposes it: UTF-8 without a mark, commas, LF."""
    return ("\n".join(lines_of(rows, ",")) + "\n").encode("utf-8")


def excel_unicode_text(rows: list[dict[str, str]]) -> bytes:
    """Excel's "Unicode Text": UTF-16 little-endian with its mark, tabs, CRLF (a .txt)."""
    return ("\ufeff" + "\r\n".join(lines_of(rows, "\t")) + "\r\n").encode("utf-16-le")


def workbook(rows: list[dict[str, str]]) -> bytes:
    """An .xlsx as Excel saves it: the number of sessions as a number, and a yes typed as
    TRUE, which Excel stores as a boolean."""
    cells: list[dict[str, object]] = [
        {key: True if value == "oui" else value for key, value in r.items()} for r in rows
    ]
    return excel_workbook(cells, COLUMNS)


def four_sessions(**first: str) -> list[dict[str, str]]:
    """Four weekly sessions of the course urban-floods, its values spread over its rows as
    organizers write them: the English title and the rule on the first row, each other
    language's title on another, the certificate (in French) on the last."""
    values = [
        {"course_title": "Urban flood risk", "course_required": "3", **first},
        {"course_title_ar": ARABIC, "course_single_sessions": "no"},
        {"course_title_zh": CHINESE},
        {"course_title_ru": RUSSIAN, "certificate": "oui"},
    ]
    return [
        row(f"flood-{n + 1}", SOON + timedelta(weeks=n), **{"course": "urban-floods", **cells})
        for n, cells in enumerate(values)
    ]


async def course_rows(db: Store) -> list[tuple[Any, ...]]:
    return await db.fetch_all(
        "SELECT code, title, description, required_sessions, single_sessions, certificate"
        " FROM courses ORDER BY code"
    )


async def sessions_of(db: Store) -> list[tuple[Any, ...]]:
    """Each event's code, its course's code (None: in none) and its own certificate."""
    return await db.fetch_all(
        "SELECT e.code, c.code, e.certificate FROM events e"
        " LEFT JOIN courses c ON c.course_id = e.course_id ORDER BY e.code"
    )


@pytest.mark.parametrize(
    ("name", "save"),
    [
        ("programme.csv", excel_semicolons),
        ("programme.csv", libreoffice_csv),
        ("programme.txt", excel_unicode_text),
        ("programme.xlsx", workbook),
    ],
    ids=["excel-semicolons", "libreoffice", "unicode-text", "xlsx"],
)
async def test_a_course_of_four_sessions_is_created_with_its_titles(
    organizer: ChatDriver,
    db: Store,
    name: str,
    save: Callable[[list[dict[str, str]]], bytes],
) -> None:
    """Four rows naming urban-floods: a new course, its titles in English, Arabic, Chinese
    and Russian from different rows, completed by 3 of its 4 sessions, not open to single
    sessions, with a certificate ("oui"). Only new things: imported at once, and said."""
    await organizer.settle(language="en")
    [reply] = texts(await upload(organizer, name, save(four_sessions())))
    assert reply.split("\n") == [
        "The programme was imported.",
        "4 events added",
        "0 events updated",
        "0 events unchanged",
        "1 course created",
    ]
    assert await course_rows(db) == [("urban-floods", "Urban flood risk", "", 3, 0, 1)]
    titles = await db.fetch_all(
        "SELECT t.language, t.title FROM course_texts t JOIN courses c USING (course_id)"
        " WHERE c.code = 'urban-floods' ORDER BY t.language"
    )
    assert titles == [("ar", ARABIC), ("ru", RUSSIAN), ("zh", CHINESE)]
    assert await sessions_of(db) == [(f"flood-{n}", "urban-floods", 0) for n in range(1, 5)]


async def test_a_known_course_is_shown_then_updated_on_confirm(
    organizer: ChatDriver, db: Store
) -> None:
    """The course sent again in capitals with a fifth session, a rule of 4 and no
    certificate: the preview names the course, the session added and each value changed, and
    nothing changes until Confirm; then the stored course is updated (its code kept as it
    was first written) and the session is in it."""
    await organizer.settle(language="en", timezone="Europe/Zurich")
    await upload(organizer, "programme.csv", excel_semicolons(four_sessions()))
    rows = four_sessions(course_required="4", certificate="non", course="URBAN-FLOODS")
    rows[3]["certificate"] = ""
    rows.append(row("flood-5", SOON + timedelta(weeks=4), course="urban-floods"))
    before = (await course_rows(db), await sessions_of(db))
    [preview] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert preview.split("\n") == [
        "This is what the file would do. Nothing changes until you confirm.",
        "",
        "1 new event",
        "0 events changed",
        "4 events unchanged",
        "1 course changed",
        "",
        "Courses:",
        "• Course urban-floods “Urban flood risk”: 5 sessions, completed by attending 4 of "
        "them, no certificate, and registration for the whole course only",
        "   1 session added: flood-5",
        "   course_required: 3 → 4",
        "   certificate: yes → no",
        "",
        "New:",
        "• flood-5 “Session flood-5”, Dec 29, 2026, 10:00\u202fAM · Zurich (UTC+01:00)",
    ]
    assert (await course_rows(db), await sessions_of(db)) == before
    [applied] = texts(await organizer.press_label("Confirm"))
    assert applied.split("\n") == [
        "The programme was imported.",
        "1 event added",
        "0 events updated",
        "4 events unchanged",
        "1 course updated",
    ]
    assert await course_rows(db) == [("urban-floods", "Urban flood risk", "", 4, 0, 0)]
    assert [course for _, course, _ in await sessions_of(db)] == ["urban-floods"] * 5
    audit = await db.fetch_all("SELECT detail FROM admin_audit WHERE action = 'import-events'")
    assert audit[-1][0].endswith(", courses created 0, changed 1, event certificates set 0")


async def test_a_session_leaves_its_course_when_its_cell_is_emptied(
    organizer: ChatDriver, db: Store
) -> None:
    """flood-4's course cell emptied: the preview says it leaves the course and that the
    rule of 3 now asks for all of the 3 sessions left; after Confirm it is in no course.
    A file without the course column moves nobody."""
    await organizer.settle(language="en")
    await upload(organizer, "programme.csv", excel_semicolons(four_sessions()))
    rows = four_sessions()
    rows[3]["course"] = ""
    rows[3]["course_title_ru"] = ""
    rows[0]["course_title_ru"] = RUSSIAN
    rows[0]["certificate"] = "oui"
    rows[3]["certificate"] = ""
    [preview] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    lines = preview.split("\n")
    assert lines[2:] == [
        "0 new events",
        "0 events changed",
        "4 events unchanged",
        "1 course changed",
        "",
        "Courses:",
        "• Course urban-floods “Urban flood risk”: 3 sessions, completed by attending all of "
        "them, certificate on completion, and registration for the whole course only",
        "   1 session leaves the course: flood-4",
    ]
    [applied] = texts(await organizer.press_label("Confirm"))
    assert applied.endswith("\n1 course updated")
    assert await sessions_of(db) == [
        ("flood-1", "urban-floods", 0),
        ("flood-2", "urban-floods", 0),
        ("flood-3", "urban-floods", 0),
        ("flood-4", None, 0),
    ]
    # The programme without any course column: every session stays where it is.
    plain = programme([row(f"flood-{n}", SOON + timedelta(weeks=n - 1)) for n in range(1, 5)])
    [reply] = texts(await upload(organizer, "programme.csv", plain))
    assert reply.startswith("The programme was imported.\n0 events added")
    assert [course for _, course, _ in await sessions_of(db)] == ["urban-floods"] * 3 + [None]


async def test_a_rule_larger_than_the_course_is_a_warning(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """course_required 6 for a course of 4 sessions is not refused: the preview printed by
    `import-events --dry-run` warns that all of them will be needed."""
    from bot.cli import import_events

    settings = Settings(bot_token=None, database_path=tmp_path / "bot.sqlite3")
    out, err = io.StringIO(), io.StringIO()
    data = libreoffice_csv(four_sessions(course_required="6"))
    assert await import_events(settings, data, out, err, clock, dry_run=True) == 0, err
    assert out.getvalue().split("\n") == [
        "4 new events",
        "0 events changed",
        "0 events unchanged",
        "1 new course",
        "",
        "Courses:",
        "• New course urban-floods “Urban flood risk”: 4 sessions, completed by attending "
        "all of them, certificate on completion, and registration for the whole course only",
        "   course_required is 6, but the course has 4 sessions: it is completed by "
        "attending all of them.",
        "",
        "New:",
        "• flood-1 “Session flood-1”, Dec 1, 2026, 9:00\u202fAM · UTC",
        "• flood-2 “Session flood-2”, Dec 8, 2026, 9:00\u202fAM · UTC",
        "• flood-3 “Session flood-3”, Dec 15, 2026, 9:00\u202fAM · UTC",
        "• flood-4 “Session flood-4”, Dec 22, 2026, 9:00\u202fAM · UTC",
        "",
        "Dry run: nothing was changed.",
        "",
    ]


async def test_two_rows_giving_a_course_different_values_are_both_named(
    organizer: ChatDriver, db: Store
) -> None:
    """Row 2 says 3 sessions and row 4 says 2; row 3's title differs from row 2's: each
    problem names both rows, and nothing is saved, not even the events."""
    await organizer.settle(language="en")
    rows = four_sessions()
    rows[1]["course_title"] = "Urban flood risk, 2027"
    rows[2]["course_required"] = "2"
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert reply.split("\n") == [
        NOTHING,
        "Row 3: The course urban-floods has course_title “Urban flood risk” on row 2 and "
        "“Urban flood risk, 2027” here: write it on one of its rows, or the same on each.",
        "Row 4: The course urban-floods has course_required “3” on row 2 and “2” here: "
        "write it on one of its rows, or the same on each.",
    ]
    assert await db.fetch_all("SELECT code FROM events") == []
    assert await course_rows(db) == []


async def test_the_same_value_in_other_words_is_no_conflict(services: Services, db: Store) -> None:
    """The same values written differently on several rows of the course: 3 and a
    full-width ３, no and NON, oui and Да."""
    rows = four_sessions()
    rows[1]["course_required"] = "３"
    rows[2]["course_single_sessions"] = "NON"
    rows[0]["certificate"] = " Да "
    await services.programme.import_now(excel_semicolons(rows), admin_id=None)
    assert await course_rows(db) == [("urban-floods", "Urban flood risk", "", 3, 0, 1)]


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        (
            "course_required",
            "0",
            "The number of sessions that completes a course must be a whole number of at "
            "least 1, or empty for all of them, not “0”.",
        ),
        (
            "course_required",
            "2.5",
            "The number of sessions that completes a course must be a whole number of at "
            "least 1, or empty for all of them, not “2.5”.",
        ),
        (
            "course_required",
            "three",
            "The number of sessions that completes a course must be a whole number of at "
            "least 1, or empty for all of them, not “three”.",
        ),
        ("certificate", "maybe", "The column certificate takes yes or no, not “maybe”."),
        (
            "course_single_sessions",
            "oui, mais",
            "The column course_single_sessions takes yes or no, not “oui, mais”.",
        ),
        (
            "course",
            "urban floods",
            "“urban floods” is not a valid code: use 1 to 40 letters, digits, - or _.",
        ),
    ],
)
async def test_a_bad_course_cell_is_a_row_problem(
    organizer: ChatDriver, db: Store, column: str, cell: str, reason: str
) -> None:
    """A course cell that cannot be read is named with its row and its value; nothing is
    saved."""
    await organizer.settle(language="en")
    rows = four_sessions()
    rows[2][column] = cell
    [reply] = texts(await upload(organizer, "programme.csv", libreoffice_csv(rows)))
    assert reply.split("\n") == [NOTHING, f"Row 4: {reason}"]
    assert await db.fetch_all("SELECT code FROM events") == []
    assert await course_rows(db) == []


async def test_a_new_course_needs_a_title_and_course_values_need_a_course(
    organizer: ChatDriver, db: Store
) -> None:
    """A course no row gives a title, and a row with course values but an empty course
    cell: both refused, by row."""
    await organizer.settle(language="en")
    rows = [
        row("a-1", SOON, course="untitled", course_required="2"),
        row("a-2", SOON + timedelta(days=1), course="untitled"),
        row("b-1", SOON + timedelta(days=2), course_title="Orphan", course_required="1"),
    ]
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert reply.split("\n") == [
        NOTHING,
        "Row 4: course_title, course_required: these describe a course, but the course "
        "column of this row is empty.",
    ]
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows[:2])))
    assert reply.split("\n") == [
        NOTHING,
        "Row 2: The new course untitled has no title: write it in the course_title column on "
        "one of its rows.",
    ]
    assert await db.fetch_all("SELECT code FROM events") == []


@pytest.mark.parametrize(
    ("cell", "certificate"),
    [
        ("yes", 1),
        ("No", 0),
        ("Y", 1),
        ("n", 0),
        ("TRUE", 1),
        ("false", 0),
        ("1", 1),
        ("0", 0),
        ("Oui", 1),
        ("NON", 0),
        ("Sí", 1),
        ("si", 1),
        ("no", 0),
        ("نعم", 1),
        ("لا", 0),
        ("是", 1),
        ("否", 0),
        ("Да", 1),
        ("НЕТ", 0),
        ("ＹＥＳ", 1),  # a Chinese or Japanese keyboard's full-width letters
        ("ｎｏ", 0),
        ("１", 1),
        ("  oui  ", 1),
        ("", 0),  # a single event gives no certificate unless the file says so
    ],
)
async def test_yes_and_no_in_every_language(
    services: Services, db: Store, cell: str, certificate: int
) -> None:
    """The certificate cell of a single event (no course) as organizers write yes and no."""
    data = excel_semicolons([row("single", SOON, certificate=cell)])
    await services.programme.import_now(data, admin_id=None)
    assert await sessions_of(db) == [("single", None, certificate)]


async def test_a_certificate_of_a_single_event_is_changed_after_a_preview(
    organizer: ChatDriver, db: Store
) -> None:
    """A published event given a certificate of attendance: the preview says so, Confirm
    sets it; a file without the certificate column leaves it."""
    await organizer.settle(language="en")
    await upload(organizer, "programme.csv", excel_semicolons([row("single", SOON)]))
    data = excel_semicolons([row("single", SOON, certificate="yes")])
    [preview] = texts(await upload(organizer, "programme.csv", data))
    assert preview.split("\n")[-3:] == [
        "",
        "Certificates of attendance of single events:",
        "• single: yes",
    ]
    await organizer.press_label("Confirm")
    assert await sessions_of(db) == [("single", None, 1)]
    await upload(organizer, "programme.csv", programme([row("single", SOON)]))
    assert await sessions_of(db) == [("single", None, 1)]


async def test_course_and_event_codes_are_one_namespace(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """A course with the code of a stored event (in other capitals), a course with the code
    of an event of the same file, and an event with the code of a stored course: each
    refused with the reason, nothing saved."""
    await organizer.settle(language="en")
    await services.programme.import_now(
        programme([row("drr-basics", SOON + timedelta(days=30))]), admin_id=None
    )
    await services.programme.import_now(excel_semicolons(four_sessions()), admin_id=None)
    before = (await course_rows(db), await sessions_of(db))
    rows = [
        row("x-1", SOON, course="DRR-Basics", course_title="Basics"),
        row("x-2", SOON, course="x-3", course_title="Three"),
        row("x-3", SOON),
        row("Urban-Floods", SOON),
    ]
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert reply.split("\n") == [
        NOTHING,
        "Row 3: The code x-3 is both a course and the event of row 4: a link names only one "
        "of them. Choose another code for one of them.",
    ]
    del rows[1:3]
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert reply.split("\n") == [
        NOTHING,
        "Row 2: The course code DRR-Basics is the code of an event already: a link names "
        "only one of them. Choose another code for the course.",
        "Row 3: The code Urban-Floods is the code of the course urban-floods: a link names "
        "only one of them. Choose another code for this event.",
    ]
    assert (await course_rows(db), await sessions_of(db)) == before


async def test_a_code_taken_between_the_preview_and_confirm_refuses_the_file(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Published sessions grouped into a new course (shown first); before Confirm another
    organizer publishes an event under the course's code: Confirm says why nothing was
    imported."""
    await organizer.settle(language="en")
    sessions = [row(f"s-{n}", SOON + timedelta(days=n)) for n in range(2)]
    await services.programme.import_now(excel_semicolons(sessions), admin_id=None)
    grouped = [dict(r, course="heat", course_title="Heat plans") for r in sessions]
    [preview] = texts(await upload(organizer, "programme.csv", excel_semicolons(grouped)))
    assert "• New course heat “Heat plans”: 2 sessions, completed by attending all" in preview
    await services.programme.import_now(programme([row("HEAT", SOON)]), admin_id=None)
    [refused] = texts(await organizer.press_label("Confirm"))
    assert refused.split("\n") == [
        NOTHING,
        "Row 2: The course code heat is the code of an event already: a link names only one "
        "of them. Choose another code for the course.",
    ]
    assert await course_rows(db) == []


async def test_verify_codes_are_refused_in_the_file(organizer: ChatDriver, db: Store) -> None:
    """`/start verify-…` checks a certificate: an event or a course code beginning with it,
    in any case, is refused with the reason."""
    await organizer.settle(language="en")
    rows = [
        row("Verify-7KQ2M9XD", SOON),
        row("ok-1", SOON, course="VERIFY-course", course_title="Checks"),
    ]
    [reply] = texts(await upload(organizer, "programme.csv", excel_semicolons(rows)))
    assert reply.split("\n") == [
        NOTHING,
        "Row 2: “Verify-7KQ2M9XD” cannot be a code: codes beginning with verify- are kept "
        "for checking certificates.",
        "Row 3: “VERIFY-course” cannot be a code: codes beginning with verify- are kept for "
        "checking certificates.",
    ]
    assert await db.fetch_all("SELECT code FROM events") == []


async def test_verify_codes_are_refused_by_the_command_line(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """`import-events` prints the same reason and exits 1, writing nothing."""
    from bot.cli import import_events

    settings = Settings(bot_token=None, database_path=tmp_path / "bot.sqlite3")
    out, err = io.StringIO(), io.StringIO()
    data = libreoffice_csv([row("verify-abc", SOON)])
    assert await import_events(settings, data, out, err, clock) == 1
    assert err.getvalue().split("\n") == [
        NOTHING,
        "Row 2: “verify-abc” cannot be a code: codes beginning with verify- are kept for "
        "checking certificates.",
        "",
    ]
    assert out.getvalue() == ""


async def test_newevent_refuses_verify_codes_and_course_codes(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """/newevent: a typed code beginning with verify- (full-width too) gets the reason and
    the question again; a course's code is taken, like an event's; a title beginning with
    "Verify" is never proposed as such a code."""
    await services.programme.import_now(excel_semicolons(four_sessions()), admin_id=None)
    await organizer.settle(language="en")
    await answer_up_to_the_code(organizer, "Flood drills for schools", "Disaster risk reduction")
    question = QUESTION.format(code="flood-drills-for-schools")
    for typed in ("verify-flood", "ＶＥＲＩＦＹ－ＦＬＯＯＤ"):
        assert texts(await organizer.send(typed)) == [
            f"“{typed}” cannot be a code: codes beginning with verify- are kept for checking "
            "certificates.\n\n" + question
        ]
    assert texts(await organizer.send("URBAN-FLOODS")) == [
        "The code urban-floods is already used by “\u2068Urban flood risk\u2069”. Please "
        "choose another one.\n\n" + question
    ]
    await organizer.send("/cancel")
    [proposed] = await answer_up_to_the_code(organizer, "Verify your city data", "Other topics")
    assert proposed == QUESTION.format(code="event-2027-03")
    assert len(await db.fetch_all("SELECT code FROM events")) == 4
