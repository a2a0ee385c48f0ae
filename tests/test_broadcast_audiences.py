"""The audiences "attended session X" and "registered but did not attend X" in /broadcast:
follow-ups and no-show reminders, only for sessions that have taken place."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator, FakeUser
from bot.models import Audience, AudienceKind, Contact
from bot.services.container import Services
from tests.conftest import ORGANIZER_ID, START, ChatDriver, texts
from tests.programme_files import programme, row
from tests.store import Store

BEGINS = START + timedelta(days=1)  # the session: an hour from then
ATTENDED = (901, 902)  # confirmed and marked present: by the organizer, by check-in
ABSENT = 903  # confirmed, never marked present
WAITLISTED = 904  # no place, not present
CANCELLED = 905  # gave their place up


async def held_session(services: Services, db: Store, emulator: BotApiEmulator) -> int:
    """A session of three seats with its three confirmed, one waiting and one who left; the
    event's id (nobody is marked present yet)."""
    await services.programme.import_now(programme([row("flood", BEGINS, capacity="3")]), None)
    for user_id in (*ATTENDED, ABSENT, CANCELLED, WAITLISTED):
        await services.users.touch(Contact(user_id, f"P{user_id}", language_code="en"))
        emulator.user_message(FakeUser(id=user_id), "/start")
        await services.registrations.sign_up(user_id, "flood")
    await services.registrations.cancel(CANCELLED, "flood")  # from the waitlist
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    statuses = await db.fetch_all(
        "SELECT user_id, status FROM registrations WHERE event_id = ? ORDER BY user_id",
        (event.event_id,),
    )
    assert statuses == [
        (901, "confirmed"),
        (902, "confirmed"),
        (903, "confirmed"),
        (904, "waitlisted"),
        (905, "cancelled"),
    ]
    return event.event_id


async def choose(organizer: ChatDriver, label: str, code: str = "flood") -> list[str]:
    await organizer.send("/broadcast")
    await organizer.press_label(label)
    return texts(await organizer.send(code))


async def test_attendees_and_no_shows_are_refused_before_the_session(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """Before the start nobody has attended or missed the session: the organizer is told
    when it starts and asked for another code; a cancelled session is refused likewise;
    nothing is queued."""
    await organizer.settle(language="en", timezone="Africa/Nairobi")
    event_id = await held_session(services, db, emulator)
    refusal = (
        "“Session flood” has not started yet (it starts Nov 29, 2026, 12:00\u202fPM · Nairobi "
        "(UTC+03:00)), so nobody has attended it or missed it. Send the code of a session "
        "that has taken place."
    )
    assert await choose(organizer, "People who attended a session") == [refusal]
    assert await choose(organizer, "Registered but did not attend") == [refusal]
    assert texts(await organizer.send("nope")) == [
        "There is no event with the code \u2068nope\u2069."
    ]  # still asking for a code
    event = await services.events.by_id(event_id)
    assert event is not None
    await services.events.cancel(event, ORGANIZER_ID)
    assert await db.fetch_all("SELECT * FROM campaigns WHERE kind = 'broadcast'") == []
    assert texts(await organizer.send("flood")) == [
        "“Session flood” was cancelled: nobody attended it or missed it."
    ]


async def test_attendees_and_no_shows_get_exactly_their_message(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    clock: FrozenClock,
) -> None:
    """After the session: the follow-up reaches the two marked present (by the organizer's
    mark and by check-in), the no-show reminder the one confirmed person not marked; the
    waitlisted and the cancelled get neither. /broadcasts names both audiences."""
    await organizer.settle(language="en")
    event_id = await held_session(services, db, emulator)
    clock.advance(BEGINS + timedelta(minutes=10) - clock.now())
    assert (await services.attendance.check_in(902, event_id, "button")).outcome.value == (
        "recorded"
    )
    clock.advance(timedelta(hours=2))
    event = await services.events.by_id(event_id)
    assert event is not None
    assert await services.attendance.mark(event, 901, True, ORGANIZER_ID)
    size = services.broadcasts.audience_size
    assert await size(Audience(AudienceKind.ATTENDEES, event_id)) == 2
    assert await size(Audience(AudienceKind.NO_SHOWS, event_id)) == 1

    await choose(organizer, "People who attended a session")
    await organizer.send("Thank you for coming: the slides.")
    [summary, *_] = texts(await organizer.press_label("Preview"))
    assert summary.split("\n")[:2] == [
        "To: People who attended a session: Session flood",
        "2 recipients",
    ]
    await organizer.press_label("Send")
    await choose(organizer, "Registered but did not attend")
    await organizer.send("We missed you: the recording.")
    [summary, *_] = texts(await organizer.press_label("Preview"))
    assert "1 recipient\n" in summary
    await organizer.press_label("Send")
    for _ in range(3):  # a second apart: 901 is also asked for feedback (marked late)
        await services.delivery.drain_once()
        clock.advance(timedelta(seconds=2))

    def got(user_id: int) -> list[str]:
        return [
            text
            for text in texts(emulator.sent_to(user_id))
            if text in ("Thank you for coming: the slides.", "We missed you: the recording.")
        ]

    assert got(901) == got(902) == ["Thank you for coming: the slides."]
    assert got(ABSENT) == ["We missed you: the recording."]
    assert got(WAITLISTED) == got(CANCELLED) == []
    [listing] = texts(await organizer.send("/broadcasts"))
    assert "To: Registered but did not attend a session: Session flood (flood)" in listing
    assert "To: People who attended a session: Session flood (flood)" in listing
