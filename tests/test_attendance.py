"""Check-in, session codes, attendance by hand and by report, feedback, statistics."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.db import UnitOfWork
from bot.models import Contact, Profile
from bot.services.container import Services
from bot.services.reminders import FEEDBACK, STARTING, Job
from handlers.buttons import CheckInHere, Rate, ToggleAttendance
from tests.conftest import START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

BEGIN = START + timedelta(days=1)  # the session: BEGIN to BEGIN + 60 minutes
REFUSAL = "Sorry, this is only for the programme’s organizers."


async def setup_event(services: Services, *users: ChatDriver, capacity: str = "50") -> int:
    await services.programme.import_now(programme([row("flood", BEGIN, capacity=capacity)]), None)
    for chat in users:
        await chat.settle(language="en")
        await services.profiles.save(
            chat.user.id,
            Profile(f"{chat.user.first_name} Doe", "KE", "Nairobi", email=f"{chat.user.id}@x.org"),
            "UTC",
        )
        await services.registrations.sign_up(chat.user.id, "flood")
    listing = await services.events.find("flood")
    assert listing is not None
    return listing.event.event_id


async def test_the_check_in_button_and_its_window(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Before the window: when it opens; inside: recorded once; after the end: closed."""
    event_id = await setup_event(services, amina)
    clock.set(BEGIN - timedelta(minutes=30))
    [early, _] = texts(await amina.press(CheckInHere(event_id).pack(), message_id=1))
    assert early == "Check-in for “Session flood” opens at Nov 29, 2026, 8:45\u202fAM."
    clock.set(BEGIN - timedelta(minutes=10))
    [done, _] = texts(await amina.press(CheckInHere(event_id).pack(), message_id=1))
    assert done == "You are checked in for “Session flood”. Enjoy the session!"
    [again, _] = texts(await amina.press(CheckInHere(event_id).pack(), message_id=1))
    assert again.startswith("You were already checked in")
    row_ = await db.fetch_one("SELECT method, checked_in_at FROM attendance")
    assert row_ is not None and tuple(row_) == ("button", "2026-11-29T08:50:01+00:00")
    clock.set(BEGIN + timedelta(minutes=61))
    [late, _] = texts(await amina.press(CheckInHere(event_id).pack(), message_id=1))
    assert late == "Check-in for “Session flood” has closed: the session is over."


