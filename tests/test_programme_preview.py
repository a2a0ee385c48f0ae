"""A re-import is shown before anything changes (new events, changed fields, moved starts
with the people told, chat edits overwritten) and applied only on Confirm, exactly as shown;
Discard, an older or forged Confirm, or a restart change nothing; a programme changed since
the preview gives a new preview. The command line prints the same, and `--dry-run` only that."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Settings
from bot.models import Contact, Profile
from bot.services.container import Services
from handlers.buttons import ConfirmImport, EditEventField
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, texts
from tests.programme_files import excel_csv_utf8, excel_workbook, google_sheets_csv, row
from tests.store import Store
from tests.test_cli import run_cli
from tests.test_event_admin import upload

SOON = START + timedelta(days=3)
FIRST = [row(f"ev-{i}", SOON + timedelta(days=i), capacity="2") for i in range(4)]
STALE = (
    "This preview is no longer current (a newer file was sent since, or the bot was "
    "restarted), and nothing was changed. Send the file again to see what it would do now."
)
LONG = "Flood drills for schools, with the city's emergency services and the Red Cross."


def second_file() -> list[dict[str, str]]:
    """The programme sent again: ev-0 a week later with more seats, ev-1's link as the file
    had it (corrected in chat since) and a longer description, one session added."""
    rows = [dict(r) for r in FIRST]
    rows[0] = row("ev-0", SOON + timedelta(days=7), capacity="80")
    rows[1] = row("ev-1", SOON + timedelta(days=1), capacity="2", description=LONG)
    return [*rows, row("ev-new", SOON + timedelta(days=20))]


async def published(organizer: ChatDriver, services: Services) -> None:
    """The first file, three people signed up for ev-0 (two seats: one waits), and ev-1's
    join link corrected in chat with /editevent."""
    await organizer.settle(language="en", timezone="Europe/Zurich")
    [done] = texts(await upload(organizer, "programme.csv", excel_csv_utf8(FIRST)))
    assert done.startswith("The programme was imported.\n4 events added")
    for user_id in (7001, 7002, 7003):
        await services.users.touch(Contact(user_id, "U"))
        await services.profiles.save(user_id, Profile(f"U{user_id}", "KE", "Nairobi"), "UTC")
        await services.registrations.sign_up(user_id, "ev-0")
    await organizer.send("/editevent ev-1")
    await organizer.press(EditEventField("join_url").pack())
    [saved, *_] = texts(await organizer.send("https://chat.example.org/x"))
    assert saved == "Saved."


async def state(db: Store) -> list[Any]:
    """What an import could change: the events, the marks, the notices queued."""
    return [
        await db.fetch_all(
            "SELECT code, starts_at, capacity, join_url, description FROM events ORDER BY code"
        ),
        await db.fetch_all("SELECT event_id, field FROM event_chat_edits"),
        await db.fetch_all("SELECT kind FROM campaigns"),
    ]


PREVIEW = [
    "This is what the file would do. Nothing changes until you confirm.",
    "",
    "1 new event",
    "2 events changed",
    "1 start moved: 3 people signed up will be told.",
    "1 field edited in chat would be overwritten.",
    "2 events unchanged",
    "",
    "Edited in chat with /editevent since the last import; this file overwrites:",
    "• ev-1: join_url",
    "",
    "Moved:",
    "• ev-0 “Session ev-0”: Dec 1, 2026, 10:00\u202fAM → Dec 8, 2026, 10:00\u202fAM · Zurich "
    "(UTC+01:00); 3 people will be told",
    "",
    "Changed:",
    "• ev-0 “Session ev-0”",
    "   capacity: 2 → 80",
    "• ev-1 “Session ev-1”",
    "   join_url: https://chat.example.org/x → https://meet.example.org/ev-1 (edited in chat)",
    "   description: About ev-1. → Flood drills for schools, with the city'…",
    "",
    "New:",
    "• ev-new “Session ev-new”, Dec 21, 2026, 10:00\u202fAM · Zurich (UTC+01:00)",
]


async def test_a_reimport_is_shown_first_and_applied_on_confirm(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """A Google Sheets export of the changed programme: the preview lists each change and
    changes nothing; Confirm applies it in place of the preview, the three people signed up
    for the moved session are told, and the chat edit's mark is gone."""
    await published(organizer, services)
    before = await state(db)
    calls = await upload(organizer, "programme.csv", google_sheets_csv(second_file()))
    [preview] = texts(calls)
    assert preview.split("\n") == PREVIEW
    message = organizer.last_message_with_buttons()
    assert [label for label, _ in buttons_of(message)] == ["Confirm", "Discard"]
    assert await state(db) == before

    confirm = dict(buttons_of(message))["Confirm"]
    calls = await organizer.press(confirm, message["message_id"])
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["message_id"] == message["message_id"]
    assert texts(calls) == [
        "The programme was imported.\n"
        "1 event added\n"
        "2 events updated\n"
        "2 events unchanged\n"
        "3 people signed up for moved sessions are being told.\n"
        "1 field edited in chat now has the file’s value."
    ]
    events, marks, campaigns = await state(db)
    assert [(code, capacity, url) for code, _, capacity, url, _ in events][:2] == [
        ("ev-0", 80, "https://meet.example.org/ev-0"),
        ("ev-1", 2, "https://meet.example.org/ev-1"),
    ]
    assert len(events) == 5 and marks == []
    assert campaigns == [("moved",), ("promotion",)]  # 80 seats: the one waiting gets one
    told = await db.fetch_one(
        "SELECT COUNT(*) FROM deliveries d JOIN campaigns c USING (campaign_id)"
        " WHERE c.kind = 'moved'"
    )
    assert told == (3,)
    audit = await db.fetch_all(
        "SELECT detail FROM admin_audit WHERE action = 'import-events' ORDER BY id"
    )
    assert audit[-1] == (
        "added 1 (0 held), updated 2, moved 1 (3 told), unchanged 2, cancelled left 0,"
        " chat edits overwritten 1",
    )
    applied = await state(db)
    twice = await organizer.press(confirm, message["message_id"])  # a double tap
    assert [c.method for c in twice] == ["answerCallbackQuery"]
    assert texts(twice) == ["This file was imported already."]
    assert await state(db) == applied


