"""Calendar files follow the event: the same UID, a higher SEQUENCE after every change that a
calendar shows, a cancelling file for a cancelled session, an alarm at the first reminder.

The files are read back twice: with the icalendar library, and line by line against the
rules of RFC 5545 (CRLF, lines of at most 75 octets, the properties it requires) and of
RFC 5546 for METHOD:PUBLISH and METHOD:CANCEL, by code that shares nothing with the bot's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import ApiCall, BotApiEmulator
from bot.models import Contact, Event, Profile
from bot.services.calendar import first_reminder
from bot.services.container import Services
from handlers.buttons import CalendarFile
from tests.conftest import ORGANIZER_ID, START, ChatDriver, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)  # Monday, November 30, 2026, 09:00 UTC
MOVED_TO = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
UID = "flood@webinar_demo_bot.t.me"


async def publish(services: Services, **overrides: str) -> Event:
    await services.programme.import_now(programme([row("flood", SOON, **overrides)]), None)
    listing = await services.events.find("flood")
    assert listing is not None
    return listing.event


async def seated(chat: ChatDriver) -> ApiCall:
    """`chat` has a profile and presses Register on the card: the confirmation's file."""
    await chat.settle(language=chat.user.language_code)
    services: Services = chat.app.bot_data.services
    profile = Profile(chat.user.first_name, "KE", "Nairobi")
    await services.profiles.save(chat.user.id, profile, "Africa/Nairobi")
    await chat.send("/start flood")
    calls = await chat.press_label(register_label(chat))
    [document] = [call for call in calls if call.method == "sendDocument"]
    return document


def register_label(chat: ChatDriver) -> str:
    labels = {"en": "Register", "fr": "S’inscrire", "es": "Inscribirme"}
    return labels.get(chat.user.language_code or "en", "")


def entry_of(document: ApiCall) -> tuple[Calendar, CalendarEvent]:
    name, content = document.files["document"]
    assert name == "flood.ics"
    calendar = Calendar.from_ical(content)
    [entry] = calendar.events
    return calendar, entry


def files_to(emulator: BotApiEmulator, chat: ChatDriver, since: int) -> list[ApiCall]:
    return [
        call
        for call in emulator.calls[since:]
        if call.method in ("sendMessage", "sendDocument")
        and str(call.params.get("chat_id")) == str(chat.user.id)
    ]


async def organizer_does(organizer: ChatDriver, *steps: str) -> None:
    for step in steps:
        if step.startswith("press:"):
            await organizer.press_label(step.removeprefix("press:"))
        else:
            await organizer.send(step)


def sequence(entry: CalendarEvent) -> int:
    return int(str(entry["SEQUENCE"]))


def trigger_of(entry: CalendarEvent) -> timedelta:
    [alarm] = entry.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    return alarm.decoded("TRIGGER")  # type: ignore[no-any-return]


async def test_a_move_notice_carries_the_updated_file(
    app: BotApplication,
    emulator: BotApiEmulator,
    amina: ChatDriver,
    organizer: ChatDriver,
    services: Services,
) -> None:
    """Registered, then the session moves: the notice is the caption of the new file (one
    message), whose UID is the one of the sign-up's file, its SEQUENCE higher, its times the
    new ones; someone on the waitlist (never given a file) gets the notice alone."""
    await publish(services, capacity="1")
    _, signed = entry_of(await seated(amina))
    assert str(signed["UID"]) == UID and sequence(signed) == 0
    assert signed.start == SOON
    omar = chat_as(app, emulator, id=1002, first_name="Omar", language_code="en")
    await omar.send("/my")
    await services.registrations.sign_up(omar.user.id, "flood")  # the waitlist
    await organizer.settle(language="en", timezone="UTC")
    await organizer_does(
        organizer, "/editevent flood", "press:Start", "2026-12-05 10:00", "press:Confirm"
    )
    mark = len(emulator.calls)
    await services.delivery.drain_once()

    [notice] = files_to(emulator, amina, mark)  # one Bot API call
    assert notice.method == "sendDocument"
    caption = texts([notice])[0].splitlines()
    assert caption[0] == "“Session flood” has moved."
    assert caption[-1] == "Open the attached file to update the session in your calendar."
    calendar, moved = entry_of(notice)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(moved["UID"]) == UID
    assert sequence(moved) > sequence(signed)
    assert moved.start == MOVED_TO and moved.end == MOVED_TO + timedelta(hours=1)
    assert str(moved["STATUS"]) == "CONFIRMED"
    assert str(moved["URL"]) == "https://meet.example.org/flood"
    assert "https://meet.example.org/flood" in str(moved["DESCRIPTION"])
    assert trigger_of(moved) == -timedelta(days=1)  # the first of the default 1d, 1h
    assert moved.decoded("DTSTAMP") >= moved.decoded("LAST-MODIFIED")

    [told] = files_to(emulator, omar, mark)
    assert told.method == "sendMessage" and "has moved" in told.params["text"]

    # "Add to my calendar" on the card gives the same version
    calls = await amina.press(CalendarFile("flood").pack(), message_id=1)
    [again] = [call for call in calls if call.method == "sendDocument"]
    _, current = entry_of(again)
    assert sequence(current) == sequence(moved)
    assert current.start == MOVED_TO


