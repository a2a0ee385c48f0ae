"""Training courses in the chat: a course's card by its deep link, registering for the whole
course in one press (with the profile questions of a first sign-up), one calendar file of
every seat, a session taken with its course only, and progress in /my.

The real Application against the emulated Bot API; what is stored checked with plain SQL, the
calendar file read with the icalendar library."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.db import UnitOfWork
from bot.devtools.emulator import ApiCall, BotApiEmulator
from bot.i18n import RLM
from bot.models import Contact, Course, EventText, Profile
from bot.services.container import Services
from handlers.buttons import (
    CalendarFile,
    CancelCourse,
    ConfirmCancelCourse,
    ConfirmCancelRegistration,
    CourseCard,
    Register,
    RegisterCourse,
)
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

FIRST = START + timedelta(days=2)  # Monday, November 30, 2026, 09:00 UTC; then weekly
CODES = ["flood-1", "flood-2", "flood-3", "flood-4"]
COURSE = "urban-floods"
BOT = "webinar_demo_bot"
MESSAGES = frozenset({"sendMessage", "sendDocument", "editMessageText"})
JOSE = 7002


async def make_course(
    services: Services,
    db: Store,
    *,
    required: int | None = 3,
    single: bool = True,
    certificate: bool = True,
    capacities: dict[str, str] | None = None,
) -> int:
    """Four weekly sessions of "Urban floods" (in Arabic too), attached to the course."""
    capacities = capacities or {}
    rows = [
        row(
            code,
            FIRST + timedelta(weeks=n),
            capacity=capacities.get(code, "50"),
            title_ar=f"الجلسة {n + 1}",
        )
        for n, code in enumerate(CODES)
    ]
    result = await services.programme.import_now(programme(rows), None)
    assert not hasattr(result, "problems")
    course = Course(
        0,
        COURSE,
        "Urban floods",
        "Four sessions on <flood> risk in cities.",
        {"ar": EventText("الفيضانات الحضرية", "أربع جلسات عن مخاطر الفيضانات في المدن.")},
        required_sessions=required,
        single_sessions=single,
        certificate=certificate,
    )
    course_id = await db.write(lambda u: u.courses.save(course, START))
    found = await db.read(lambda u: u.events.by_codes(CODES))

    def attach(uow: UnitOfWork) -> None:
        for code in CODES:
            uow.courses.attach(found[code].event_id, course_id)

    await db.write(attach)
    return course_id


async def with_profile(services: Services, user_id: int, name: str = "Amina Diallo") -> None:
    await services.users.touch(Contact(user_id, name.split()[0], language_code="en"))
    await services.users.choose_language(user_id, "en")
    await services.profiles.save(user_id, Profile(name, "KE", "Nairobi"), "Africa/Nairobi")


async def statuses(db: Store, user_id: int) -> dict[str, str]:
    rows = await db.fetch_all(
        "SELECT e.code, r.status FROM registrations r JOIN events e USING (event_id)"
        " WHERE r.user_id = ? ORDER BY e.starts_at",
        (user_id,),
    )
    return dict(rows)


def read(calls: list[ApiCall]) -> list[str]:
    """What the user reads, without the marks that isolate a title's direction."""
    return [text.replace("\u2068", "").replace("\u2069", "") for text in texts(calls)]


def labels(chat: ChatDriver) -> list[str]:
    return [label for label, _ in buttons_of(chat.last_message_with_buttons())]


def documents(calls: list[ApiCall]) -> list[tuple[str, bytes]]:
    return [call.files["document"] for call in calls if call.method == "sendDocument"]