async def test_a_workbook_reimport_is_previewed_the_same_way(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """The changed programme as an .xlsx written as Excel writes it (numbers as numbers):
    the same preview as from the CSV, applied on Confirm."""
    await published(organizer, services)
    rows: list[dict[str, object]] = [dict(r) for r in second_file()]
    [preview] = texts(await upload(organizer, "programme.xlsx", excel_workbook(rows)))
    assert preview.split("\n") == PREVIEW
    [applied] = texts(await organizer.press_label("Confirm"))
    assert applied.startswith("The programme was imported.\n1 event added\n2 events updated")


async def test_discard_and_a_confirm_pressed_after_it_change_nothing(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Discard turns the preview into "not changed"; its Confirm pressed afterwards says the
    preview is no longer current; nothing is written either way."""
    await published(organizer, services)
    before = await state(db)
    await upload(organizer, "programme.csv", google_sheets_csv(second_file()))
    preview = organizer.last_message_with_buttons()
    confirm = dict(buttons_of(preview))["Confirm"]
    [discarded] = texts(await organizer.press_label("Discard"))
    assert discarded == "Discarded: the programme was not changed."
    assert texts(await organizer.press(confirm, preview["message_id"])) == [STALE]
    assert await state(db) == before


async def test_an_older_forged_or_forgotten_preview_cannot_be_confirmed(
    organizer: ChatDriver, app: BotApplication, services: Services, db: Store
) -> None:
    """The Confirm of a preview replaced by a newer file, a Confirm with a token the bot
    never gave, and one pressed after a restart (the rows kept in memory are gone): each says
    the preview is no longer current and changes nothing. Malformed data is an old button."""
    await published(organizer, services)
    before = await state(db)
    await upload(organizer, "programme.csv", google_sheets_csv(second_file()))
    older = organizer.last_message_with_buttons()
    newer_rows = second_file()
    newer_rows[2] = row("ev-2", SOON + timedelta(days=2), capacity="3")
    await upload(organizer, "programme.csv", excel_csv_utf8(newer_rows))
    newer = organizer.last_message_with_buttons()
    older_confirm = dict(buttons_of(older))["Confirm"]
    assert texts(await organizer.press(older_confirm, older["message_id"])) == [STALE]
    forged = ConfirmImport("0123456789abcdef").pack()
    assert texts(await organizer.press(forged, newer["message_id"])) == [STALE]
    [old_button] = texts(await organizer.press("pi:ok:not-a-token", newer["message_id"]))
    assert old_button == "This button is no longer active."
    assert await state(db) == before

    await upload(organizer, "programme.csv", excel_csv_utf8(newer_rows))
    latest = organizer.last_message_with_buttons()
    app.drop_user_data(ORGANIZER_ID)  # what a restart leaves of the session
    await services.sessions.save(ORGANIZER_ID, None)  # (with several processes: its copy)
    assert texts(await organizer.press(dict(buttons_of(latest))["Confirm"])) == [STALE]
    assert await state(db) == before


async def test_a_programme_changed_since_the_preview_is_shown_again(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Between the preview and Confirm another organizer edits ev-2 (unchanged in the
    preview) in chat: Confirm changes nothing and shows the new preview, which names that
    edit; its own Confirm then applies."""
    await published(organizer, services)
    await upload(organizer, "programme.csv", google_sheets_csv(second_file()))
    before = await state(db)
    found = await services.events.find("ev-2")
    assert found is not None
    await services.events.change(found.event, "capacity", 9, 5002)
    edited = await state(db)
    assert edited != before
    calls = await organizer.press_label("Confirm")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    [again] = texts(calls)
    lines = again.split("\n")
    assert lines[0] == (
        "The programme changed since that preview. This is what the file would do now:"
    )
    assert "3 events changed" in lines and "• ev-2: capacity" in lines
    assert "   capacity: 9 → 2 (edited in chat)" in lines
    assert await state(db) == edited
    [applied] = texts(await organizer.press_label("Confirm"))
    assert applied.startswith("The programme was imported.\n1 event added\n3 events updated")
    ev_2 = await db.fetch_one("SELECT capacity FROM events WHERE code = 'ev-2'")
    assert ev_2 == (2,)


async def test_a_session_starting_since_the_preview_is_shown_again(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The preview moved ev-0 a week later and told its people; a week passed before
    Confirm, so the new start has passed too: the new preview says nobody is told, and
    nothing was sent."""
    await published(organizer, services)
    await upload(organizer, "programme.csv", google_sheets_csv(second_file()))
    clock.set(SOON + timedelta(days=7, minutes=5))  # ev-0's new start has passed too
    [again] = texts(await organizer.press_label("Confirm"))
    assert "; held: nobody is told" in again
    assert await db.fetch_all("SELECT kind FROM campaigns") == []


async def test_a_long_preview_stays_one_message(organizer: ChatDriver, db: Store) -> None:
    """300 sessions moved and given more seats: one message under Telegram's 4,096
    characters, each list ending with how many more there are."""
    await organizer.settle(language="en")
    rows = [row(f"s-{i:03d}", SOON + timedelta(hours=i)) for i in range(300)]
    await upload(organizer, "programme.csv", excel_csv_utf8(rows))
    moved = [
        row(f"s-{i:03d}", SOON + timedelta(hours=i, days=1), capacity="90") for i in range(300)
    ]
    calls = await upload(organizer, "programme.csv", excel_csv_utf8(moved))
    [sent] = [c for c in calls if c.method == "sendMessage"]
    text = str(sent.params["text"])
    assert len(text) < 4096
    assert "300 events changed" in text
    assert "300 starts moved: 0 people signed up will be told." in text
    more = [line for line in text.split("\n") if line.startswith("…and ")]
    assert more and more[0].endswith("more events.")
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Confirm"


async def test_the_command_line_prints_the_preview_and_dry_run_changes_nothing(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """`import-events --dry-run` prints what the file would change and writes nothing (not
    even a database); without it the same lines are printed, then the outcome."""
    from bot.cli import import_events

    settings = Settings(bot_token=None, database_path=tmp_path / "bot.sqlite3")

    async def run(rows: list[dict[str, str]], dry_run: bool) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = await import_events(settings, excel_csv_utf8(rows), out, err, clock, dry_run)
        return code, out.getvalue(), err.getvalue()

    code, out, _ = await run(FIRST, dry_run=True)
    assert code == 0 and out.startswith("4 new events\n0 events changed\n0 events unchanged\n")
    assert out.endswith("\n\nDry run: nothing was changed.\n")
    assert not settings.database_path.exists()
    assert (await run(FIRST, dry_run=False))[0] == 0
    changed = second_file()
    code, out, _ = await run(changed, dry_run=True)
    lines = out.split("\n")
    assert code == 0 and "1 start moved: 0 people signed up will be told." in lines
    assert "   capacity: 2 → 80" in lines
    moved = "• ev-0 “Session ev-0”: Dec 1, 2026, 9:00\u202fAM → Dec 8, 2026, 9:00\u202fAM · UTC"
    assert moved in out
    code, applied, _ = await run(changed, dry_run=False)
    assert code == 0
    assert applied.startswith(out.removesuffix("Dry run: nothing was changed.\n"))
    assert applied.endswith(
        "The programme was imported.\n1 event added\n2 events updated\n2 events unchanged\n"
    )
    bad = [row("x", SOON, topic="knitting")]
    code, _, err = await run(bad, dry_run=True)
    assert code == 1 and "Row 2: Unknown topic “knitting”" in err


def test_the_dry_run_option_is_on_the_command_line(tmp_path: Path) -> None:
    """`python -m bot import-events --dry-run FILE` is accepted and listed in its help."""
    data = tmp_path / "programme.csv"
    data.write_bytes(excel_csv_utf8([row("x", START + timedelta(days=3), topic="knitting")]))
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}
    helped = run_cli("import-events", "--help", env=env, cwd=tmp_path)
    assert "--dry-run" in helped.stdout
    refused = run_cli("import-events", "--dry-run", str(data), env=env, cwd=tmp_path)
    assert refused.returncode == 1 and "Unknown topic" in refused.stderr
    assert not (tmp_path / "bot.sqlite3").exists()
