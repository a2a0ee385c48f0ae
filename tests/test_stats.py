"""/stats for a funder: sessions held first and paged, complete breakdowns, a chart with whole
people and a legend any server can draw, and the figures per event as a CSV document."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from matplotlib.container import BarContainer
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import Patch
from matplotlib.text import Text

from bot.clock import FrozenClock
from bot.db import UnitOfWork
from bot.db.stats import Breakdown
from bot.models import Contact, Profile
from bot.services.container import Services
from handlers import charts
from handlers.buttons import StatsPage, StatsTable
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

REFUSAL = "Sorry, this is only for the programme’s organizers."
STALE = "This button is no longer active."
ZERO = "registered: 0 · waitlist: 0 · attended: 0"


def day(number: int) -> datetime:
    return START + timedelta(days=number)


async def person(services: Services, user_id: int, country: str, language: str = "en") -> None:
    await services.users.touch(Contact(user_id, "U", language_code=language))
    await services.profiles.save(user_id, Profile(f"U{user_id}", country, "X"), "UTC")


async def attend(db: Store, services: Services, code: str, *user_ids: int) -> None:
    found = await services.events.find(code)
    assert found is not None
    event_id = found.event.event_id
    for user_id in user_ids:

        def record(uow: UnitOfWork, user_id: int = user_id) -> None:
            uow.attendance.record(event_id, user_id, "button", day(1))

        await db.write(record)


def message_starting(chat: ChatDriver, start: str) -> dict[str, Any]:
    [found] = [m for m in chat.messages() if str(m.get("text", "")).startswith(start)]
    return found


def section(text: str, heading: str) -> list[str]:
    """The lines of one part of the answer: from its heading to the next blank line."""
    lines = text.split("\n")
    start = lines.index(heading) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def sums(lines: list[str]) -> tuple[int, int]:
    found = [re.search(r"(\d+) registered, (\d+) attended$", line) for line in lines]
    assert all(found), lines
    return (
        sum(int(m.group(1)) for m in found if m),
        sum(int(m.group(2)) for m in found if m),
    )


async def test_sessions_held_come_first_then_upcoming_a_page_at_a_time(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    """Twelve sessions, three of them held: page 1 lists the held ones (the most recent
    first) then the soonest upcoming; "Next" edits the message in place into page 2."""
    codes = [f"s{i:02d}" for i in range(1, 13)]
    await services.programme.import_now(
        programme([row(code, day(i)) for i, code in enumerate(codes, start=1)]), None
    )
    for user_id in (4001, 4002):
        await person(services, user_id, "KE")
        await services.registrations.sign_up(user_id, "s02")
    await attend(db, services, "s02", 4001)
    clock.set(day(3) + timedelta(hours=2))  # s01, s02 and s03 have taken place
    await organizer.settle(language="en")

    summary, first = texts(await organizer.send("/stats"))
    assert summary.startswith(
        "Programme statistics: 12 events\n"
        "registered: 2 · waitlist: 0 · attended: 1 · attendance rate: 50%"
    )
    listed = [line for line in first.split("\n") if line.startswith("• ")]
    assert [line.split(" (")[0] for line in listed] == [
        "• Session s03",
        "• Session s02",
        "• Session s01",
        *(f"• Session s{i:02d}" for i in range(4, 11)),
    ]
    assert first.split("\n")[:4] == ["Per event", "Page 1 of 2", "", "Sessions held"]
    assert first.split("\n")[4:8] == [
        "• Session s03 (Dec 1, 2026, s03)",
        f"   {ZERO}",
        "• Session s02 (Nov 30, 2026, s02)",
        "   registered: 2 · waitlist: 0 · attended: 1 · attendance rate: 50%",
    ]
    assert first.split("\n")[10:12] == ["", "Upcoming sessions"]
    pages = organizer.last_message_with_buttons()
    assert buttons_of(pages) == [("Next ▶", StatsPage(1).pack())]

    calls = await organizer.press(StatsPage(1).pack())
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["message_id"] == pages["message_id"]
    [second] = texts(calls)
    assert second == "\n".join(
        [
            "Per event",
            "Page 2 of 2",
            "",
            "Upcoming sessions",
            "• Session s11 (Dec 9, 2026, s11)",
            f"   {ZERO}",
            "• Session s12 (Dec 10, 2026, s12)",
            f"   {ZERO}",
        ]
    )
    assert buttons_of(organizer.last_message_with_buttons()) == [
        ("◀ Previous", StatsPage(0).pack())
    ]
    [back] = texts(await organizer.press(StatsPage(0).pack()))
    assert back == first


async def test_forged_pages_and_participants_change_nothing(
    organizer: ChatDriver, amina: ChatDriver, services: Services
) -> None:
    """A page beyond the last gets a neutral answer and leaves the message as it was; a
    participant pressing a page button is refused like at every organizer button."""
    await services.programme.import_now(
        programme([row(f"s{i:02d}", day(i)) for i in range(1, 13)]), None
    )
    await organizer.settle(language="en")
    await organizer.send("/stats")
    pages = organizer.last_message_with_buttons()
    for forged in (StatsPage(2).pack(), StatsPage(999_999).pack(), "st:p:-1", "st:p:01"):
        calls = await organizer.press(forged, pages["message_id"])
        assert [c.method for c in calls] == ["answerCallbackQuery"], forged
        assert texts(calls) == [STALE]
    assert organizer.last_message_with_buttons() == pages
    calls = await amina.press(StatsPage(1).pack(), pages["message_id"])
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == REFUSAL and calls[0].params["show_alert"]
    calls = await amina.press(StatsTable().pack(), pages["message_id"])
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert texts(await amina.send("/stats csv")) == [REFUSAL]


async def test_breakdowns_add_up_to_the_totals(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Sixteen people from thirteen countries in sixteen languages: the ten largest by name
    (most registered, then most attended), the rest on one "others" line, the erased apart;
    a topic nobody signed up for is not listed; every breakdown adds up to the total."""
    countries = ["KE", "KE", "KE", "NG", "NG", "PE", "MX", "JP"]
    countries += ["IN", "GH", "FR", "EG", "DE", "CL", "BR", "AR"]
    languages = ["en", "fr", "es", "ar", "zh", "ru", "pt", "sw"]
    languages += ["de", "it", "ja", "ko", "tr", "hi", "id", "vi"]
    await services.programme.import_now(
        programme([row("flood", day(1)), row("quiet", day(2), topic="food-security")]), None
    )
    for number, (country, language) in enumerate(zip(countries, languages, strict=True)):
        await person(services, 4000 + number, country, language)
        await services.registrations.sign_up(4000 + number, "flood")
    await attend(db, services, "flood", 4000, 4001, 4005)  # two from Kenya, one from Peru
    await organizer.settle(language="en")

    [summary, _] = texts(await organizer.send("/stats"))
    assert summary.split("\n")[1] == "registered: 16 · waitlist: 0 · attended: 3"
    assert section(summary, "By topic") == ["• Climate change: 16 registered, 3 attended"]
    assert "Food security" not in summary
    assert section(summary, "By country") == [
        "• Kenya: 3 registered, 2 attended",
        "• Nigeria: 2 registered, 0 attended",
        "• Peru: 1 registered, 1 attended",
        "• Argentina: 1 registered, 0 attended",
        "• Brazil: 1 registered, 0 attended",
        "• Chile: 1 registered, 0 attended",
        "• Germany: 1 registered, 0 attended",
        "• Egypt: 1 registered, 0 attended",
        "• France: 1 registered, 0 attended",
        "• Ghana: 1 registered, 0 attended",
        "• 3 others: 3 registered, 0 attended",
    ]
    by_language = section(summary, "By language")
    assert len(by_language) == 11
    assert by_language[-1] == "• 6 others: 6 registered, 0 attended"
    for heading in ("By topic", "By country", "By language"):
        assert sums(section(summary, heading)) == (16, 3), heading

    await services.registrations.forget(4005)  # from Peru, present: counted, now unknown
    [after, _] = texts(await organizer.send("/stats"))
    assert "• Peru: 1 registered, 1 attended" not in after
    assert section(after, "By country")[-3:] == [
        "• India: 1 registered, 0 attended",
        "• 2 others: 2 registered, 0 attended",
        "• unknown or erased: 1 registered, 1 attended",
    ]
    for heading in ("By topic", "By country", "By language"):
        assert sums(section(after, heading)) == (16, 3), heading