async def test_a_course_card_by_its_deep_link_in_english(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """The link's code in another case opens the course: title, description (escaped), its
    sessions soonest first with their dates in the reader's zone, the completion rule and
    the certificate, a button for the whole course and one per session."""
    await make_course(services, db)
    await with_profile(services, amina.user.id)
    calls = await amina.send(f"/start {COURSE.upper()}")
    assert [call.method for call in calls] == ["sendMessage"]
    card = calls[0].params["text"]
    assert card.startswith("<b>Urban floods</b>\nTraining course, 4 sessions\n")
    assert "Four sessions on &lt;flood&gt; risk in cities." in card
    [text] = texts(calls)
    assert "Times in Nairobi (UTC+03:00)" in text
    assert "1. Session flood-1\n    Monday, November 30, 2026" in text
    assert "4. Session flood-4\n    Monday, December 21, 2026" in text
    assert text.index("flood-1") < text.index("flood-2") < text.index("flood-4")
    assert "12:00\u202fPM · 50 seats left" in text  # 09:00 UTC, read in Nairobi
    assert (
        "Attend at least 3 of the 4 sessions to complete the course. "
        "A certificate is issued when you complete it."
    ) in text
    assert labels(amina) == [
        "Register for the whole course",
        "1. Session flood-1",
        "2. Session flood-2",
        "3. Session flood-3",
        "4. Session flood-4",
        "Share",
        "◀ Back to the list",
    ]
    pressed = await amina.press_label("2. Session flood-2")  # a session's own card, in place
    [session] = texts(pressed)
    assert "Part of the training course “Urban floods”, session 2 of 4." in session
    assert {"Register", "Training course: Urban floods"} <= set(labels(amina))
    [again] = texts(await amina.press_label("Training course: Urban floods"))
    assert again.startswith("Urban floods\nTraining course, 4 sessions")


async def test_a_cancelled_session_leaves_the_card_and_all_means_those_left(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """ "All sessions" with one cancelled: three are listed, all three complete it; a course
    without a certificate does not promise one."""
    await make_course(services, db, required=None, certificate=False)
    fourth = await db.read(lambda u: u.events.by_code("flood-4"))
    assert fourth is not None
    await services.events.cancel(fourth, ORGANIZER_ID)
    await amina.settle(language="en")
    [text] = texts(await amina.send(f"/start {COURSE}"))
    assert "Training course, 3 sessions" in text and "flood-4" not in text
    assert "Attend all 3 sessions to complete the course." in text
    assert "certificate" not in text


async def test_a_course_card_in_arabic(
    app: BotApplication, emulator: BotApiEmulator, services: Services, db: Store
) -> None:
    """An Arabic client follows the link: the course and its sessions in Arabic, dates as
    Arabic writes them, every line directed right to left."""
    await make_course(services, db)
    layla = chat_as(app, emulator, id=6300, first_name="ليلى", language_code="ar")
    calls = await layla.send(f"/start {COURSE}")
    [card] = [call.params["text"] for call in calls if call.method == "sendMessage"]
    assert "<b>الفيضانات الحضرية</b>" in card
    assert "أربع جلسات عن مخاطر الفيضانات في المدن." in card
    assert "الجلسة 1" in card and "الجلسة 4" in card
    assert "الاثنين، 30 نوفمبر 2026" in card  # Monday, November 30, in Arabic
    assert all(line.startswith(RLM) for line in card.split("\n") if line)
    user = await services.users.get(layla.user.id)
    assert user is not None and user.language == "ar"


async def test_registering_for_the_whole_course(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """One press: a seat where there is one, the waitlist where the session is full, the
    place Amina had left as it is; one message saying each, with one calendar file, and the
    card pressed shows the course registered. Nobody is overbooked."""
    await make_course(services, db, capacities={"flood-2": "1"})
    await with_profile(services, JOSE, "José Núñez")
    await services.registrations.sign_up(JOSE, "flood-2")  # the only seat
    await with_profile(services, amina.user.id)
    await services.registrations.sign_up(amina.user.id, "flood-3")  # before the course
    await amina.send(f"/start {COURSE}")
    card_id = amina.last_message_with_buttons()["message_id"]
    calls = await amina.press(RegisterCourse(COURSE).pack())
    assert [call.method for call in calls] == [
        "answerCallbackQuery",
        "sendDocument",  # the confirmation as the calendar file's caption
        "editMessageText",  # the card pressed, now registered
    ]
    confirmation = texts(calls)[0]
    assert confirmation.startswith(
        "Your registration for the training course “Urban floods”:\nTimes in Nairobi"
    )
    for code, outcome in (
        ("flood-1", "✅ registered"),
        ("flood-2", "⏳ waitlist, number 1"),
        ("flood-3", "already registered"),
        ("flood-4", "✅ registered"),
    ):
        line = confirmation.split(f"• Session {code}\n  ")[1].split("\n")[0]
        assert line.endswith(f"PM · {outcome}"), line
    assert "Open the calendar file to add the 3 sessions to your calendar." in confirmation
    assert "For the sessions where you are on the waitlist, I will write to you" in confirmation
    assert await statuses(db, amina.user.id) == {
        "flood-1": "confirmed",
        "flood-2": "waitlisted",
        "flood-3": "confirmed",
        "flood-4": "confirmed",
    }
    confirmed = await db.fetch_one(
        "SELECT COUNT(*) FROM registrations r JOIN events e USING (event_id)"
        " WHERE e.code = 'flood-2' AND r.status = 'confirmed'"
    )
    assert confirmed == (1,)  # José's seat, nobody else's
    [card] = [m for m in amina.messages() if m["message_id"] == card_id]
    assert "✅ You are registered for the whole course." in card["text"]
    assert "⏳ waitlist, number 1" in card["text"]
    card_labels = [label for label, _ in buttons_of(card)]
    assert "Cancel my registration for the course" in card_labels
    assert "Register for the whole course" not in card_labels


async def test_pressing_twice_changes_nothing(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """A second press (or the same press again) keeps every place as it is, waitlist
    positions included, and says so, with the calendar file again."""
    await make_course(services, db, capacities={"flood-2": "1"})
    await with_profile(services, JOSE, "José Núñez")
    await services.registrations.sign_up(JOSE, "flood-2")
    await with_profile(services, amina.user.id)
    await amina.send(f"/start {COURSE}")
    await amina.press(RegisterCourse(COURSE).pack())
    stored = await db.fetch_all("SELECT * FROM registrations ORDER BY event_id, user_id")
    calls = await amina.press(RegisterCourse(COURSE).pack())
    assert await db.fetch_all("SELECT * FROM registrations ORDER BY event_id, user_id") == stored
    again = texts(calls)[0]
    assert again.count("· already registered") == 3
    assert "· already on the waitlist, number 1" in again
    assert len(documents(calls)) == 1


async def test_a_session_under_way_is_skipped(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Registering once the first session has begun: it is not joined late (a course is
    joined from its next session); the others are."""
    await make_course(services, db)
    await with_profile(services, amina.user.id)
    clock.set(FIRST + timedelta(minutes=10))
    await amina.send(f"/start {COURSE}")
    confirmation = texts(await amina.press_label("Register for the whole course"))[0]
    assert "• Session flood-1\n" in confirmation and "· closed: it has started" in confirmation
    assert await statuses(db, amina.user.id) == {c: "confirmed" for c in CODES[1:]}


async def test_the_calendar_file_holds_every_seat_as_the_sessions_own_files_do(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """One .ics of several VEVENTs: the sessions with a seat (not the one waitlisted), each
    with the UID, SEQUENCE and times of the session's own calendar file, and its join link."""
    await make_course(services, db, capacities={"flood-2": "1"})
    await with_profile(services, JOSE, "José Núñez")
    await services.registrations.sign_up(JOSE, "flood-2")
    await with_profile(services, amina.user.id)
    await amina.send(f"/start {COURSE}")
    [(name, content)] = documents(await amina.press(RegisterCourse(COURSE).pack()))
    assert name == f"{COURSE}.ics"
    calendar = Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    entries = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(entries) == {f"{code}@{BOT}.t.me" for code in ("flood-1", "flood-3", "flood-4")}
    first = entries[f"flood-1@{BOT}.t.me"]
    assert str(first["LOCATION"]) == "https://meet.example.org/flood-1"
    assert first.decoded("DTSTART") == FIRST
    assert len(first.walk("VALARM")) == 1
    # The session's own file, from its card: the same entry, so calendars keep one.
    await amina.send("/start flood-1")
    [(_, own)] = documents(await amina.press(CalendarFile("flood-1").pack()))
    [single] = Calendar.from_ical(own).walk("VEVENT")
    for key in ("UID", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "LOCATION"):
        assert single.decoded(key) == first.decoded(key), key


async def test_forged_course_buttons(amina: ChatDriver, services: Services, db: Store) -> None:
    """Data the bot never wrote is an old button; a course that does not exist is said so
    and registers nothing; giving up a course one is not in gives up nothing."""
    await make_course(services, db)
    await with_profile(services, amina.user.id)
    await amina.send(f"/start {COURSE}")
    message = amina.last_message_with_buttons()["message_id"]
    for forged in ("co:r:a b", "co:r:", "co:r:urban-floods:1", "co:z:urban-floods"):
        calls = await amina.press(forged, message)
        assert texts(calls) == ["This button is no longer active."], forged
    calls = await amina.press(RegisterCourse("no-such-course").pack(), message)
    assert texts(calls) == ["This training course no longer exists."]
    calls = await amina.press(CourseCard("no-such-course").pack(), message)
    assert texts(calls) == ["This training course no longer exists."]
    calls = await amina.press(CancelCourse(COURSE).pack(), message)
    assert read(calls) == ["You have no place in a session of “Urban floods” still to come."]
    calls = await amina.press(ConfirmCancelCourse(COURSE).pack(), message)
    assert read(calls) == ["You have no place in a session of “Urban floods” still to come."]
    assert await statuses(db, amina.user.id) == {}


async def test_a_session_taken_with_its_course_only(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """A course of single_sessions=false: a session's card offers the course, not a sign-up
    of its own (a forged Register registers nothing); the course's card has no buttons per
    session. Once registered, one session may still be given up: a participant may miss one."""
    await make_course(services, db, single=False)
    await with_profile(services, amina.user.id)
    [card] = texts(await amina.send("/start flood-2"))
    assert "Part of the training course “Urban floods”, session 2 of 4." in card
    assert "This session is taken as part of the course: register for the course." in card
    assert "Register" not in labels(amina) and "Join the waitlist" not in labels(amina)
    refused = texts(await amina.press(Register("flood-2").pack()))
    assert any("is taken as part of its training course" in text for text in refused)
    assert await statuses(db, amina.user.id) == {}
    [course] = texts(await amina.press_label("Training course: Urban floods"))
    assert "Its sessions are taken together: one registration covers them all." in course
    assert labels(amina) == ["Register for the whole course", "Share", "◀ Back to the list"]
    await amina.press_label("Register for the whole course")
    assert set((await statuses(db, amina.user.id)).values()) == {"confirmed"}
    await amina.send("/my")
    assert "Cancel: Session flood-2" in labels(amina)
    await amina.press_label("Cancel: Session flood-2")
    [done] = read(await amina.press(ConfirmCancelRegistration("flood-2").pack()))
    assert done.startswith("Your registration for “Session flood-2” is cancelled.")
    assert (await statuses(db, amina.user.id))["flood-2"] == "cancelled"


async def test_giving_the_course_up_asks_first_and_frees_every_seat(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Cancel for the course: asked first; Yes gives up every place still to come, and the
    first on a waitlist takes the seat freed."""
    await make_course(services, db, capacities={"flood-2": "1"})
    await with_profile(services, amina.user.id)
    await amina.send(f"/start {COURSE}")
    await amina.press(RegisterCourse(COURSE).pack())
    await with_profile(services, JOSE, "José Núñez")
    await services.registrations.sign_up(JOSE, "flood-2")  # waitlisted behind Amina
    [question] = read(await amina.press_label("Cancel my registration for the course"))
    assert question == "Give up your places in the 4 sessions of “Urban floods” still to come?"
    [done] = read(await amina.press_label("Yes, cancel my registration"))
    assert done == "Your registration for “Urban floods” is cancelled: 4 sessions given up."
    assert set((await statuses(db, amina.user.id)).values()) == {"cancelled"}
    assert await statuses(db, JOSE) == {"flood-2": "confirmed"}


async def test_events_names_the_course_of_a_session(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/events: a session of a course says which, so the course can be found from the list."""
    await make_course(services, db)
    await amina.settle(language="en")
    [listing] = texts(await amina.send("/events"))
    assert listing.count("Training course: Urban floods") == 4


async def test_my_shows_each_course_with_its_progress(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Attendance however recorded (a check-in, a mark by hand) counts: "2 of 4 sessions
    attended; 1 to go" with the next session, then "completed"; the course's sessions are
    listed under it, not again among the other sessions."""
    await make_course(services, db)
    await with_profile(services, amina.user.id)
    await services.programme.import_now(
        programme([row("heatwaves", FIRST + timedelta(weeks=6))]), None
    )
    await services.registrations.sign_up(amina.user.id, "heatwaves")
    await amina.send(f"/start {COURSE}")
    await amina.press(RegisterCourse(COURSE).pack())
    found = await db.read(lambda u: u.events.by_codes(CODES))
    first, second, third = (found[code] for code in CODES[:3])
    clock.set(first.starts_at + timedelta(minutes=5))
    assert (await services.attendance.check_in(amina.user.id, first.event_id, "button")).event
    clock.set(second.starts_at + timedelta(minutes=5))
    assert await services.attendance.mark(second, amina.user.id, True, ORGANIZER_ID)
    clock.set(second.ends_at + timedelta(hours=1))
    [my] = texts(await amina.send("/my"))
    assert (
        "“Urban floods”: 2 of 4 sessions attended; 1 to go; next: "
        "“Session flood-3”, Dec 14, 2026, 12:00\u202fPM"
    ) in my
    assert my.index("Your upcoming sessions") < my.index("Session heatwaves")
    assert my.index("Session heatwaves") < my.index("Your training courses")
    assert my.count("Session flood-1") == 1  # under its course only
    assert "Session flood-1\n  Nov 30, 2026, 12:00\u202fPM · ✅ attended" in my
    assert "Past sessions" not in my
    assert "Training course: Urban floods" in labels(amina)
    clock.set(third.starts_at + timedelta(minutes=5))
    await services.attendance.check_in(amina.user.id, third.event_id, "button")
    [done] = texts(await amina.send("/my"))
    assert "✅ “Urban floods”: 3 of 4 sessions attended; completed" in done
    [card] = texts(await amina.send(f"/start {COURSE}"))
    assert "✅ You completed the course." in card


async def test_my_says_when_a_course_can_no_longer_be_completed(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """ "3 of 4" with the first two missed: once the second is over, two sessions remain
    for three to go, and /my says so instead of counting down to what cannot come."""
    await make_course(services, db)
    await with_profile(services, amina.user.id)
    await amina.send(f"/start {COURSE}")
    await amina.press(RegisterCourse(COURSE).pack())
    found = await db.read(lambda u: u.events.by_codes(CODES))
    clock.set(found[CODES[0]].ends_at + timedelta(hours=1))
    [my] = read(await amina.send("/my"))
    assert "“Urban floods”: 0 of 4 sessions attended; 3 to go; next: " in my
    clock.set(found[CODES[1]].ends_at + timedelta(hours=1))
    [my] = read(await amina.send("/my"))
    assert "“Urban floods”: 0 of 4 sessions attended; too few sessions remain" in my


@pytest.mark.parametrize("kind", ["session", "course"])
async def test_a_first_registration_costs_the_same_for_a_course_as_for_a_session(
    app: BotApplication, emulator: BotApiEmulator, services: Services, db: Store, kind: str
) -> None:
    """The profile questions of a first sign-up, then one confirmation with one calendar
    file and the card again: 14 Bot API calls, 9 of them messages, whether for one session
    or for the four sessions of a course."""
    await make_course(services, db)
    chat = chat_as(app, emulator, id=6400, first_name="Amina", language_code="en")
    await chat.settle(language="en")
    code, button = (
        ("flood-1", "Register") if kind == "session" else (COURSE, "Register for the whole course")
    )
    calls = await chat.send(f"/start {code}")
    card_id = chat.last_message_with_buttons()["message_id"]
    calls += await chat.press_label(button)
    for step in ("press:Use “Amina”", "Kenya", "Nairobi", "press:Skip", "press:Skip", "press:Skip"):
        if step.startswith("press:"):
            calls += await chat.press_label(step.removeprefix("press:"))
        else:
            calls += await chat.send(step)
    assert len([call for call in calls if call.method in MESSAGES]) == 9
    assert len(calls) == 14
    assert texts(calls)[-2].startswith("Thank you, your profile is saved.")
    [card] = [m for m in chat.messages() if m["message_id"] == card_id]
    registered = await statuses(db, chat.user.id)
    if kind == "course":
        assert "✅ You are registered for the whole course." in card["text"]
        assert registered == {code: "confirmed" for code in CODES}
        [(_, content)] = documents(calls)
        assert len(Calendar.from_ical(content).walk("VEVENT")) == 4
    else:
        assert "You are registered." in card["text"] and registered == {"flood-1": "confirmed"}
