"""Broadcasts scheduled for later: asked in the organizer's zone, kept in the database across
a restart, sent when the clock passes their time to the audience as it is then, listed and
cancellable in /broadcasts until they go."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import open_database
from bot.devtools.emulator import BotApiEmulator, FakeUser
from bot.i18n import Catalogs
from bot.models import Audience, AudienceKind, CampaignKind, Contact
from bot.services.container import Directories, Services
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, running_app, texts
from tests.store import Store

NAIROBI = "Africa/Nairobi"  # UTC+3 all year: START (09:00 UTC) is noon there
WHEN = "2026-11-29 10:00"  # in Nairobi: 07:00 UTC the next day
SEND_AT = START + timedelta(hours=22)


async def participant(services: Services, emulator: BotApiEmulator, user_id: int) -> None:
    await services.users.touch(Contact(user_id, "R", language_code="en"))
    emulator.user_message(FakeUser(id=user_id), "/start")  # their chat with the bot exists


async def compose_and_ask_time(organizer: ChatDriver, text: str = "Tomorrow: the agenda.") -> str:
    """/broadcast to everyone, previewed, then Send later; the bot's question."""
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    await organizer.send(text)
    await organizer.press_label("Preview")
    [question] = texts(await organizer.press_label("Send later"))
    return question


async def test_a_broadcast_scheduled_in_the_organizers_zone_goes_at_its_time_after_a_restart(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
) -> None:
    """Times in the past, more than a year ahead or unreadable are refused and asked again;
    a time in Nairobi is confirmed in Nairobi time and stored in UTC. Nothing goes before its
    time; the bot restarts; once the clock passes it the broadcast goes to everyone then
    (someone who arrived after it was scheduled too), and the organizer sees its progress."""
    async with running_app(settings, emulator, clock, catalogs, directories) as app:
        services = app.bot_data.services
        organizer = ChatDriver(app, emulator, FakeUser(id=ORGANIZER_ID, first_name="Olga"))
        await organizer.settle(language="en", timezone=NAIROBI)
        await participant(services, emulator, 801)
        question = await compose_and_ask_time(organizer)
        assert question == (
            "When should it go? Write the date and time in your time zone, Nairobi "
            "(UTC+03:00), as YYYY-MM-DD HH:MM, for example 2026-11-29 09:00. (/timezone "
            "changes your zone.)"
        )
        [past] = texts(await organizer.send("2026-11-28 11:59"))  # 08:59 UTC: a minute ago
        assert past == (
            "“2026-11-28 11:59” has already passed. Please give a time in the future.\n\n"
            + question
        )
        [far] = texts(await organizer.send("2027-12-01 10:00"))
        assert far.startswith("“2027-12-01 10:00” is more than a year away.")
        [unreadable] = texts(await organizer.send("tomorrow at ten"))
        assert unreadable.startswith("Please write the date and time as YYYY-MM-DD HH:MM")
        [confirmed] = texts(await organizer.send(WHEN))
        assert confirmed.split("\n") == [
            "Broadcast #1 is scheduled for Sunday, November 29, 2026, 10:00\u202fAM · Nairobi "
            "(UTC+03:00).",
            "To: Everyone",
            "It goes to the audience as it is at that moment: people who join it before then "
            "get it too. Until then you can cancel it here or in /broadcasts.",
        ]
        assert [label for label, _ in buttons_of(organizer.last_message_with_buttons())] == [
            "Cancel broadcast #1"
        ]
        # The test's own look:
        db = Store(await open_database(settings.database_path, settings.database_url))
        assert await db.fetch_all("SELECT send_at, queued_at, status FROM campaigns") == [
            ("2026-11-29T07:00:00+00:00", None, "running")
        ]
        assert await db.fetch_all("SELECT * FROM deliveries") == []
        [audit] = await db.fetch_all("SELECT admin_id, action FROM admin_audit")
        assert audit == (ORGANIZER_ID, "schedule-broadcast")
        assert await services.delivery.drain_once() == 0
        clock.advance(SEND_AT - clock.now() - timedelta(seconds=1))
        assert await services.delivery.drain_once() == 0
        await participant(services, emulator, 802)  # arrives before it goes: gets it too
        assert await db.fetch_all("SELECT * FROM deliveries") == []
    clock.advance(timedelta(seconds=1))
    async with running_app(settings, emulator, clock, catalogs, directories) as app:
        services = app.bot_data.services
        organizer = ChatDriver(app, emulator, FakeUser(id=ORGANIZER_ID, first_name="Olga"))
        mark = len(emulator.calls)
        assert await services.delivery.drain_once() == 3  # the organizer, 801 and 802
        await services.delivery.drain_once()  # closed and summed up
        for user_id in (801, 802, ORGANIZER_ID):
            assert "Tomorrow: the agenda." in texts(emulator.calls[mark:], user_id)
        progress = [
            m["text"] for m in organizer.messages() if m["text"].startswith("Broadcast #1 ·")
        ]
        assert len(progress) == 1 and progress[0].startswith("Broadcast #1 · finished")
        assert "Sent: 3" in progress[0]
        assert await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'") == (3,)
        [listing] = texts(await organizer.send("/broadcasts"))
        assert listing.split("\n")[:2] == [
            "Broadcast #1 · finished",
            "Nov 29, 2026, 10:00\u202fAM · Nairobi (UTC+03:00), by \u2068Olga\u2069",
        ]
    await db.database.close()


