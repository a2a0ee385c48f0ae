"""Organizer changes that concern people say so before Confirm: a capacity under the number
confirmed, a capacity that gives the waitlist seats, a move; /restoreevent undoes a
cancellation."""

from __future__ import annotations

from datetime import timedelta

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.models import Contact, Event
from bot.services.container import Services
from bot.services.registrations import SignUp
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)  # Nov 30, 2026, 09:00 UTC: 12:00 in Nairobi
ZONE = "Africa/Nairobi"
STALE = "This button is no longer active."
REFUSAL = "Sorry, this is only for the programme’s organizers."
TITLE = "\u2068Session a\u2069"  # as a title is isolated in organizer messages
WHEN = "Nov 30, 2026, 12:00\u202fPM · Nairobi (UTC+03:00)"


async def publish(services: Services, capacity: str = "18") -> Event:
    await services.programme.import_now(
        programme([row("a", SOON, capacity=capacity)]), admin_id=None
    )
    listing = await services.events.find("a")
    assert listing is not None
    return listing.event


async def current(services: Services) -> Event:
    listing = await services.events.find("a")
    assert listing is not None
    return listing.event


async def sign_up(services: Services, user_ids: range) -> list[SignUp]:
    outcomes = []
    for user_id in user_ids:
        await services.users.touch(Contact(user_id, f"P{user_id}"))
        outcomes.append((await services.registrations.sign_up(user_id, "a")).outcome)
    return outcomes


async def statuses(db: Store) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM registrations GROUP BY status")
    return {str(status): int(count) for status, count in rows}


async def status_of(db: Store, user_id: int) -> str:
    found = await db.fetch_one("SELECT status FROM registrations WHERE user_id = ?", (user_id,))
    assert found is not None
    return str(found[0])


async def event_row(db: Store) -> tuple[int | None, str, str]:
    """(capacity, start in UTC as stored, status) of event a."""
    found = await db.fetch_one("SELECT capacity, starts_at, status FROM events WHERE code = 'a'")
    assert found is not None
    return found[0], found[1], found[2]


async def deliveries(db: Store, kind: str) -> list[int]:
    """The number of deliveries of each campaign of `kind`, oldest first."""
    rows = await db.fetch_all(
        "SELECT (SELECT COUNT(*) FROM deliveries d WHERE d.campaign_id = c.campaign_id)"
        " FROM campaigns c WHERE kind = ? ORDER BY campaign_id",
        (kind,),
    )
    return [int(count) for (count,) in rows]


async def audited(db: Store, action: str) -> int:
    found = await db.fetch_one("SELECT COUNT(*) FROM admin_audit WHERE action = ?", (action,))
    assert found is not None
    return int(found[0])


def labels(chat: ChatDriver) -> list[str]:
    return [label for label, _ in buttons_of(chat.last_message_with_buttons())]


async def ask(chat: ChatDriver, field: str, value: str | None = None) -> list[str]:
    """/editevent a, the field's button, and the value typed (if any): what the bot said
    after the field was chosen."""
    await chat.send("/editevent a")
    replies = texts(await chat.press_label(field))
    if value is not None:
        replies = texts(await chat.send(value))
    return replies


# -- Capacity ---------------------------------------------------------------------------------


