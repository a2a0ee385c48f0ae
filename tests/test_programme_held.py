"""A year's programme, sessions already held included: imported as held, never offered, never
reminded, never announced, but in the statistics, attendance and registrants."""

from __future__ import annotations

from datetime import timedelta

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.models import Contact, Profile
from bot.services.container import Services
from bot.services.programme_preview import ImportPreview
from handlers.buttons import EventCard, Register, parse_button
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import excel_csv_utf8, row
from tests.store import Store
from tests.test_event_admin import upload
from tests.test_jobs import event_jobs

# The programme of a year that began in January: three sessions held, one to come.
YEAR = [
    row("jan", START - timedelta(days=300)),
    row("oct", START - timedelta(days=40), capacity=""),
    row("yesterday", START - timedelta(days=1)),
    row("next", START + timedelta(days=3)),
]


async def test_a_years_programme_is_imported_with_its_sessions_held(
    organizer: ChatDriver,
    amina: ChatDriver,
    app: BotApplication,
    services: Services,
    db: Store,
) -> None:
    """Excel's CSV of the whole year: every row is imported, the answer says three took place;
    only the session to come is listed, reminded and open to sign up; a held one's link says
    the session is over, without a Register button."""
    await organizer.settle(language="en")
    [reply] = texts(await upload(organizer, "programme 2026.csv", excel_csv_utf8(YEAR)))
    assert reply.split("\n") == [
        "The programme was imported.",
        "4 events added",
        "0 events updated",
        "0 events unchanged",
        "3 new events took place already: sessions held are kept for the statistics and "
        "attendance, never offered and never reminded.",
    ]
    assert await db.fetch_one("SELECT COUNT(*) FROM events") == (4,)

    await amina.settle(language="en")
    await amina.send("/events")
    listed = [parse_button(d) for _, d in buttons_of(amina.last_message_with_buttons())]
    assert [b.code for b in listed if isinstance(b, EventCard)] == ["next"]
    [card] = texts(await amina.send("/start yesterday"))
    assert "This session is over." in card
    pressed = [parse_button(d) for _, d in buttons_of(amina.last_message_with_buttons())]
    assert not any(isinstance(button, Register) for button in pressed)

    upcoming = await db.read(lambda u: u.events.by_code("next"))
    assert upcoming is not None
    assert {name.split(":")[1] for name in event_jobs(app)} == {str(upcoming.event_id)}
    assert await db.fetch_all("SELECT kind FROM campaigns") == []
    audit = await db.fetch_all("SELECT action, detail FROM admin_audit")
    assert audit == [
        (
            "import-events",
            "added 4 (3 held), updated 0, moved 0 (0 told), unchanged 0, cancelled left 0,"
            " chat edits overwritten 0",
        )
    ]


async def test_sessions_held_are_in_statistics_attendance_and_registrants(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The held sessions are listed by /stats under "Sessions held", /attendance and
    /registrants open them, and a meeting report is taken for one."""
    await organizer.settle(language="en")
    await upload(organizer, "programme.csv", excel_csv_utf8(YEAR))
    _, per_event = texts(await organizer.send("/stats"))
    held = per_event.split("\n\n")[1].split("\n")
    assert held[0] == "Sessions held"
    assert [line.split(" (")[0] for line in held if line.startswith("• ")] == [
        "• Session yesterday",
        "• Session oct",
        "• Session jan",
    ]
    [roster] = texts(await organizer.send("/attendance yesterday"))
    assert roster == "Nobody is registered for “\u2068Session yesterday\u2069” yet."
    [registrants] = texts(await organizer.send("/registrants oct"))
    assert registrants.startswith("Registrants of “\u2068Session oct\u2069”")

    await services.users.touch(Contact(7001, "Amina"))
    await services.profiles.save(
        7001, Profile("Amina Diallo", "KE", "Nairobi", email="amina@example.org"), "UTC"
    )
    report = b"Name,Email\r\nAmina Diallo,amina@example.org\r\n"
    [answer] = texts(await organizer.send_document("list.csv", report, "yesterday"))
    assert "has not started" not in answer
    assert await db.fetch_one("SELECT COUNT(*) FROM attendance_reports") == (1,)


async def test_reimporting_held_sessions_tells_nobody(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A session that took place with people signed up: the next file corrects its start and
    raises its capacity. The preview says nobody is told; after Confirm nothing is queued,
    nobody leaves the waitlist, and no job is planned for it."""
    await services.programme.apply(
        await _preview(services, excel_csv_utf8([row("drill", START + timedelta(days=1))])), None
    )
    for user_id in (7001, 7002):
        await services.users.touch(Contact(user_id, "U"))
        await services.profiles.save(user_id, Profile(f"U{user_id}", "KE", "Nairobi"), "UTC")
    await db.execute("UPDATE events SET capacity = 1")
    await services.registrations.sign_up(7001, "drill")
    await services.registrations.sign_up(7002, "drill")  # waitlisted
    clock.set(START + timedelta(days=3))  # the drill took place two days ago
    await organizer.settle(language="en")
    corrected = row("drill", START + timedelta(days=1, hours=2), capacity="10")
    [preview] = texts(await upload(organizer, "programme.csv", excel_csv_utf8([corrected])))
    assert "0 events unchanged" in preview
    moved = preview.split("Moved:\n")[1].split("\n")[0]
    assert moved.endswith("; held: nobody is told")
    assert "start moved" not in preview  # the count of moves told is left out
    await organizer.press_label("Confirm")
    assert await db.fetch_all("SELECT kind FROM campaigns") == []
    assert await db.fetch_all("SELECT user_id, status FROM registrations ORDER BY user_id") == [
        (7001, "confirmed"),
        (7002, "waitlisted"),
    ]
    drill = await db.read(lambda u: u.events.by_code("drill"))
    assert drill is not None and drill.capacity == 10
    assert drill.starts_at == START + timedelta(days=1, hours=2)


async def _preview(services: Services, data: bytes) -> ImportPreview:
    preview = await services.programme.read(data)
    assert isinstance(preview, ImportPreview), preview
    return preview