async def test_a_page_of_long_titles_stays_well_within_a_message(
    organizer: ChatDriver, services: Services
) -> None:
    """Ten sessions with the longest titles and codes, in Russian: titles are shortened and
    the page stays far below Telegram's 4,096 characters."""
    long_rows = [
        row(f"{i:02d}" + "x" * 38, day(i), title="Снижение риска бедствий " * 8 + str(i))
        for i in range(1, 12)
    ]
    await services.programme.import_now(programme(long_rows), None)
    await organizer.settle(language="ru")
    calls = await organizer.send("/stats")
    page = calls[-1].params["text"]
    assert len(page) < 3000
    assert page.count("…") == 10
    assert buttons_of(organizer.last_message_with_buttons()) == [
        ("Следующая ▶", StatsPage(1).pack())
    ]


def dejavu_only() -> tuple[tuple[str, ...], frozenset[int]]:
    """A server without any CJK font."""
    path = findfont(FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    return ("DejaVu Sans",), frozenset(get_font(path).get_charmap())


def with_chinese() -> tuple[tuple[str, ...], frozenset[int]]:
    """A server whose fonts draw Chinese (as far as the chart's choices go)."""
    families, characters = dejavu_only()
    return families, characters | frozenset(range(0x4E00, 0xA000))


BREAKDOWN = Breakdown(registered={"KE": 2, "CN": 1, "": 1}, attended={"KE": 1, "CN": 1})
NAMES = {"KE": "肯尼亚", "CN": "中国", "": "未知"}
LEGEND = ("已报名", "已出席")


def drawn_texts(figure: Any) -> list[str]:
    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


def test_the_chart_counts_whole_people_and_keeps_a_legend_without_cjk_fonts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a Chinese font: the y-axis shows whole people, the legend shows (1) and (2)
    on bars of two colours, the caption says what they mean, and no text needs a missing
    glyph (country codes and the event code stand in)."""
    monkeypatch.setattr(charts, "_installed_fonts", dejavu_only)
    figure = charts.country_figure(BREAKDOWN, NAMES, "洪水", LEGEND, fallback_title="flood")
    [axes] = figure.axes
    ticks = list(axes.get_yticks())
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == ["(1)", "(2)"]
    registered, attended = (bars[0] for bars in axes.containers if isinstance(bars, BarContainer))
    colours = [
        handle.get_facecolor() for handle in legend.legend_handles if isinstance(handle, Patch)
    ]
    assert colours == [registered.get_facecolor(), attended.get_facecolor()]
    assert registered.get_facecolor() != attended.get_facecolor()
    assert axes.get_title() == "flood"
    assert [label.get_text() for label in axes.get_xticklabels()] == ["KE", "?", "CN"]
    characters = dejavu_only()[1]
    for text in drawn_texts(figure):
        assert all(ord(ch) in characters or ch.isspace() for ch in text), text
    assert charts.legend_key(LEGEND) == "(1) 已报名 · (2) 已出席"
    assert charts.png(figure).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # the font is pretended
def test_with_a_cjk_font_the_legend_keeps_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the fonts can draw Chinese, the legend, names and title are the words themselves."""
    monkeypatch.setattr(charts, "_installed_fonts", with_chinese)
    figure = charts.country_figure(BREAKDOWN, NAMES, "洪水", LEGEND, fallback_title="flood")
    [axes] = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == list(LEGEND)
    assert axes.get_title() == "洪水"
    assert [label.get_text() for label in axes.get_xticklabels()] == ["肯尼亚", "未知", "中国"]
    assert charts.legend_key(LEGEND) is None


async def test_a_chinese_organizer_reads_the_legend_in_the_caption(
    organizer: ChatDriver, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a server without a Chinese font, /stats CODE's chart comes with a caption that says
    which bars are the registered and which the attended, in Chinese."""
    monkeypatch.setattr(charts, "_installed_fonts", dejavu_only)
    await services.programme.import_now(programme([row("flood", day(1))]), None)
    await person(services, 4001, "KE")
    await services.registrations.sign_up(4001, "flood")
    await organizer.settle(language="zh")
    calls = await organizer.send("/stats flood")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.params["caption"] == "各国报名与出席情况\n(1) 已报名 · (2) 已出席"
    assert photo.files["photo"][1].startswith(b"\x89PNG\r\n\x1a\n")


async def test_the_figures_per_event_as_a_csv_document(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """One row per event, cancelled ones included with their status, in the order they
    start; the start in UTC; titles and codes that a spreadsheet would run are neutralized.
    The button under /stats and /stats csv send the same document."""
    await services.programme.import_now(
        programme(
            [
                row("held-1", day(1), capacity="2", title="=1+2"),
                row("gone", day(2)),
                row("-next", day(5), title="Next, and last"),
            ]
        ),
        None,
    )
    for user_id in (4001, 4002, 4003):
        await person(services, user_id, "KE")
        await services.registrations.sign_up(user_id, "held-1")
    await attend(db, services, "held-1", 4001)
    found = await services.events.find("held-1")
    assert found is not None
    event_id = found.event.event_id
    await db.write(lambda u: u.attendance.save_rating(event_id, 4001, 4, day(1)))
    gone = await db.read(lambda u: u.events.by_code("gone"))
    assert gone is not None
    await services.events.cancel(gone, 5001)
    clock.set(day(1) + timedelta(hours=3))
    await organizer.settle(language="en")

    await organizer.send("/stats")
    summary = message_starting(organizer, "Programme statistics: 2 events")
    assert buttons_of(summary) == [("Download as CSV", StatsTable().pack())]
    calls = await organizer.press(StatsTable().pack(), summary["message_id"])
    [document] = [c for c in calls if c.method == "sendDocument"]
    name, content = document.files["document"]
    assert name == "statistics-2026-11-29.csv"
    assert document.params["caption"] == "Per-event figures: 3 events"
    assert content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table == [
        [
            "code",
            "title",
            "status",
            "starts_at_utc",
            "registered",
            "waitlist",
            "attended",
            "attendance_rate",
            "feedback_average",
            "feedback_count",
        ],
        ["held-1", "'=1+2", "held", "2026-11-29T09:00+00:00", "2", "1", "1", "0.5000", "4.00", "1"],
        ["gone", "Session gone", "cancelled", "2026-11-30T09:00+00:00", "0", "0", "0", "", "", "0"],
        [
            "'-next",
            "Next, and last",
            "scheduled",
            "2026-12-03T09:00+00:00",
            *["0"] * 3,
            "",
            "",
            "0",
        ],
    ]
    calls = await organizer.send("/stats csv")
    [again] = [c for c in calls if c.method == "sendDocument"]
    assert again.files["document"][1] == content