async def test_a_capacity_under_the_confirmed_count_is_explained_before_it_is_saved(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """18 confirmed and 4 waiting, seats set to 15: the question says nobody loses a seat and
    the waitlist waits; Keep changes nothing, Confirm saves and demotes nobody."""
    await publish(services)
    await sign_up(services, range(2001, 2023))
    await organizer.settle(language="en")
    [question] = await ask(organizer, "Seats", "15")
    assert question.splitlines() == [
        f"Set “{TITLE}” to 15 seats?",
        "18 people are confirmed.",
        "Nobody loses their seat, but nobody new gets one until fewer than 15 people are "
        "confirmed: new sign-ups join the waitlist.",
        "4 people on the waitlist stay waiting.",
    ]
    assert labels(organizer) == ["Confirm", "Keep as it is"]
    assert (await event_row(db))[0] == 18  # nothing saved while the question waits
    assert texts(await organizer.press_label("Keep as it is")) == ["Nothing was changed."]
    assert (await event_row(db))[0] == 18
    assert await audited(db, "edit-event") == 0

    await ask(organizer, "Seats", "15")
    saved = texts(await organizer.press_label("Confirm"))
    assert saved[0] == "Saved." and "Full, waitlist open" in saved[1]  # then the card
    assert (await event_row(db))[0] == 15
    assert await statuses(db) == {"confirmed": 18, "waitlisted": 4}
    assert await audited(db, "edit-event") == 1


async def test_under_the_confirmed_count_sign_ups_wait_and_cancellations_promote_nobody(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """With 18 confirmed and 15 seats: a new sign-up joins the waitlist, and nobody moves up
    until fewer than 15 are confirmed; then the first in line gets the seat."""
    await publish(services)
    await sign_up(services, range(2001, 2023))
    await organizer.settle(language="en")
    await ask(organizer, "Seats", "15")
    await organizer.press_label("Confirm")
    assert await sign_up(services, range(2023, 2024)) == [SignUp.WAITLISTED]
    for user_id in (2001, 2002, 2003):  # 18 -> 15 confirmed: still no seat free
        await services.registrations.cancel(user_id, "a")
    assert await statuses(db) == {"confirmed": 15, "waitlisted": 5, "cancelled": 3}
    assert await deliveries(db, "promotion") == []
    await services.registrations.cancel(2004, "a")  # 14 confirmed: one seat of 15 is free
    assert await statuses(db) == {"confirmed": 15, "waitlisted": 4, "cancelled": 4}
    assert await status_of(db, 2019) == "confirmed"  # the first in line
    assert await deliveries(db, "promotion") == [1]


async def test_more_seats_say_how_many_leave_the_waitlist(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Raising the capacity of a full event gives people on the waitlist seats, and they are
    told: the question says how many, and Confirm does it; no limit takes everyone."""
    await publish(services)
    await sign_up(services, range(2001, 2023))
    await organizer.settle(language="en")
    [question] = await ask(organizer, "Seats", "20")
    assert question.splitlines() == [
        f"Set “{TITLE}” to 20 seats?",
        "18 people are confirmed.",
        "2 people on the waitlist will get a seat and be told.",
        "2 people on the waitlist stay waiting.",
    ]
    assert await deliveries(db, "promotion") == []
    await organizer.press_label("Confirm")
    assert await statuses(db) == {"confirmed": 20, "waitlisted": 2}
    assert await deliveries(db, "promotion") == [1, 1]

    await ask(organizer, "Seats")
    [question] = texts(await organizer.press_label("No limit"))
    assert question.splitlines() == [
        f"Remove the seat limit of “{TITLE}”?",
        "20 people are confirmed.",
        "2 people on the waitlist will get a seat and be told.",
    ]
    await organizer.press_label("Confirm")
    assert await event_row(db) == (None, "2026-11-30T09:00:00+00:00", "scheduled")
    assert await statuses(db) == {"confirmed": 22}


async def test_a_change_that_concerns_nobody_is_saved_at_once(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """More seats with nobody waiting, fewer seats above the confirmed count: "Saved." with
    no question."""
    await publish(services)
    await sign_up(services, range(2001, 2004))
    await organizer.settle(language="en")
    assert (await ask(organizer, "Seats", "30"))[0] == "Saved."
    assert (await ask(organizer, "Seats", "3"))[0] == "Saved."
    assert (await event_row(db))[0] == 3


async def test_a_value_typed_under_the_question_replaces_it(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Seats 15, then 10 typed while the first question waits: the first question's Confirm
    no longer saves anything (it named 15); the second one's saves 10."""
    await publish(services)
    await sign_up(services, range(2001, 2023))
    await organizer.settle(language="en")
    await ask(organizer, "Seats", "15")
    first = organizer.last_message_with_buttons()["message_id"]
    [question] = texts(await organizer.send("10"))
    assert question.startswith(f"Set “{TITLE}” to 10 seats?")
    second = organizer.last_message_with_buttons()["message_id"]
    assert texts(await organizer.press("ecf:yes:a", message_id=first)) == [STALE]
    assert (await event_row(db))[0] == 18
    [bad] = texts(await organizer.send("many"))  # explained, with the question and its button
    assert bad.startswith("The capacity must be a whole number")
    assert bad.endswith("How many seats? Send a number, or choose:")
    await organizer.press("ecf:yes:a", message_id=second)  # the open Confirm still saves
    assert (await event_row(db))[0] == 10


# -- Moving a session -------------------------------------------------------------------------


async def test_a_move_says_when_and_how_many_will_be_told_before_confirm(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """The old and new time in the organizer's zone and the number signed up (confirmed and
    waitlisted); the notices are queued only on Confirm, to all of them."""
    await publish(services, capacity="2")
    await sign_up(services, range(2001, 2004))  # 2 confirmed, 1 waiting
    await organizer.settle(language="en", timezone=ZONE)
    [question] = await ask(organizer, "Start", "2026-12-05 10:00")
    assert question.splitlines() == [
        f"Move “{TITLE}”?",
        f"From: {WHEN}",
        "To: Dec 5, 2026, 10:00\u202fAM · Nairobi (UTC+03:00)",
        "The 3 people signed up will be told.",
    ]
    assert texts(await organizer.press_label("Keep as it is")) == ["Nothing was changed."]
    assert await event_row(db) == (2, "2026-11-30T09:00:00+00:00", "scheduled")
    assert await deliveries(db, "moved") == []

    await ask(organizer, "Start", "2026-12-05 10:00")
    saved = texts(await organizer.press_label("Confirm"))
    assert saved[0] == (
        "Saved.\nThat is Saturday, December 5, 2026, 10:00\u202fAM · Nairobi (UTC+03:00)."
    )
    assert await event_row(db) == (2, "2026-12-05T07:00:00+00:00", "scheduled")
    assert await deliveries(db, "moved") == [3]
    assert await audited(db, "edit-event") == 1


async def test_moving_a_session_nobody_signed_up_for(
    organizer: ChatDriver, services: Services
) -> None:
    """The question still shows both times, and says nobody will be told."""
    await publish(services)
    await organizer.settle(language="en", timezone=ZONE)
    [question] = await ask(organizer, "Start", "2026-12-05 10:00")
    assert question.splitlines()[-1] == "Nobody has signed up, so nobody will be told."


async def test_a_session_held_is_not_moved_and_a_start_that_passed_is_not_saved(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Start of a session that is over: a clear answer on the button, and the other fields
    can still be chosen. A new start that passed while the question waited: refused on
    Confirm, nothing saved, nobody told."""
    await publish(services)
    await organizer.settle(language="en", timezone=ZONE)
    await ask(organizer, "Start", "2026-11-28 12:20")  # 20 minutes ahead
    clock.advance(timedelta(minutes=25))
    [answer] = texts(await organizer.press_label("Confirm"))
    assert answer == "The start “Nov 28, 2026, 12:20\u202fPM · Nairobi (UTC+03:00)” is in the past."
    assert (await event_row(db))[1] == "2026-11-30T09:00:00+00:00"
    assert await deliveries(db, "moved") == []

    clock.set(SOON + timedelta(hours=2))
    await organizer.send("/editevent a")
    [refused] = texts(await organizer.press_label("Start"))
    assert refused == "This session is over, so it can no longer be moved."
    assert texts(await organizer.press_label("Join link"))[-1].startswith("What is the link")


async def test_a_running_session_can_still_be_postponed(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Started a few minutes ago (the speaker is missing): it can be moved to later."""
    await publish(services)
    await organizer.settle(language="en", timezone=ZONE)
    clock.set(SOON + timedelta(minutes=5))
    await ask(organizer, "Start", "2026-12-01 12:00")
    await organizer.press_label("Confirm")
    assert (await event_row(db))[1] == "2026-12-01T09:00:00+00:00"


# -- /restoreevent ----------------------------------------------------------------------------


def event_jobs(app: BotApplication, event_id: int) -> list[str]:
    assert app.job_queue is not None
    return sorted(
        job.name or "" for job in app.job_queue.jobs() if f":{event_id}:" in (job.name or "")
    )


async def test_restoreevent_brings_the_session_back_and_tells_everyone(
    app: BotApplication,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
) -> None:
    """Cancelled, then restored before its notice went: the registrations are as they were,
    the reminders are planned again, and the people signed up are told it takes place after
    all (not that it was cancelled); cancelled again later, they are told again."""
    event = await publish(services, capacity="2")
    people = [
        chat_as(app, emulator, id=i, first_name=f"P{i}", language_code="en") for i in (7, 8, 9)
    ]
    for person in people:
        await person.send("/my")  # their chats with the bot exist
        await services.registrations.sign_up(person.user.id, "a")
    await organizer.settle(language="en", timezone=ZONE)
    planned = event_jobs(app, event.event_id)
    assert len(planned) == 4  # two reminders, the start, the feedback
    assert texts(await organizer.send("/restoreevent a")) == [
        "This event is not cancelled: there is nothing to restore."
    ]
    await organizer.send("/cancelevent a")
    await organizer.press_label("Yes, cancel it")
    assert event_jobs(app, event.event_id) == []

    [question] = texts(await organizer.send("/restoreevent a"))
    assert question.splitlines() == [
        f"Restore “{TITLE}” on {WHEN}?",
        "3 registrations come back as they were: 2 confirmed, 1 on the waitlist.",
        "The 3 people signed up will be told that it takes place after all.",
    ]
    assert labels(organizer) == ["Yes, restore it", "No, leave it cancelled"]
    assert texts(await organizer.press_label("No, leave it cancelled")) == [
        "The event stays cancelled."
    ]
    assert (await event_row(db))[2] == "cancelled"

    await organizer.send("/restoreevent a")
    asking = organizer.last_message_with_buttons()
    yes = asking["message_id"]
    [yes_data] = [data for label, data in buttons_of(asking) if label == "Yes, restore it"]
    assert texts(await organizer.press_label("Yes, restore it")) == [
        f"“{TITLE}” takes place after all, on {WHEN}."
    ]
    assert (await event_row(db))[2] == "scheduled"
    assert await statuses(db) == {"confirmed": 2, "waitlisted": 1}
    assert await deliveries(db, "restored") == [3]
    assert await audited(db, "restore-event") == 1
    assert event_jobs(app, event.event_id) == planned

    await services.delivery.drain_once()
    first, second, third = (person.last_text() for person in people)
    assert first.splitlines()[0] == "Good news: “Session a” takes place after all."
    assert first.splitlines()[1].startswith("When: Monday, November 30, 2026")
    assert "Your seat is kept." == first.splitlines()[2] == second.splitlines()[2]
    assert third.splitlines()[-1] == "Your place on the waitlist is kept."
    told = [text for person in people for text in texts_of(person)]
    assert not any("has been cancelled" in text for text in told)  # withdrawn before it went

    again = await organizer.press(yes_data, message_id=yes)
    assert texts(again) == ["This event is not cancelled: there is nothing to restore."]
    assert await deliveries(db, "restored") == [3]

    await services.events.cancel(await current(services), ORGANIZER_ID)
    assert await deliveries(db, "cancelled") == [3, 3]
    await services.delivery.drain_once()
    assert people[0].last_text().startswith("We are sorry: “Session a”")


def texts_of(chat: ChatDriver) -> list[str]:
    return [str(message.get("text", "")) for message in chat.messages()]


async def test_restoreevent_refusals(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Too late once its start has passed (also for a Yes pressed after it); a participant's
    forged Yes is refused; unknown codes and a missing code are explained."""
    event = await publish(services)
    await services.events.cancel(event, ORGANIZER_ID)
    await organizer.settle(language="en")
    await organizer.send("/restoreevent a")
    clock.set(SOON + timedelta(minutes=1))
    late = "This session’s start has passed, so it cannot take place after all."
    assert texts(await organizer.press_label("Yes, restore it")) == [late]
    assert texts(await organizer.send("/restoreevent a")) == [late]
    assert (await event_row(db))[2] == "cancelled"

    forged = await amina.press("rse:yes:a:1798761600", message_id=1)
    assert [call.method for call in forged] == ["answerCallbackQuery"]
    assert texts(forged) == [REFUSAL]
    assert texts(await amina.send("/restoreevent a")) == [REFUSAL]
    assert texts(await organizer.press("rse:yes:nope:1798761600", message_id=1)) == [STALE]
    assert texts(await organizer.send("/restoreevent")) == [
        "Please add the event’s code: /restoreevent CODE"
    ]
    assert texts(await organizer.send("/restoreevent nope")) == [
        "There is no event with the code \u2068nope\u2069."
    ]
    assert (await event_row(db))[2] == "cancelled"
    assert await audited(db, "restore-event") == 0


async def test_admin_lists_restoreevent(organizer: ChatDriver) -> None:
    await organizer.settle(language="en")
    [menu] = texts(await organizer.send("/admin"))
    assert "/restoreevent – Undo a cancellation: /restoreevent CODE" in menu


async def test_a_yes_asked_before_a_restore_or_a_cancel_does_nothing_after_it(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Cancel, restore, then the first question's Yes pressed again (or another organizer's
    question left open): nothing happens and the organizer is asked to start again; people
    are not told a third time."""
    await publish(services)
    await organizer.settle(language="en")
    await organizer.send("/cancelevent a")
    old_cancel = organizer.last_message_with_buttons()
    [cancel_yes] = [d for label, d in buttons_of(old_cancel) if label == "Yes, cancel it"]
    await organizer.press(cancel_yes, message_id=old_cancel["message_id"])
    await organizer.send("/restoreevent a")
    old_restore = organizer.last_message_with_buttons()
    [restore_yes] = [d for label, d in buttons_of(old_restore) if label == "Yes, restore it"]
    await organizer.press(restore_yes, message_id=old_restore["message_id"])
    assert (await event_row(db))[2] == "scheduled"
    again = await organizer.press(cancel_yes, message_id=old_cancel["message_id"])
    assert texts(again) == [
        "The event changed since this question, so nothing was done. To go on, send "
        "/cancelevent a again."
    ]
    assert (await event_row(db))[2] == "scheduled"
    await services.events.cancel(await current(services), ORGANIZER_ID)
    again = await organizer.press(restore_yes, message_id=old_restore["message_id"])
    assert texts(again) == [
        "The event changed since this question, so nothing was done. To go on, send "
        "/restoreevent a again."
    ]
    assert (await event_row(db))[2] == "cancelled"
    # A Yes of the layout from before questions carried their time asks again too.
    legacy = await organizer.press("cx:yes:a", message_id=old_cancel["message_id"])
    assert texts(legacy) == ["This event has been cancelled."]