async def test_a_cancellation_carries_a_cancelling_file_and_a_restore_the_event_again(
    emulator: BotApiEmulator,
    amina: ChatDriver,
    organizer: ChatDriver,
    services: Services,
) -> None:
    """Cancelled: METHOD:CANCEL, STATUS:CANCELLED, the same UID, a higher SEQUENCE and no
    alarm (RFC 5546, 3.2.5). Restored: the entry published again, higher still."""
    await publish(services)
    _, signed = entry_of(await seated(amina))
    await organizer.settle(language="en")
    await organizer_does(organizer, "/cancelevent flood", "press:Yes, cancel it")
    mark = len(emulator.calls)
    await services.delivery.drain_once()
    [notice] = files_to(emulator, amina, mark)
    assert notice.method == "sendDocument"
    caption = texts([notice])[0]
    assert caption.startswith("We are sorry: “Session flood”")
    assert caption.endswith("Open the attached file to remove the session from your calendar.")
    calendar, cancelled = entry_of(notice)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == UID
    assert sequence(cancelled) > sequence(signed)
    assert "ORGANIZER" in cancelled and not list(cancelled.walk("VALARM"))

    await organizer_does(organizer, "/restoreevent flood", "press:Yes, restore it")
    mark = len(emulator.calls)
    await services.delivery.drain_once()
    [restored_notice] = files_to(emulator, amina, mark)
    assert restored_notice.method == "sendDocument"
    caption = texts([restored_notice])[0]
    assert caption.startswith("Good news: “Session flood” takes place after all.")
    assert caption.endswith("Open the attached file to put the session back in your calendar.")
    calendar, restored = entry_of(restored_notice)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(restored["STATUS"]) == "CONFIRMED" and str(restored["UID"]) == UID
    assert sequence(restored) > sequence(cancelled)
    assert restored.start == SOON and trigger_of(restored) == -timedelta(days=1)