async def test_the_organizer_sees_the_progress_when_a_scheduled_broadcast_starts(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator, clock: FrozenClock
) -> None:
    """When its time comes the worker posts the usual progress message ("sending") before
    the copies go, then edits it to the figures."""
    await organizer.settle(language="en", timezone=NAIROBI)
    await participant(services, emulator, 801)
    await compose_and_ask_time(organizer)
    await organizer.send(WHEN)
    clock.advance(SEND_AT - clock.now())
    shown: list[str] = []
    emulator.listeners.append(
        lambda call, result: (
            shown.append(str(call.params.get("text", "")))
            if call.params.get("chat_id") == organizer.user.id
            else None
        )
    )
    await services.delivery.drain_once()
    await services.delivery.drain_once()
    assert shown[0].startswith("Broadcast #1 · sending")
    assert shown[-1].startswith("Broadcast #1 · finished") and "Sent: 2" in shown[-1]


async def test_a_scheduled_broadcast_cancelled_before_its_time_sends_nothing(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    clock: FrozenClock,
) -> None:
    """/broadcasts lists it with its time in the viewer's zone and a Cancel button; cancelled,
    nothing goes when its time passes; the cancel is in the audit log; pressing Cancel again
    says it was cancelled already."""
    await organizer.settle(language="en", timezone=NAIROBI)
    await participant(services, emulator, 801)
    await compose_and_ask_time(organizer, "Old news")
    await organizer.send(WHEN)
    [listing] = texts(await organizer.send("/broadcasts"))
    assert listing.split("\n") == [
        "Broadcast #1 · scheduled",
        "Scheduled by \u2068Olga\u2069 for Nov 29, 2026, 10:00\u202fAM · Nairobi (UTC+03:00)",
        "To: Everyone",
        "“Old news”",
    ]
    [cancelled] = texts(await organizer.press_label("Cancel broadcast #1"))
    assert cancelled == (
        "Broadcast #1, scheduled for Nov 29, 2026, 10:00\u202fAM · Nairobi (UTC+03:00), is "
        "cancelled; nothing was sent."
    )
    clock.advance(timedelta(days=2))
    assert await services.delivery.drain_once() == 0
    await services.delivery.drain_once()
    assert await db.fetch_all("SELECT * FROM deliveries") == []
    assert not any("Old news" in text for text in texts(emulator.sent_to(801)))
    actions = [row[0] for row in await db.fetch_all("SELECT action FROM admin_audit")]
    assert actions == ["schedule-broadcast", "cancel-scheduled-broadcast"]
    [again] = texts(await organizer.press_label("Cancel broadcast #1"))
    assert again == "Broadcast #1 was already cancelled; nothing was sent."
    [listing] = texts(await organizer.send("/broadcasts"))
    assert listing.startswith("Broadcast #1 · cancelled")
    assert actions == [row[0] for row in await db.fetch_all("SELECT action FROM admin_audit")]


async def test_cancelling_a_broadcast_that_went_or_one_that_never_was(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    clock: FrozenClock,
) -> None:
    """Cancel after the broadcast went says when it went and stops nothing; forged data (no
    such broadcast, a reminder's id, words the bot never wrote) is refused; a participant
    gets the organizers-only refusal."""
    await organizer.settle(language="en", timezone=NAIROBI)
    await participant(services, emulator, 801)
    await compose_and_ask_time(organizer)
    await organizer.send(WHEN)
    confirmation = organizer.last_message_with_buttons()["message_id"]
    clock.advance(SEND_AT - clock.now())
    await services.delivery.drain_once()
    [late] = texts(await organizer.press("bs:x:1", message_id=confirmation))
    assert late == (
        "Broadcast #1 went out on Nov 29, 2026, 10:00\u202fAM · Nairobi (UTC+03:00); it can "
        "no longer be cancelled. While it is sending, /broadcasts can stop it."
    )
    sent = await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
    assert sent == (2,)
    reminder = await db.write(
        lambda u: u.outbox.enqueue(
            CampaignKind.REMINDER, "r-1", Audience(AudienceKind.USER, 801), {}, clock.now()
        )
    )
    assert reminder is not None
    inactive = "This button is no longer active."
    for forged in ("bs:x:999", f"bs:x:{reminder[0]}", "bs:x:-1", "bs:x:01", "bs:x:one"):
        assert texts(await organizer.press(forged, message_id=confirmation)) == [inactive]
    refusal = "Sorry, this is only for the programme’s organizers."
    assert texts(await amina.press("bs:x:1", message_id=1)) == [refusal]
    actions = [row[0] for row in await db.fetch_all("SELECT action FROM admin_audit")]
    assert actions == ["schedule-broadcast"]


async def test_send_and_the_test_copy_still_work_while_a_time_is_asked(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """After Send later, the preview's buttons still act: a test copy (the question stays
    open), then Send at once instead; nothing is scheduled."""
    await organizer.settle(language="en", timezone=NAIROBI)
    await participant(services, emulator, 801)
    await compose_and_ask_time(organizer, "Now, not later")
    calls = await organizer.press_label("Send a test to me")
    assert texts(calls, organizer.user.id)[-1] == "Now, not later"
    [problem] = texts(await organizer.send("2026-11-28 08:00"))
    assert problem.startswith("“2026-11-28 08:00” has already passed.")  # still asked
    await organizer.press_label("Send")
    assert await services.delivery.drain_once() == 2
    assert await db.fetch_all("SELECT send_at FROM campaigns") == [(None,)]