async def test_the_starting_message_carries_the_button(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """The "starting now" delivery has the check-in button."""
    event_id = await setup_event(services, amina)
    clock.set(BEGIN)

    await amina.send("/my")  # her chat with the bot exists
    await services.reminders.fire(Job(STARTING, event_id, 0, BEGIN))
    assert await services.delivery.drain_once() == 1
    message = amina.last_message_with_buttons()
    assert message["text"].startswith("“Session flood” is starting now.")
    assert buttons_of(message) == [("I am here: check in", CheckInHere(event_id).pack())]


async def test_session_codes_and_slowing_down(
    amina: ChatDriver, organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The organizer sets a code; wrong codes are refused, then slowed down; the right one
    checks in (by plain text or /checkin)."""
    await setup_event(services, amina)
    await organizer.settle(language="en")
    [shown] = texts(await organizer.send("/checkincode flood k7q-x2m"))
    assert shown.startswith("Session code for “\u2068Session flood\u2069”: K7QX2M")
    assert texts(await amina.send("K7QX2M")) == [
        "I understand commands and buttons. Send /help to see what I can do."
    ]  # not open yet
    clock.set(BEGIN + timedelta(minutes=5))
    for _ in range(2):
        assert texts(await amina.send("WRONG1")) == [
            "That is not the session code. Please check it and try again."
        ]
    [slow] = texts(await amina.send("WRONG2"))
    assert slow.startswith("Too many wrong codes. Please wait until")
    [still] = texts(await amina.send("/checkin K7QX2M"))
    assert still.startswith("Too many wrong codes")  # even the right code waits
    clock.advance(timedelta(minutes=2))
    [ok] = texts(await amina.send("/checkin k7qx2m"))
    assert ok.startswith("You are checked in")
    row_ = await db.fetch_one("SELECT method FROM attendance")
    assert row_ is not None and row_[0] == "code"
    [shown_again] = texts(await organizer.send("/checkincode flood"))
    assert "K7QX2M" in shown_again  # the code read out does not change behind one's back
    [generated] = texts(await organizer.send("/checkincode flood new"))
    code = generated.split(": ")[1].split("\n")[0]
    assert len(code) == 6 and code != "K7QX2M"
    for unusable in ("1", "🙂", "AB", "/X", "A" * 13, "ПАВОДОК"):
        [refused] = texts(await organizer.send(f"/checkincode flood {unusable}"))
        assert refused.startswith("A session code must be 4 to 12 Latin letters or digits")
    [still] = texts(await organizer.send("/checkincode flood"))
    assert code in still


async def test_attendance_by_hand(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store
) -> None:
    """/attendance CODE lists registrants with toggles; a press marks present, again absent."""
    await setup_event(services, amina)
    await organizer.settle(language="en")
    [heading] = texts(await organizer.send("/attendance flood"))
    assert heading.startswith("Attendance for “\u2068Session flood\u2069” (page 1 of 1)")
    assert [label for label, _ in buttons_of(organizer.last_message_with_buttons())] == [
        "▫️ Amina Doe"
    ]
    await organizer.press_label("Amina Doe")
    assert buttons_of(organizer.last_message_with_buttons())[0][0] == "✅ Amina Doe"
    row_ = await db.fetch_one("SELECT method FROM attendance")
    assert row_ is not None and row_[0] == "organizer"
    await organizer.press_label("Amina Doe")
    assert await db.fetch_all("SELECT * FROM attendance") == []


async def test_feedback_once_and_changed(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Attendees rate 1-5 and may comment; a second rating changes the first; non-attendees
    and late answers are refused."""
    event_id = await setup_event(services, amina)
    clock.set(BEGIN + timedelta(hours=2))
    calls = await amina.press(Rate(event_id, 4).pack(), message_id=1)
    assert texts(calls) == ["Only participants who attended can rate this session."]
    await db.write(lambda u: u.attendance.record(event_id, amina.user.id, "button", BEGIN))
    [thanks] = texts(await amina.press(Rate(event_id, 4).pack(), message_id=1))
    assert thanks.startswith("Thank you! Your rating: 4 of 5.")
    assert texts(await amina.send("Very practical, thank you")) == ["Thank you for your comment."]
    [changed] = texts(await amina.press(Rate(event_id, 5).pack(), message_id=1))
    assert changed.startswith("Your rating is now 5 of 5.")
    assert texts(await amina.send("/skip")) == ["Thank you!"]
    row_ = await db.fetch_one("SELECT rating, comment FROM feedback")
    assert row_ is not None and tuple(row_) == (5, "Very practical, thank you")
    clock.advance(timedelta(days=8))
    assert texts(await amina.press(Rate(event_id, 1).pack(), message_id=1)) == [
        "Feedback for this session is closed."
    ]


async def test_statistics_on_a_known_data_set(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    """Known registrations, attendance and ratings give the expected figures and a chart;
    the attendance rate counts sessions that took place, and cancelled events count not."""
    event_id = await setup_event(services, amina, capacity="3")
    for user_id, country in ((4001, "FR"), (4002, "FR"), (4003, "BR")):
        await services.users.touch(Contact(user_id, "U", language_code="fr"))
        await services.profiles.save(user_id, Profile("U", country, "X"), "UTC")
        await services.registrations.sign_up(user_id, "flood")
    for user_id in (amina.user.id, 4001):
        rating = 3 if user_id == 4001 else 4

        def attend_and_rate(uow: UnitOfWork, user_id: int = user_id, rating: int = rating) -> None:
            uow.attendance.record(event_id, user_id, "button", BEGIN)
            uow.attendance.save_rating(event_id, user_id, rating, BEGIN)

        await db.write(attend_and_rate)
    await services.programme.import_now(programme([row("gone", BEGIN)]), None)
    await services.registrations.sign_up(4001, "gone")
    gone = await db.read(lambda u: u.events.by_code("gone"))
    assert gone is not None
    await services.events.cancel(gone, 5001)
    await organizer.settle(language="en")
    [overall] = texts(await organizer.send("/stats"))
    assert overall.startswith(  # before the session: no attendance rate yet
        "Programme statistics: 1 event\nregistered: 3 · waitlist: 1 · "
        "attended: 2 · feedback: 3.5 of 5 (2 answers)"
    )
    assert "• Kenya: 1 registered, 1 attended" in overall
    assert "• France: 2 registered, 1 attended" in overall
    assert "• Climate change: 3 registered, 2 attended" in overall
    calls = await organizer.send("/stats flood")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.files["photo"][1].startswith(b"\x89PNG\r\n\x1a\n")
    await services.registrations.forget(amina.user.id)  # anonymous counts remain
    [after] = texts(await organizer.send("/stats"))
    # she attended: her registration and attendance stay as counts, her seat stays taken,
    # and the breakdowns still add up
    assert "registered: 3 · waitlist: 1 · attended: 2" in after
    assert "• unknown or erased: 1 registered, 1 attended" in after
    clock.set(BEGIN + timedelta(hours=2))
    [held] = texts(await organizer.send("/stats"))
    assert "registered: 3 · waitlist: 1 · attended: 2 · attendance rate: 67%" in held


async def test_participants_are_refused_everywhere(amina: ChatDriver, services: Services) -> None:
    """Organizer attendance and statistics tools refuse participants."""
    await setup_event(services, amina)
    for command in ("/checkincode flood", "/attendance flood", "/stats", "/stats flood"):
        assert texts(await amina.send(command)) == [REFUSAL], command
    calls = await amina.press(ToggleAttendance(1, 1, 0).pack(), message_id=1)
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_a_chart_for_a_chinese_speaking_organizer(
    organizer: ChatDriver, amina: ChatDriver, services: Services
) -> None:
    """Chinese names and title on a server without a Chinese font: the chart is still drawn
    (codes stand in for what cannot be drawn) instead of failing or showing boxes."""
    await setup_event(services, amina, capacity="3")
    await organizer.settle(language="zh")
    calls = await organizer.send("/stats flood")
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.files["photo"][1].startswith(b"\x89PNG\r\n\x1a\n")


async def test_people_marked_present_after_the_session_are_asked_for_feedback_once(
    amina: ChatDriver, organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Amina checked in and is asked at the end; Kofi, found in the report imported the next
    morning, is asked then; nobody is asked twice."""
    kofi = chat_as(amina.app, amina.emulator, id=1002, first_name="Kofi")
    event_id = await setup_event(services, amina, kofi)
    await db.write(lambda u: u.attendance.record(event_id, amina.user.id, "button", BEGIN))
    clock.set(BEGIN + timedelta(hours=1))
    assert await services.reminders.fire(Job(FEEDBACK, event_id, 0, clock.now())) == 1
    clock.set(BEGIN + timedelta(hours=14))
    report = b"email\n1001@x.org\n1002@x.org\n"
    await organizer.send_document("report.csv", report, "flood")
    recipients = await db.fetch_all(
        "SELECT d.user_id FROM deliveries d JOIN campaigns c USING (campaign_id)"
        " WHERE c.kind = 'feedback' ORDER BY d.delivery_id"
    )
    assert [r[0] for r in recipients] == [amina.user.id, 1002]


CHATTER = [  # what people write during a session, in the bot's six scripts and more
    "Merci, à bientôt !",
    "hello",
    "is the link working?",
    "شكرا",
    "Здравствуйте",
    "谢谢老师",
    "¿Dónde está el enlace?",
    "thanks",  # six letters, like a code, but no digits
    "👍👍👍",
    "\u200fمرحبا\u200f",  # with right-to-left marks
    "x" * 4000,
]


async def test_chatting_during_a_check_in_never_locks_anyone_out(
    amina: ChatDriver, organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Ordinary messages get the usual answer and a hint, count as no attempt, and the code
    then works at once; only code-like wrong tries slow someone down."""
    await setup_event(services, amina)
    await organizer.settle(language="en")
    await organizer.send("/checkincode flood M5EMP7")
    clock.set(BEGIN + timedelta(minutes=5))
    for text in CHATTER:
        [reply] = texts(await amina.send(text))
        assert reply.startswith("I understand commands and buttons."), text
        assert "To check in for “\u2068Session flood\u2069”, send the session code" in reply, text
    assert await db.fetch_all("SELECT * FROM checkin_failures") == []
    [done] = texts(await amina.send("m5emp7"))
    assert done.startswith("You are checked in")


@pytest.mark.parametrize(
    "typed",
    [
        "Ｍ５ＥＭＰ７",  # full-width, as Chinese keyboards type it
        "М5ЕМР7",  # Cyrillic М, Е, М, Р
        "Μ5ΕΜΡ7",  # Greek capitals
        "m5 emp-7",
        "\u200fM5EMP7\u200f",  # right-to-left marks around it
        " M5EMP7\n",
    ],
)
async def test_the_code_however_it_is_typed(
    typed: str,
    amina: ChatDriver,
    organizer: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    await setup_event(services, amina)
    await organizer.settle(language="en")
    await organizer.send("/checkincode flood M5EMP7")
    clock.set(BEGIN + timedelta(minutes=5))
    [done] = texts(await amina.send(typed))
    assert done == "You are checked in for “\u2068Session flood\u2069”. Enjoy the session!"
    assert await db.fetch_one("SELECT method FROM attendance") == ("code",)


async def test_wrong_codes_lock_out_until_a_time_in_the_user_s_zone(
    amina: ChatDriver, organizer: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    await setup_event(services, amina)
    await services.users.choose_timezone(amina.user.id, "Asia/Tokyo")
    await organizer.settle(language="en")
    await organizer.send("/checkincode flood M5EMP7")
    clock.set(BEGIN + timedelta(minutes=5))
    for _ in range(2):
        assert texts(await amina.send("K7QX2M")) == [
            "That is not the session code. Please check it and try again."
        ]
    [slow] = texts(await amina.send("К7QХ2М"))  # look-alikes of another wrong code
    wait_until = (BEGIN + timedelta(minutes=5, seconds=3) + timedelta(minutes=1)).astimezone(
        ZoneInfo("Asia/Tokyo")
    )
    shown = f"{wait_until:%-I:%M:%S}\u202f{wait_until:%p}"
    assert slow == f"Too many wrong codes. Please wait until {shown} and try again."


async def test_the_right_code_from_the_waitlist_says_there_is_no_seat(
    amina: ChatDriver, services: Services, organizer: ChatDriver, clock: FrozenClock, db: Store
) -> None:
    late = chat_as(amina.app, amina.emulator, id=4242, first_name="Late", language_code="en")
    await setup_event(services, amina, capacity="1")
    await late.settle(language="en")
    await services.profiles.save(4242, Profile("Late Comer", "KE", "Nairobi"), "UTC")
    await services.registrations.sign_up(4242, "flood")  # waitlisted: Amina has the seat
    await organizer.settle(language="en")
    await organizer.send("/checkincode flood M5EMP7")
    clock.set(BEGIN + timedelta(minutes=5))
    [chat] = texts(await late.send("hello"))  # no seat anywhere: no check-in hint
    assert chat == "I understand commands and buttons. Send /help to see what I can do."
    [reply] = texts(await late.send("M5EMP7"))
    assert reply.startswith(
        "That is the code of “\u2068Session flood\u2069”, but you are on its waitlist"
    )
    assert await db.fetch_all("SELECT * FROM attendance") == []


async def test_the_check_in_pop_up_shows_the_title_as_written(
    amina: ChatDriver, services: Services, clock: FrozenClock, db: Store
) -> None:
    """Button notices are plain text: "Q&A", never "Q&amp;A"."""
    event_id = await setup_event(services, amina)
    await services.programme.import_now(
        programme([row("flood", BEGIN, title="Q&A <live> on floods")]), None
    )
    clock.set(BEGIN)
    calls = await amina.press(CheckInHere(event_id).pack(), message_id=1)
    [popup] = [c.params["text"] for c in calls if c.method == "answerCallbackQuery"]
    assert popup == "You are checked in for “Q&A <live> on floods”. Enjoy the session!"


async def test_opening_a_running_session(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """A registered participant who opens a session that started sees that they are
    registered, the join link and the check-in button; someone left on the waitlist is told."""
    event_id = await setup_event(services, amina, capacity="1")
    late = chat_as(amina.app, amina.emulator, id=4343, first_name="Late", language_code="en")
    await late.settle(language="en")
    await services.profiles.save(4343, Profile("Late Comer", "KE", "Nairobi"), "UTC")
    await services.registrations.sign_up(4343, "flood")  # waitlisted
    clock.set(BEGIN + timedelta(minutes=20))
    [card] = texts(await amina.send("/start flood"))
    assert "The session is under way until" in card
    assert "✅ You are registered." in card and "Join link: https://" in card
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert labels[0] == "I am here: check in"
    pressed = dict(buttons_of(amina.last_message_with_buttons()))
    assert pressed["I am here: check in"] == CheckInHere(event_id).pack()
    await amina.press(CheckInHere(event_id).pack())
    [checked] = texts(await amina.send("/start flood"))
    assert "✅ You are checked in." in checked and "Join link: https://" in checked
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert "I am here: check in" not in labels
    calls = await amina.send("/my")
    [mine] = texts(calls)
    assert "happening now · ✅ You are checked in." in mine
    assert not any(c.params.get("reply_markup") for c in calls)  # nothing left to press
    [waiting] = texts(await late.send("/start flood"))
    assert "You were on the waitlist, and no seat was free at the start." in waiting
    assert "Join link" not in waiting


async def test_statistics_count_attendance_of_registrants_only(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Someone in the session from the waitlist attended without a seat: counted apart, so
    there are never more attendees than registrants."""
    event_id = await setup_event(services, amina, capacity="1")
    await services.users.touch(Contact(4444, "Wait"))
    await services.registrations.sign_up(4444, "flood")  # waitlisted
    await db.write(lambda u: u.attendance.record(event_id, amina.user.id, "code", BEGIN))
    await db.write(lambda u: u.attendance.record(event_id, 4444, "import", BEGIN))
    await organizer.settle(language="en")
    clock.set(BEGIN + timedelta(hours=2))
    [stats] = texts(await organizer.send("/stats flood"))[:1]
    assert "registered: 1" in stats and "attended: 1" in stats
    assert "attended without a seat: 1" in stats
    assert "attendance rate: 100%" in stats
