"""Importing a programme: all rows or none, every problem with its line, updates by code."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FrozenClock
from bot.devtools.sample_programme import sample_programme_csv
from bot.i18n import Catalogs
from bot.services.container import Services
from bot.services.events import ImportSummary, describe_import
from bot.services.programme_import import ParsedProgramme, parse_programme
from tests.conftest import ANY_CHARACTER, START
from tests.programme_files import programme, row, series
from tests.store import Store

SOON = START + timedelta(days=3)
ENGLISH = Catalogs().get("en")


def problems_of(result: ParsedProgramme | ImportSummary) -> list[str]:
    assert isinstance(result, ParsedProgramme), result
    return [f"{p.line}: {p.problem.render(ENGLISH)}" for p in result.problems]


async def test_a_good_file_adds_every_event(services: Services, db: Store) -> None:
    """The sample programme imports whole, with its per-language titles."""
    imports = services.programme
    result = await imports.import_now(sample_programme_csv(START), admin_id=5001)
    assert result == ImportSummary(added=8, updated=0, unchanged=0, moved=())
    event = await db.read(lambda u: u.events.by_code("flood-early-warning"))
    assert event is not None
    assert event.title_in("zh") == "城市洪水预警系统"
    assert event.title_in("es") == "Sistemas de alerta temprana ante inundaciones urbanas"
    audit = await db.fetch_all("SELECT admin_id, action FROM admin_audit")
    assert [tuple(r) for r in audit] == [(5001, "import-events")]


async def test_every_bad_row_is_reported_and_nothing_is_written(
    services: Services, db: Store
) -> None:
    """Each kind of bad row is named with its row number; the good rows are not imported."""
    imports = services.programme
    data = programme(
        [
            row("good-1", SOON),
            row("topic", SOON, topic="urban-farming"),
            row("naive", SOON, starts_at="2026-12-01T10:00"),
            row("negative", SOON, capacity="-5"),
            row("good-1", SOON),
            row("url", SOON, join_url="meet.example.org/x y"),
            row("untitled", SOON, title="", title_fr="", title_ar=""),
            row("types", SOON, duration_minutes="an hour", language="english"),
            row("long-ago", START - timedelta(days=11 * 366)),
            row("bad code!", SOON, join_url=""),
        ]
    )
    problems = problems_of(await imports.import_now(data, admin_id=None))
    assert problems[0].startswith("3: Unknown topic “urban-farming”. Valid topics: ")
    assert "disaster-risk-reduction" in problems[0] and "sustainable-tourism" in problems[0]
    assert (
        problems[1] == "4: The time “2026-12-01T10:00” has no UTC offset; write it like "
        "2026-12-03T14:00+03:00."
    )
    assert problems[2].startswith("5: The capacity must be a whole number of at least 1")
    assert problems[3] == "6: The code good-1 is already used on row 2."
    assert (
        problems[4]
        == "7: “meet.example.org/x y” is not a complete web address: write it as https://…"
    )
    assert problems[5] == "8: The event has no title in any language (columns title or title_xx)."
    assert problems[6].startswith("9: The duration must be a whole number of minutes")
    assert problems[7] == "9: “english” is not a language code such as en, fr or pt."
    assert problems[8].startswith("10: The start “")
    assert problems[8].endswith("is more than ten years ago.")
    assert problems[9].startswith("11: “bad code!” is not a valid code")
    assert len(problems) == 10
    assert await db.read(lambda u: u.events.count()) == 0


async def test_reimport_updates_by_code_and_reports_moves(services: Services, db: Store) -> None:
    """A known code is updated (start and capacity), unchanged rows are counted as such."""
    imports = services.programme
    await imports.import_now(series(3, SOON), admin_id=None)
    rows = [row(f"ev-{i:03d}", SOON + i * timedelta(hours=6)) for i in range(3)]
    rows[1] = row("ev-001", SOON + timedelta(days=1), capacity="80")
    rows.append(row("ev-new", SOON))
    result = await imports.import_now(programme(rows), admin_id=None)
    assert result == ImportSummary(added=1, updated=1, unchanged=2, moved=("ev-001",))
    moved = await db.read(lambda u: u.events.by_code("ev-001"))
    assert moved is not None
    assert (moved.starts_at, moved.capacity) == (SOON + timedelta(days=1), 80)
    assert await db.read(lambda u: u.events.count()) == 4


async def test_reimport_after_the_first_sessions_took_place(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """The same file a week later, with one capacity raised: the sessions already held keep
    their (now past) start and do not block the import; correcting a held session's start
    (even into the past) is taken, and nobody is told of it."""
    imports = services.programme
    rows = [row("held", SOON), row("next", SOON + timedelta(days=10))]
    await imports.import_now(programme(rows), admin_id=None)
    clock.set(SOON + timedelta(days=7))
    rows[1] = row("next", SOON + timedelta(days=10), capacity="80")
    result = await imports.import_now(programme(rows), admin_id=None)
    assert result == ImportSummary(added=0, updated=1, unchanged=1, moved=())
    rows[0] = row("held", SOON - timedelta(days=1))
    corrected = await imports.import_now(programme(rows), admin_id=None)
    # Moved, but held: nobody is told, so it is not among the moves to tell.
    assert corrected == ImportSummary(added=0, updated=1, unchanged=1, moved=())
    held = await db.read(lambda u: u.events.by_code("held"))
    assert held is not None and held.starts_at == SOON - timedelta(days=1)
    assert await db.fetch_all("SELECT kind FROM campaigns") == []


def test_many_bad_rows_are_each_reported_not_taken_for_too_many_rows() -> None:
    """2,000 rows with three problems each: 6,000 problems, with their line numbers."""
    bad = [
        row(f"e{i}", SOON, topic="knitting", capacity="-1", join_url="ftp://x") for i in range(2000)
    ]
    parsed = parse_programme(programme(bad), START)
    assert len(parsed.problems) == 6000
    assert parsed.problems[-1].line == 2001


async def test_reimporting_a_cancelled_event_leaves_it_and_says_so(
    services: Services, db: Store
) -> None:
    imports = services.programme
    await imports.import_now(programme([row("gone", SOON)]), admin_id=None)
    gone = await db.read(lambda u: u.events.by_code("gone"))
    assert gone is not None
    await services.events.cancel(gone, 5001)
    changed = programme([row("gone", SOON, capacity="99")])
    result = await imports.import_now(changed, admin_id=None)
    assert result == ImportSummary(added=0, updated=0, unchanged=0, moved=(), cancelled=1)
    assert describe_import(Catalogs().get("en"), result).endswith(
        "1 cancelled event was left as it is; give it a new code to publish it again."
    )
    after = await db.read(lambda u: u.events.by_code("gone"))
    assert after is not None and after.is_cancelled and after.capacity == 50


def test_spreadsheet_dialects_are_accepted() -> None:
    """Semicolon-separated files with a byte-order mark (Excel in many locales) import."""
    parsed = parse_programme(programme([row("a", SOON, title_ar="ورشة")], ";", bom=True), START)
    assert parsed.ok
    assert parsed.drafts[0].texts["ar"].title == "ورشة"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_quotes_and_separators_inside_cells_survive(delimiter: str) -> None:
    """A title with quotes and the separator in it, written by a spreadsheet (quotes doubled
    inside a quoted cell), comes back exactly."""
    title = 'The "Sendai" Framework; 2015, revisited'
    parsed = parse_programme(programme([row("a", SOON, title=title)], delimiter), START)
    assert parsed.ok, parsed.problems
    assert parsed.drafts[0].title == title


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "0: The file is empty."),
        (b"code,titre\n", "1: Missing columns: topic, starts_at"),
        (b"\x00\x01\x02\x03\x04 not text \x00\x05", "0: The file is not a table."),
        (programme([]), "0: The file has a header but no events."),
    ],
)
def test_unusable_files_are_explained(data: bytes, problem: str) -> None:
    """Empty, binary, header-only files and missing columns get one clear problem."""
    parsed = parse_programme(data, START)
    found = [f"{p.line}: {p.problem.render(ENGLISH)}" for p in parsed.problems]
    assert found and found[0].startswith(problem)


def test_unknown_columns_are_left_out_and_ragged_rows_reported() -> None:
    """A column the bot does not use (a planning column, a language it does not speak) is
    left out and named back; a row with more cells than the header has columns is reported."""
    lines = programme([row("x", SOON)]).decode().replace("title_zh", "title_de").splitlines()
    data = f"{lines[0]},Speaker,,\r\n{lines[1]},Dr. Amina Diallo,,\r\n".encode()
    parsed = parse_programme(data, START)
    assert parsed.ok, parsed.problems
    assert parsed.ignored == ["title_de", "speaker"]
    extra = b"y,climate-change,2026-12-01T10:00Z,60,5,en,,T,D,,,,EXTRA\n"
    ragged = programme([row("x", SOON)]) + extra
    parsed = parse_programme(ragged, START)
    assert [p.line for p in parsed.problems] == [3]


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=600) | st.text(ANY_CHARACTER, max_size=600).map(str.encode))
def test_any_file_gives_drafts_or_problems(data: bytes) -> None:
    """No file, however malformed, makes the parser raise."""
    parsed = parse_programme(
        b"code,topic,starts_at,duration_minutes,capacity,language,"
        b"join_url,title,description\n" + data,
        START,
    )
    assert parsed.ok or parsed.problems


def test_the_summary_reads_well_in_every_language() -> None:
    """The import summary uses the right plural forms; problems are listed with lines."""
    summary = ImportSummary(added=1, updated=3, unchanged=0, moved=())
    assert describe_import(ENGLISH, summary).splitlines()[1:] == [
        "1 event added",
        "3 events updated",
        "0 events unchanged",
    ]
    russian = describe_import(Catalogs().get("ru"), summary)
    assert "1 " in russian and "3 " in russian


def test_the_command_line_import(tmp_path: Path) -> None:
    """`python -m bot import-events FILE` imports, and exits 1 listing problems on a bad file."""
    root = Path(__file__).resolve().parent.parent
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(root),
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
    }
    good = tmp_path / "good.csv"
    real_now = datetime.now(UTC)  # the command runs on the real clock
    good.write_bytes(sample_programme_csv(real_now))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(programme([row("x", real_now + timedelta(days=2), topic="nope")]))

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "import-events", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    assert "8 events added" in ok.stdout
    failed = run(bad)
    assert failed.returncode == 1
    assert "Row 2: Unknown topic “nope”" in failed.stderr
    missing = run(tmp_path / "missing.csv")
    assert missing.returncode == 2 and "Cannot read" in missing.stderr


def test_a_hostile_header_is_refused_in_linear_time() -> None:
    """A megabyte of header (the separator guess used to take time growing with its square:
    96 KB held the bot for 40 s) is refused at once, with the reason."""
    import time

    header = ("a;" * 350_000 + "b,c\tX\n").encode()  # every separator, a megabyte long
    assert len(header) > 700_000
    started = time.perf_counter()
    parsed = parse_programme(header, START, {})
    assert time.perf_counter() - started < 2
    assert not parsed.ok and problems_of(parsed)


def test_a_cell_of_a_megabyte_is_named_as_too_long() -> None:
    """A description pasted a thousand times over: the organizer is told a cell is too long,
    not that the file is not CSV."""
    huge = "Flood drills for schools. " * 40_000  # about a megabyte, in one cell
    parsed = parse_programme(
        programme([row("ok", START + timedelta(days=3)), row("big", START, description=huge)]),
        START,
        {},
    )
    assert problems_of(parsed) == ["0: A cell is longer than 131072 characters."]