async def test_the_alarm_rings_at_the_events_first_reminder(
    amina: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """The settings' first reminder (1 day) by default; the event's own, once set (3 hours
    of 3 hours and 30 minutes), in "Add to my calendar" and in the move notice alike."""
    event = await publish(services)
    await seated(amina)

    async def added() -> CalendarEvent:
        calls = await amina.press(CalendarFile("flood").pack(), message_id=1)
        [document] = [call for call in calls if call.method == "sendDocument"]
        return entry_of(document)[1]

    assert trigger_of(await added()) == -timedelta(days=1)
    await services.events.set_reminders(event, [30, 180], ORGANIZER_ID)
    assert trigger_of(await added()) == -timedelta(hours=3)
    await services.events.change(event, "starts_at", MOVED_TO, ORGANIZER_ID)
    mark = len(emulator.calls)
    await services.delivery.drain_once()
    [notice] = files_to(emulator, amina, mark)
    assert trigger_of(entry_of(notice)[1]) == -timedelta(hours=3)


def test_the_first_reminder_is_the_earliest() -> None:
    """The largest offset before the start; none without reminders."""
    assert first_reminder([60, 1440]) == 1440
    assert first_reminder([]) is None


async def test_the_sequence_goes_up_only_for_what_a_calendar_shows(
    services: Services, db: Store
) -> None:
    """The start, duration, a title (in any language) or the join link changed, or the
    status: one more. The seats, the description, or the same file imported again: none."""
    event = await publish(services, title_fr="Inondations")

    async def revision() -> int:
        found = await db.fetch_one("SELECT revision FROM events WHERE code = 'flood'")
        assert found is not None
        return int(found[0])

    async def reimport(**overrides: str) -> None:
        values = {"title_fr": "Inondations", **overrides}
        await services.programme.import_now(programme([row("flood", SOON, **values)]), None)

    assert await revision() == 0
    await reimport()
    await reimport(capacity="80", description="More about it.")
    assert await revision() == 0
    await reimport(capacity="80", description="More about it.", title_fr="Crues")
    assert await revision() == 1
    await reimport(capacity="80", description="More about it.", duration_minutes="90")
    assert await revision() == 2
    current = (await services.events.find("flood")) or None
    assert current is not None
    event = await services.events.change(current.event, "join_url", "https://x.example/j", 5001)
    assert await revision() == 3 and event.revision == 3
    event = await services.events.change(event, "capacity", 10, 5001)
    event = await services.events.change(event, "description", "Other.", 5001)
    assert await revision() == 3
    event = await services.events.change(event, "title", "Floods", 5001, language="fr")
    assert await revision() == 4 and event.texts["fr"].title == "Floods"
    cancellation = await services.events.cancel(event, 5001)
    assert await revision() == 5
    await services.events.restore(cancellation.event, 5001)
    assert await revision() == 6


# -- RFC 5545 read by hand ----------------------------------------------------------------


def content_lines(ics: bytes) -> list[str]:
    """RFC 5545, 3.1: lines end with CRLF and are at most 75 octets long; a line starting
    with a space or a tab continues the one before (multi-octet characters are not split)."""
    assert ics.endswith(b"\r\n")
    physical = ics[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
        line.decode("utf-8")  # a character cut in two would not decode
    logical: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


CONTENT_LINE = re.compile(r'^([A-Z0-9-]+)((?:;[A-Z0-9-]+=(?:"[^"]*"|[^";:,]*))*):(.*)$')


def components(lines: list[str]) -> dict[str, dict[str, list[str]]]:
    """Each component's properties (name: values), components nested as BEGIN/END say."""
    found: dict[str, dict[str, list[str]]] = {}
    stack: list[str] = []
    for line in lines:
        match = CONTENT_LINE.match(line)
        assert match, line
        name, value = match.group(1), match.group(3)
        if name == "BEGIN":
            stack.append(value)
            found.setdefault(value, {})
        elif name == "END":
            assert stack.pop() == value
        else:
            found[stack[-1]].setdefault(name, []).append(value)
    assert stack == []
    return found


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")


def check_rfc(ics: bytes, method: str) -> dict[str, dict[str, list[str]]]:
    found = components(content_lines(ics))
    calendar, event = found["VCALENDAR"], found["VEVENT"]
    assert calendar["VERSION"] == ["2.0"] and len(calendar["PRODID"]) == 1
    assert calendar["METHOD"] == [method]
    for required in ("UID", "DTSTAMP", "DTSTART", "ORGANIZER", "SEQUENCE"):
        assert len(event.get(required, [])) == 1, required  # RFC 5545 and 5546
    for moment in ("DTSTAMP", "DTSTART", "DTEND", "LAST-MODIFIED"):
        assert UTC_TIME.match(event[moment][0]), moment  # UTC: no VTIMEZONE needed
    assert "ATTENDEE" not in event and "DURATION" not in event
    assert int(event["SEQUENCE"][0]) >= 0
    return found


async def test_the_files_follow_rfc_5545_in_every_script(
    app: BotApplication, emulator: BotApiEmulator, services: Services
) -> None:
    """A long Arabic title with commas and semicolons, an alarm: folded lines of at most 75
    octets that split no character, CRLF, the required properties, escaped text that
    unfolds back to the title; the cancellation likewise, without an alarm."""
    title = "إدارة مخاطر الكوارث في المدن الساحلية، الفيضانات; الدروس المستفادة " * 2
    await publish(services, title_ar=title.strip())
    layla = chat_as(app, emulator, id=1003, first_name="ليلى", language_code="ar")
    await layla.settle(language="ar")
    await services.registrations.sign_up(layla.user.id, "flood")
    calls = await layla.press(CalendarFile("flood").pack(), message_id=1)
    [document] = [call for call in calls if call.method == "sendDocument"]
    ics = document.files["document"][1]
    found = check_rfc(ics, "PUBLISH")
    assert unescape(found["VEVENT"]["SUMMARY"][0]) == title.strip()
    assert found["VEVENT"]["STATUS"] == ["CONFIRMED"]
    alarm = found["VALARM"]
    assert alarm["ACTION"] == ["DISPLAY"] and alarm["TRIGGER"] == ["-P1D"]
    assert len(alarm["DESCRIPTION"]) == 1  # required for a DISPLAY alarm (RFC 5545, 3.6.6)
    assert any(len(line) == 75 for line in ics.split(b"\r\n"))  # it was folded

    listing = await services.events.find("flood")
    assert listing is not None
    await services.events.cancel(listing.event, ORGANIZER_ID)
    mark = len(emulator.calls)
    await services.delivery.drain_once()
    [notice] = files_to(emulator, layla, mark)
    cancelled = check_rfc(notice.files["document"][1], "CANCEL")
    assert cancelled["VEVENT"]["STATUS"] == ["CANCELLED"]
    assert cancelled["VEVENT"]["UID"] == found["VEVENT"]["UID"]
    assert int(cancelled["VEVENT"]["SEQUENCE"][0]) > int(found["VEVENT"]["SEQUENCE"][0])
    assert "VALARM" not in cancelled


LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")


async def test_every_notice_is_one_message_in_every_language(
    app: BotApplication, emulator: BotApiEmulator, services: Services
) -> None:
    """With the longest title allowed (200 characters), the move, cancellation and restore
    notices fit in a file's caption in all six languages: one Bot API call per person and
    notice."""
    event = await publish(services, title=("Disaster risk reduction in coastal cities, " * 5)[:200])
    assert len(event.title) == 200
    chats = []
    for number, language in enumerate(LANGUAGES):
        chat = chat_as(app, emulator, id=1100 + number, first_name="P", language_code=language)
        await services.users.touch(Contact(chat.user.id, "P", language_code=language))
        await services.users.choose_language(chat.user.id, language)
        await services.users.choose_timezone(chat.user.id, "America/Argentina/Buenos_Aires")
        await services.registrations.sign_up(chat.user.id, "flood")
        chats.append(chat)
    mark = len(emulator.calls)
    event = await services.events.change(event, "starts_at", MOVED_TO, ORGANIZER_ID)
    await services.delivery.drain_once()
    cancellation = await services.events.cancel(event, ORGANIZER_ID)
    await services.delivery.drain_once()  # a cancellation withdrawn unsent is not announced
    await services.events.restore(cancellation.event, ORGANIZER_ID)
    await services.delivery.drain_once()
    for chat in chats:
        calls = files_to(emulator, chat, mark)
        assert [call.method for call in calls] == ["sendDocument"] * 3, chat.user.language_code
        methods = [str(entry_of(call)[0]["METHOD"]) for call in calls]
        assert methods == ["PUBLISH", "CANCEL", "PUBLISH"]


async def test_a_move_cancelled_before_its_notice_went_carries_no_file(
    emulator: BotApiEmulator, amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """Moved, then cancelled before the move's notice went out: the move's notice comes
    alone (its file would cancel already), the cancellation with the cancelling file."""
    event = await publish(services)
    await seated(amina)
    mark = len(emulator.calls)
    event = await services.events.change(event, "starts_at", MOVED_TO, ORGANIZER_ID)
    await services.events.cancel(event, ORGANIZER_ID)
    await services.delivery.drain_once()
    clock.advance(timedelta(seconds=2))  # a second between two messages to one chat
    await services.delivery.drain_once()
    moved, cancelled = files_to(emulator, amina, mark)
    assert moved.method == "sendMessage" and "has moved" in moved.params["text"]
    assert cancelled.method == "sendDocument"
    assert str(entry_of(cancelled)[0]["METHOD"]) == "CANCEL"
