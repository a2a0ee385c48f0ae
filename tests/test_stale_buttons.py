"""Old buttons: every button re-checks the state it acts on when it is pressed, not when it
was shown.

Each test keeps a button as the bot wrote it (its message and its data), changes the world
the way it changes in real life (organizers cancel or move the event, the session starts or
ends, seats fill up or free, the person gives their place up or erases their data, a report
is imported or undone, an organizer stops being one), then presses the old button and checks
what the person reads and what the database holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.devtools.emulator import ApiCall
from bot.i18n import Catalogs
from bot.models import Contact, Event, Profile
from bot.services.container import Services
from bot.services.organizers import PARTICIPANT, OrganizerRole, OrganizerService
from handlers.buttons import (
    BroadcastSend,
    ButtonData,
    CalendarFile,
    CancelEventAsked,
    CancelRegistration,
    CheckInHere,
    ConfirmCancelRegistration,
    ConfirmReportAttendee,
    EditEventField,
    EditEventNoLimit,
    EditProfile,
    EventCard,
    EventList,
    KeepThisEvent,
    MarkAttendance,
    NewEventSave,
    Rate,
    Register,
    RosterPage,
    StopBroadcast,
    UndoThisReport,
    parse_button,
)
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)  # "flood": SOON to SOON + 60 minutes
ZONE = "Africa/Nairobi"
STALE = "This button is no longer active."
REFUSAL = "Sorry, this is only for the programme’s organizers."
CANCELLED = "This event has been cancelled."
STARTED = "The session has started, so this registration can no longer be changed."
FLOOD = "\u2068Session flood\u2069"  # a title as messages isolate it
OTHER = 88  # someone else, who takes or frees a seat


@dataclass(frozen=True)
class Old:
    """A button as it was shown: the message that carries it and its data."""

    message_id: int
    data: str

    @property
    def button(self) -> ButtonData | None:
        return parse_button(self.data)


def kept(chat: ChatDriver, label: str) -> Old:
    """The newest button whose label contains `label`, kept to be pressed later."""
    for message in reversed(chat.messages()):
        for text, data in buttons_of(message):
            if label in text:
                return Old(message["message_id"], data)
    raise AssertionError(f"no button {label!r} in the chat")


async def press(chat: ChatDriver, old: Old) -> list[ApiCall]:
    return await chat.press(old.data, old.message_id)


def labels_of(chat: ChatDriver, message_id: int) -> list[str]:
    """The buttons the message shows now (after the bot edited it)."""
    message = next(m for m in chat.messages() if m["message_id"] == message_id)
    return [label for label, _ in buttons_of(message)]


async def publish(services: Services, capacity: str = "50") -> Event:
    await services.programme.import_now(
        programme([row("flood", SOON, capacity=capacity)]), admin_id=None
    )
    listing = await services.events.find("flood")
    assert listing is not None
    return listing.event


async def with_profile(chat: ChatDriver) -> None:
    await chat.settle(language="en")
    services: Services = chat.app.bot_data.services
    profile = Profile(f"{chat.user.first_name} Doe", "KE", "Nairobi", email=f"{chat.user.id}@x.org")
    await services.profiles.save(chat.user.id, profile, ZONE)


async def someone(services: Services, user_id: int = OTHER) -> int:
    await services.users.touch(Contact(user_id, f"U{user_id}"))
    await services.profiles.save(user_id, Profile(f"U{user_id}", "KE", "Nairobi"), "UTC")
    return user_id


async def status_of(db: Store, user_id: int, code: str = "flood") -> str | None:
    found = await db.fetch_one(
        "SELECT r.status FROM registrations r JOIN events e USING (event_id)"
        " WHERE e.code = ? AND r.user_id = ?",
        (code, user_id),
    )
    return None if found is None else str(found[0])


async def current(services: Services, code: str = "flood") -> Event:
    listing = await services.events.find(code)
    assert listing is not None
    return listing.event


async def campaigns(db: Store, kind: str) -> int:
    found = await db.fetch_one("SELECT COUNT(*) FROM campaigns WHERE kind = ?", (kind,))
    assert found is not None
    return int(found[0])


async def audited(db: Store, action: str) -> int:
    found = await db.fetch_one("SELECT COUNT(*) FROM admin_audit WHERE action = ?", (action,))
    assert found is not None
    return int(found[0])


def english() -> Catalogs:
    return Catalogs(default_language="en")


# -- The programme: the list, a card, its calendar file --------------------------------------


Change = Callable[[Services, FrozenClock], Awaitable[object]]


async def cancel_it(services: Services, clock: FrozenClock) -> None:
    await services.events.cancel(await current(services), ORGANIZER_ID)


async def move_it(services: Services, clock: FrozenClock) -> None:
    await services.events.change(
        await current(services), "starts_at", SOON + timedelta(days=3), ORGANIZER_ID
    )


async def end_it(services: Services, clock: FrozenClock) -> None:
    clock.set(SOON + timedelta(hours=2))


async def start_it(services: Services, clock: FrozenClock) -> None:
    clock.set(SOON + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (cancel_it, CANCELLED),
        (move_it, "Thursday, December 3, 2026"),  # the new start, in her zone
        (end_it, "This session is over."),
    ],
    ids=["cancelled", "moved", "over"],
)
async def test_an_old_list_s_card_button_shows_the_event_as_it_stands(
    amina: ChatDriver, services: Services, clock: FrozenClock, change: Change, expected: str
) -> None:
    """A button of an old list opens the card as a fresh look shows it, never the event as
    it was (nor as she saw its card before): a cancelled or finished event offers no
    Register button."""
    await publish(services)
    await with_profile(amina)
    await amina.send("/events")
    old = kept(amina, "Session flood")
    assert isinstance(old.button, EventCard)
    [before] = texts(await amina.send("/start flood"))
    await change(services, clock)
    [card] = texts(await press(amina, old))[-1:]
    assert expected in card
    shown = labels_of(amina, old.message_id)
    [fresh] = texts(await amina.send("/start flood"))
    assert card == fresh != before
    assert shown == [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    if change is not move_it:
        assert "Register" not in shown


async def test_an_old_next_page_after_the_list_got_shorter_shows_its_last_page(
    amina: ChatDriver, services: Services
) -> None:
    """Nine events make two pages; two are cancelled: an old "Next" shows the one page left."""
    await services.programme.import_now(
        programme([row(f"ev-{i}", SOON + timedelta(hours=i)) for i in range(9)]), None
    )
    await amina.settle(language="en")
    await amina.send("/events")
    old = kept(amina, "Next")
    assert old.button == EventList(None, 1)
    for code in ("ev-0", "ev-1"):
        await services.events.cancel(await current(services, code), ORGANIZER_ID)
    [page] = texts(await press(amina, old))
    assert "Page 1 of 1" in page
    assert "Session ev-8" in page and "Session ev-0" not in page


async def test_an_old_calendar_button_after_the_event_was_cancelled(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """No invitation to a cancelled event: the button says it is cancelled (it said the
    event no longer exists, which is not what happened)."""
    await publish(services)
    await with_profile(amina)
    await amina.send("/start flood")
    old = kept(amina, "Add to my calendar")
    assert old.button == CalendarFile("flood")
    await cancel_it(services, clock)
    calls = await press(amina, old)
    assert texts(calls) == [CANCELLED]
    assert "sendDocument" not in [call.method for call in calls]


async def test_an_old_calendar_button_after_the_event_moved_gives_the_new_time(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    await publish(services)
    await with_profile(amina)
    await amina.send("/start flood")
    old = kept(amina, "Add to my calendar")
    await move_it(services, clock)
    [document] = [c for c in await press(amina, old) if c.method == "sendDocument"]
    ics = document.files["document"][1].decode()
    assert "DTSTART:20261203T090000Z" in ics and "20261130" not in ics


# -- Registering --------------------------------------------------------------------------


async def fill_the_seat(services: Services, clock: FrozenClock) -> None:
    await services.registrations.sign_up(await someone(services), "flood")


async def free_the_seat(services: Services, clock: FrozenClock) -> None:
    await services.registrations.cancel(OTHER, "flood")


async def start_full(services: Services, clock: FrozenClock) -> None:
    await fill_the_seat(services, clock)
    await start_it(services, clock)


async def register_elsewhere(services: Services, clock: FrozenClock) -> None:
    await services.registrations.sign_up(1001, "flood")  # amina, from another card


@pytest.mark.parametrize(
    ("capacity", "taken", "change", "expected", "status"),
    [
        ("50", False, cancel_it, CANCELLED, None),
        (
            "1",
            False,
            fill_the_seat,
            f"“{FLOOD}” is full. You are number 1 on the waitlist; I will write to you as soon "
            "as a seat is free.",
            "waitlisted",
        ),
        ("1", True, free_the_seat, "You are registered for “Session flood”.", "confirmed"),
        (
            "1",
            False,
            start_full,
            f"“{FLOOD}” has started and has no free seat, so nobody can join it now.",
            None,
        ),
        ("50", False, end_it, "This session is over.", None),  # said by the card itself
        (
            "50",
            False,
            register_elsewhere,
            "You are already registered for “Session flood”.\nWhen: Monday",
            "confirmed",
        ),
        ("50", False, move_it, "When: Thursday, December 3, 2026", "confirmed"),
    ],
    ids=["cancelled", "full", "seat-freed", "started-full", "over", "registered", "moved"],
)
async def test_an_old_register_button_acts_on_the_event_as_it_is_now(
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    capacity: str,
    taken: bool,
    change: Change,
    expected: str,
    status: str | None,
) -> None:
    """Register (or "Join the waitlist") pressed after the event changed: the outcome is
    the one the event allows now, said as such, and the card is shown as it now stands (a
    refusal said on the card itself, in one message)."""
    await publish(services, capacity=capacity)
    if taken:
        await fill_the_seat(services, clock)
    await with_profile(amina)
    await amina.send("/start flood")
    old = kept(amina, "Join the waitlist" if taken else "Register")
    assert old.button == Register("flood")
    await change(services, clock)
    replies = texts(await press(amina, old))
    assert expected in replies[0], replies
    assert await status_of(db, amina.user.id) == status
    rows = await db.fetch_all("SELECT 1 FROM registrations WHERE user_id = ?", (amina.user.id,))
    assert len(rows) == (status is not None)
    [fresh] = texts(await amina.send("/start flood"))
    assert replies[-1].endswith(fresh)  # the pressed card, refreshed (below the reason)


@pytest.mark.parametrize(
    ("change", "expected", "status"),
    [
        (cancel_it, CANCELLED, None),
        (fill_the_seat, f"“{FLOOD}” is full. You are number 1 on the waitlist", "waitlisted"),
    ],
    ids=["cancelled", "full"],
)
async def test_the_last_profile_answer_after_the_event_changed(
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    change: Change,
    expected: str,
    status: str | None,
) -> None:
    """Register started the profile questions; the event changed while she answered them.
    Her last answer (Skip, for the email) saves the profile and then says what became of
    the registration: the event as it is now, not as it was when she pressed Register."""
    await publish(services, capacity="1")
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press(Register("flood").pack())
    for step in ("press:Use “Amina”", "Kenya", "Nairobi", "press:Skip", "press:Skip"):
        if step.startswith("press:"):
            await amina.press_label(step.removeprefix("press:"))
        else:
            await amina.send(step)
    assert amina.last_text().startswith("What is your email address")
    old = kept(amina, "Skip")
    await change(services, clock)
    reply, card = texts(await press(amina, old))
    assert reply.startswith(f"Thank you, your profile is saved.\n\n{expected}"), reply
    assert "Session flood" in card  # the card again, as it stands now
    assert await status_of(db, amina.user.id) == status
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None


# -- Giving a place up ----------------------------------------------------------------------


async def cancel_and_question(amina: ChatDriver) -> tuple[Old, Old]:
    """Her card's "Cancel my registration", and the "Yes" of the question it asks."""
    await amina.send("/start flood")
    cancel = kept(amina, "Cancel my registration")
    assert cancel.button == CancelRegistration("flood")
    await press(amina, cancel)
    yes = kept(amina, "Yes, cancel my registration")
    assert yes.button == ConfirmCancelRegistration("flood")
    return cancel, yes


@pytest.mark.parametrize("which", ["cancel", "yes"])
@pytest.mark.parametrize(
    ("change", "expected"),
    [(cancel_it, CANCELLED), (start_it, STARTED)],
    ids=["cancelled", "started"],
)
async def test_an_old_cancel_button_after_the_event_was_cancelled_or_started(
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    which: str,
    change: Change,
    expected: str,
) -> None:
    """Her registration is the record once the organizers cancelled the event or the session
    started: neither the card's Cancel nor the question's Yes changes it."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    cancel, yes = await cancel_and_question(amina)
    await change(services, clock)
    calls = await press(amina, cancel if which == "cancel" else yes)
    assert texts(calls) == [expected]
    assert await status_of(db, amina.user.id) == "confirmed"


async def give_up_from_my(amina: ChatDriver) -> None:
    await amina.send("/my")
    await amina.press_label("Cancel: Session flood")
    [done] = texts(await amina.press_label("Yes, cancel my registration"))
    assert done.startswith("Your registration for “")


async def forget_her(amina: ChatDriver) -> None:
    services: Services = amina.app.bot_data.services
    await services.registrations.forget(amina.user.id)


@pytest.mark.parametrize("which", ["cancel", "yes"])
@pytest.mark.parametrize("gone", [give_up_from_my, forget_her], ids=["given-up", "forgotten"])
async def test_an_old_cancel_button_after_the_registration_is_gone(
    amina: ChatDriver,
    services: Services,
    db: Store,
    which: str,
    gone: Callable[[ChatDriver], Awaitable[None]],
) -> None:
    """She gave her place up elsewhere (/my), or erased her data: the old Cancel does not
    ask whether she wants to give up a place she no longer has, and the old Yes says what
    her registration is (none) rather than that the button is no longer active, or that it
    is cancelled now."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    cancel, yes = await cancel_and_question(amina)
    await gone(amina)
    calls = await press(amina, cancel if which == "cancel" else yes)
    assert texts(calls) == [f"You are not registered for “{FLOOD}”. You can register from /events."]
    assert await status_of(db, amina.user.id) in ("cancelled", None)


@pytest.mark.parametrize("gone", [give_up_from_my, forget_her], ids=["given-up", "forgotten"])
async def test_an_old_yes_after_the_registration_is_gone_moves_nobody(
    amina: ChatDriver,
    services: Services,
    db: Store,
    gone: Callable[[ChatDriver], Awaitable[None]],
) -> None:
    """Her freed seat went to the first on the waitlist; pressing her old Yes afterwards
    changes no registration, hers or theirs, and tells nobody anything."""
    await publish(services, capacity="1")
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await services.registrations.sign_up(await someone(services), "flood")
    _, yes = await cancel_and_question(amina)
    await gone(amina)
    before = await db.fetch_all("SELECT user_id, status, updated_at FROM registrations")
    promotions = await campaigns(db, "promotion")
    calls = await press(amina, yes)
    assert "Give up your place" not in " ".join(texts(calls))
    assert await db.fetch_all("SELECT user_id, status, updated_at FROM registrations") == before
    assert await status_of(db, OTHER) == "confirmed"
    assert await campaigns(db, "promotion") == promotions == 1


async def test_leave_the_waitlist_after_a_promotion_asks_before_giving_the_seat_up(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Her card said "Leave the waitlist"; a seat came to her since. The old button asks
    first, as for any place, and the seat stays hers until she says yes."""
    await publish(services, capacity="1")
    await services.registrations.sign_up(await someone(services), "flood")
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await amina.send("/start flood")
    old = kept(amina, "Leave the waitlist")
    await services.registrations.cancel(OTHER, "flood")
    assert await status_of(db, amina.user.id) == "confirmed"
    assert texts(await press(amina, old)) == [f"Give up your place for “{FLOOD}”?"]
    assert await status_of(db, amina.user.id) == "confirmed"


async def test_an_old_profile_button_after_the_data_was_erased(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/profile's buttons after /forgetme: nothing to change, and nothing is stored again."""
    await with_profile(amina)
    await amina.send("/profile")
    old = kept(amina, "City")
    assert old.button == EditProfile("city")
    await forget_her(amina)
    assert texts(await press(amina, old)) == [STALE]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is None


# -- Check-in and feedback --------------------------------------------------------------------


async def forget_amina(services: Services, clock: FrozenClock) -> None:
    await services.registrations.forget(1001)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (cancel_it, CANCELLED),
        (move_it, "Check-in for “Session flood” opens at Dec 3, 2026, 11:45\u202fAM."),
        (forget_amina, "You are not registered for “Session flood”, so I cannot check you in."),
    ],
    ids=["cancelled", "moved", "forgotten"],
)
async def test_an_old_check_in_button(
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    change: Change,
    expected: str,
) -> None:
    """The check-in button of a running session, pressed after the organizers cancelled or
    postponed it, or after she erased her data: it says so and records nothing (a cancelled
    event was said to "no longer exist")."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    clock.set(SOON + timedelta(minutes=1))
    await amina.send("/my")
    old = kept(amina, "Check in: Session flood")
    assert isinstance(old.button, CheckInHere)
    await change(services, clock)
    [notice, _] = texts(await press(amina, old))
    assert notice == expected
    assert await db.fetch_all("SELECT * FROM attendance") == []


async def test_an_old_rating_after_the_report_that_marked_her_was_undone(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A report marked her present after the session and she was asked for feedback; the
    report was undone: her old stars are refused, as for anyone who did not attend."""
    event = await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await amina.send("/my")
    clock.set(SOON + timedelta(hours=3))
    report = f"email\n{amina.user.id}@x.org\n".encode()
    await services.attendance.import_report(event, report, ORGANIZER_ID)
    await services.delivery.drain_once()
    old = kept(amina, "5 ⭐")
    assert old.button == Rate(event.event_id, 5)
    await services.attendance.undo_report(event, ORGANIZER_ID)
    assert texts(await press(amina, old)) == [
        "Only participants who attended can rate this session."
    ]
    assert await db.fetch_all("SELECT * FROM feedback") == []


# -- Organizers: cancelling and changing an event ---------------------------------------------


async def ask_to_cancel(organizer: ChatDriver) -> tuple[Old, Old]:
    """The Yes and the No of a /cancelevent question."""
    await organizer.send("/cancelevent flood")
    yes, no = kept(organizer, "Yes, cancel it"), kept(organizer, "No, keep it")
    assert isinstance(yes.button, CancelEventAsked) and yes.button.code == "flood"
    assert no.button == KeepThisEvent("flood")
    return yes, no


async def test_an_old_yes_cancel_it_after_the_event_was_cancelled_cancels_once(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Two questions, the Yes of the second pressed: the Yes of the first says the event is
    cancelled, and registrants are told once."""
    await publish(services)
    await organizer.settle(language="en")
    first, _ = await ask_to_cancel(organizer)
    second, _ = await ask_to_cancel(organizer)
    assert texts(await press(organizer, second)) == [f"“{FLOOD}” is cancelled."]
    assert texts(await press(organizer, first)) == [CANCELLED]
    assert await campaigns(db, "cancelled") == 1
    assert await audited(db, "cancel-event") == 1


async def test_an_old_yes_cancel_it_after_the_session_is_over_changes_nothing(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The question was asked before the session, Yes pressed after it: a session that took
    place is not cancelled, and its registrants are not told it was (they were, before)."""
    await publish(services)
    await services.registrations.sign_up(await someone(services), "flood")
    await organizer.settle(language="en")
    yes, _ = await ask_to_cancel(organizer)
    await end_it(services, clock)
    assert texts(await press(organizer, yes)) == ["This session is over."]
    assert labels_of(organizer, yes.message_id) == []  # the question's buttons are gone
    assert not (await current(services)).is_cancelled
    assert await campaigns(db, "cancelled") == 0
    assert await audited(db, "cancel-event") == 0
    # and the same rule holds for a new question
    assert texts(await organizer.send("/cancelevent flood")) == ["This session is over."]


async def test_an_old_no_keep_it_after_the_event_was_cancelled_says_so(
    organizer: ChatDriver, services: Services
) -> None:
    """Its No said "The event was not cancelled." after the Yes of another question had
    cancelled it."""
    await publish(services)
    await organizer.settle(language="en")
    _, no = await ask_to_cancel(organizer)
    yes, _ = await ask_to_cancel(organizer)
    await press(organizer, yes)
    assert texts(await press(organizer, no)) == [CANCELLED]
    assert (await current(services)).is_cancelled


async def seats_question(organizer: ChatDriver) -> Old:
    await organizer.send("/editevent flood")
    seats = kept(organizer, "Seats")
    assert seats.button == EditEventField("capacity")
    return seats


@pytest.mark.parametrize("step", ["field", "no-limit", "typed"])
async def test_an_edit_begun_before_another_organizer_cancelled_changes_nothing(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock, step: str
) -> None:
    """/editevent was open when the event was cancelled elsewhere: choosing the field,
    pressing "No limit" or typing the value says it is cancelled, and the event keeps its
    seats (an edit used to go through, unlike a programme import, which leaves a cancelled
    event as it is)."""
    await publish(services)
    await organizer.settle(language="en")
    seats = await seats_question(organizer)
    if step != "field":
        await press(organizer, seats)
    no_limit = kept(organizer, "No limit") if step == "no-limit" else None
    await cancel_it(services, clock)
    if step == "field":
        calls = await press(organizer, seats)
    elif no_limit is not None:
        assert no_limit.button == EditEventNoLimit()
        calls = await press(organizer, no_limit)
    else:
        calls = await organizer.send("80")
    assert texts(calls)[-1] == CANCELLED
    assert (await current(services)).capacity == 50
    assert await audited(db, "edit-event") == 0
    assert texts(await organizer.send("80")) != [CANCELLED]  # the edit is over
    assert texts(await organizer.send("/editevent flood")) == [CANCELLED]


async def test_save_after_the_start_has_passed_asks_for_the_start_again(
    organizer: ChatDriver, db: Store, clock: FrozenClock
) -> None:
    """The preview waited while its start (20 minutes ahead) came: Save stores nothing, says
    why and asks for the start again; the new start leads back to the preview."""
    await organizer.settle(language="en", timezone=ZONE)
    steps = ["/newevent", "Quick huddle", "press:Other topics", "2026-11-28 12:20", "30"]
    steps += ["press:No limit", "press:English", "press:I will add it later", "press:Skip"]
    steps += ["press:Use quick-huddle"]  # the code proposed from the title
    for step in steps:
        if step.startswith("press:"):
            await organizer.press_label(step.removeprefix("press:"))
        else:
            await organizer.send(step)
    save = kept(organizer, "Save")
    assert save.button == NewEventSave()
    clock.advance(timedelta(minutes=25))
    replies = texts(await press(organizer, save))
    assert replies[0] == (
        "The start “Nov 28, 2026, 12:20\u202fPM · Nairobi (UTC+03:00)” is in the past."
    ), replies
    assert replies[1].startswith("When does it start?")
    assert await db.fetch_all("SELECT code FROM events") == []
    [preview] = texts(await organizer.send("2026-11-28 15:00"))
    assert preview.startswith("Please check the event:")
    [saved] = texts(await organizer.press_label("Save"))
    assert saved.startswith("Saved. The event’s code is quick-huddle ")
    found = await db.fetch_all("SELECT starts_at FROM events")
    assert found == [("2026-11-28T12:00:00+00:00",)]


# -- Organizers: broadcasts -------------------------------------------------------------------


async def draft_and_preview(organizer: ChatDriver, text: str) -> tuple[Old, Old]:
    """A broadcast to everyone, previewed: the preview's Send and Cancel."""
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    await organizer.send(text)
    await organizer.press_label("Preview")
    send, discard = kept(organizer, "Send"), kept(organizer, "Cancel")
    assert send.button == BroadcastSend() and send.message_id == discard.message_id
    return send, discard


async def test_send_under_an_old_preview_is_not_the_new_draft_s(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """The organizer previewed one message, then began another /broadcast: Send under the
    first preview sent the second message. It sends nothing now; the new draft goes only
    from its own preview, once."""
    await organizer.settle(language="en")
    await someone(services)
    old_send, old_discard = await draft_and_preview(organizer, "First text")
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    await organizer.send("Second text")
    await organizer.press_label("Preview")
    assert texts(await press(organizer, old_send)) == [STALE]
    assert texts(await press(organizer, old_discard)) == [STALE]  # the draft is kept
    assert await campaigns(db, "broadcast") == 0
    new_send = kept(organizer, "Send")
    assert texts(await press(organizer, new_send))[0].startswith("Broadcast #1 · sending")
    assert texts(await press(organizer, new_send)) == [STALE]  # a second tap sends nothing
    payload = await db.fetch_all("SELECT payload FROM campaigns WHERE kind = 'broadcast'")
    assert len(payload) == 1 and "Second text" in payload[0][0]


async def test_send_under_a_preview_of_a_draft_changed_since_sends_nothing(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """A French version was added after the preview: its Send would send what was not
    previewed; the organizer previews again and sends from there."""
    await organizer.settle(language="en")
    old_send, _ = await draft_and_preview(organizer, "Hello all")
    await press(organizer, kept(organizer, "French"))
    await organizer.send("Bonjour à tous")
    assert texts(await press(organizer, old_send)) == [STALE]
    assert await campaigns(db, "broadcast") == 0
    preview = texts(await organizer.press_label("Preview"))
    assert "• French version: 0 recipients" in preview[0]
    assert texts(await organizer.press_label("Send"))[0].startswith("Broadcast #1 · sending")
    payload = await db.fetch_one("SELECT payload FROM campaigns WHERE kind = 'broadcast'")
    assert payload is not None and "Bonjour à tous" in payload[0]


@pytest.mark.parametrize("how", ["finished", "stopped"])
async def test_an_old_stop_button_says_how_the_broadcast_ended(
    organizer: ChatDriver, services: Services, db: Store, how: str
) -> None:
    """/broadcasts showed Stop while it was sending; it finished (or another Stop stopped
    it) since: the old Stop says so, and nothing is stopped or audited again."""
    await organizer.settle(language="en")
    await someone(services)
    send, _ = await draft_and_preview(organizer, "News")
    await press(organizer, send)
    await organizer.send("/broadcasts")
    old = kept(organizer, "Stop broadcast #1")
    assert old.button == StopBroadcast(1)
    if how == "finished":
        await services.delivery.drain_once()
        await services.delivery.drain_once()
    else:
        await organizer.send("/broadcasts")
        await organizer.press_label("Stop broadcast #1")
    stopped = await audited(db, "cancel-broadcast")
    assert texts(await press(organizer, old)) == [f"Broadcast #1 · {how}"]
    assert await audited(db, "cancel-broadcast") == stopped
    status = await db.fetch_one("SELECT status FROM campaigns WHERE campaign_id = 1")
    assert status is not None and status[0] == ("done" if how == "finished" else "cancelled")


# -- Organizers: attendance -------------------------------------------------------------------


async def roster_with_amina(
    organizer: ChatDriver, amina: ChatDriver, services: Services, clock: FrozenClock
) -> Event:
    event = await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await organizer.settle(language="en")
    clock.set(SOON + timedelta(minutes=10))
    return event


ROSTER = f"Attendance for “{FLOOD}” (page 1 of 1). Press a name to mark them present or absent."


async def marks(db: Store) -> dict[int, str]:
    return {r[0]: r[1] for r in await db.fetch_all("SELECT user_id, method FROM attendance")}


async def test_an_old_absent_mark_after_she_checked_in_keeps_her_present(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The list showed her absent; she checked in since. Pressing her name meant "present":
    it used to toggle her check-in away."""
    event = await roster_with_amina(organizer, amina, services, clock)
    await organizer.send("/attendance flood")
    old = kept(organizer, "Amina Doe")
    assert old.button == MarkAttendance(event.event_id, amina.user.id, 0, "present")
    await services.attendance.check_in(amina.user.id, event.event_id, "button")
    assert texts(await press(organizer, old)) == ["Already marked present.", ROSTER]
    assert await marks(db) == {amina.user.id: "button"}
    assert labels_of(organizer, old.message_id) == ["✅ Amina Doe"]


async def test_an_old_present_mark_after_another_organizer_marked_her_absent(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Two lists open; she is marked absent from the other one: pressing her ✅ on the first
    meant "absent", and she stays so instead of being marked present again."""
    event = await roster_with_amina(organizer, amina, services, clock)
    await services.attendance.check_in(amina.user.id, event.event_id, "button")
    await organizer.send("/attendance flood")
    old = kept(organizer, "Amina Doe")
    assert old.button == MarkAttendance(event.event_id, amina.user.id, 0, "absent")
    await organizer.send("/attendance flood")
    await press(organizer, kept(organizer, "Amina Doe"))  # the newer list
    assert await marks(db) == {}
    await press(organizer, old)
    assert await marks(db) == {}
    assert labels_of(organizer, old.message_id) == ["▫️ Amina Doe"]


async def test_an_old_mark_after_she_erased_her_data_marks_nobody(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    await roster_with_amina(organizer, amina, services, clock)
    await organizer.send("/attendance flood")
    old = kept(organizer, "Amina Doe")
    await forget_her(amina)
    assert texts(await press(organizer, old)) == [STALE]
    assert await marks(db) == {}


async def import_report(organizer: ChatDriver, content: bytes) -> None:
    await organizer.send_document("report.csv", content, "flood")


BY_EMAIL = b"email\n1001@x.org\n"  # marks Amina
BY_NAME = b"name\nAmina Doe\n"  # a name alone: offered for review, marks nobody


async def test_an_old_undo_after_a_newer_report_leaves_the_newer_one(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The list offered to undo the report of 10:00; another report was imported at 10:05:
    the old Undo used to take back the newer report. It undoes nothing now, and the list
    shown again offers to undo the newer one."""
    event = await roster_with_amina(organizer, amina, services, clock)
    clock.set(SOON + timedelta(hours=2))
    await import_report(organizer, BY_NAME)
    await organizer.send("/attendance flood")
    old = kept(organizer, "Undo the report of")
    assert isinstance(old.button, UndoThisReport)
    clock.advance(timedelta(minutes=5))
    await import_report(organizer, BY_EMAIL)
    assert await marks(db) == {amina.user.id: "import"}
    assert texts(await press(organizer, old))[0] == STALE
    assert await marks(db) == {amina.user.id: "import"}
    assert await audited(db, "attendance-undo") == 0
    [label] = [label for label in labels_of(organizer, old.message_id) if "Undo" in label]
    assert label == "Undo the report of Nov 30, 2026, 11:05\u202fAM · UTC"
    assert old.button == UndoThisReport(event.event_id, 1)


async def test_an_old_undo_after_it_was_undone_does_not_undo_the_one_before(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Two lists both offered to undo the second report; it was undone from one of them (the
    first report stands again): the other's Undo used to take the first report back too."""
    await roster_with_amina(organizer, amina, services, clock)
    clock.set(SOON + timedelta(hours=2))
    await import_report(organizer, BY_EMAIL)
    clock.advance(timedelta(minutes=5))
    await import_report(organizer, BY_NAME)
    assert await marks(db) == {}
    await organizer.send("/attendance flood")
    old = kept(organizer, "Undo the report of")
    await organizer.send("/attendance flood")
    await press(organizer, kept(organizer, "Undo the report of"))
    assert await marks(db) == {amina.user.id: "import"}  # the first report stands again
    assert texts(await press(organizer, old))[0] == STALE
    assert await marks(db) == {amina.user.id: "import"}
    assert await audited(db, "attendance-undo") == 1


async def undo_it(organizer: ChatDriver) -> None:
    await organizer.send("/attendance flood")
    await press(organizer, kept(organizer, "Undo the report of"))


async def replace_it(organizer: ChatDriver) -> None:
    await import_report(organizer, b"email\nnobody@x.org\n")


@pytest.mark.parametrize("change", [undo_it, replace_it], ids=["undone", "replaced"])
async def test_an_old_review_button_after_its_report_no_longer_stands(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    change: Callable[[ChatDriver], Awaitable[None]],
) -> None:
    """A report offered "Amina Doe → Amina Doe" for review; the report was undone, or
    replaced by a corrected one: its review list is void, and pressing it marks nobody."""
    await roster_with_amina(organizer, amina, services, clock)
    clock.set(SOON + timedelta(hours=2))
    await import_report(organizer, BY_NAME)
    old = kept(organizer, "Amina Doe → Amina Doe")
    assert isinstance(old.button, ConfirmReportAttendee)
    await change(organizer)
    assert texts(await press(organizer, old)) == [STALE]
    assert await marks(db) == {}


# -- Organizers who are no longer organizers ---------------------------------------------------


async def test_organizer_buttons_once_their_holder_is_no_longer_an_organizer(
    organizer: ChatDriver,
    amina: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every organizer's button in Olga's chat, pressed after she was taken off ADMIN_IDS,
    is refused and changes nothing; so is the next step of an edit she had begun."""
    event = await roster_with_amina(organizer, amina, services, clock)
    clock.set(SOON - timedelta(hours=1))
    await someone(services)
    send, _ = await draft_and_preview(organizer, "News")
    await press(organizer, send)
    await organizer.send("/broadcasts")
    stop = kept(organizer, "Stop broadcast #1")
    yes, no = await ask_to_cancel(organizer)
    clock.set(SOON + timedelta(hours=2))
    await import_report(organizer, BY_NAME)
    review = kept(organizer, "Amina Doe → Amina Doe")
    await organizer.send("/attendance flood")
    mark = kept(organizer, "Amina Doe")
    undo = kept(organizer, "Undo the report of")
    page = Old(mark.message_id, RosterPage(event.event_id, 0).pack())
    seats = await seats_question(organizer)
    await press(organizer, seats)
    no_limit = kept(organizer, "No limit")
    audit = await db.fetch_all("SELECT * FROM admin_audit")

    async def no_role(self: OrganizerService, user_id: int) -> OrganizerRole:
        return PARTICIPANT

    monkeypatch.setattr(OrganizerService, "role", no_role)
    for old in (yes, no, stop, review, mark, undo, page, no_limit):
        assert texts(await press(organizer, old)) == [REFUSAL], old
    assert not (await current(services)).is_cancelled
    assert (await current(services)).capacity == 50
    assert await marks(db) == {}
    assert await campaigns(db, "cancelled") == 0
    status = await db.fetch_one("SELECT status FROM campaigns WHERE kind = 'broadcast'")
    assert status is not None and status[0] == "running"
    assert await db.fetch_all("SELECT * FROM admin_audit") == audit


@pytest.mark.parametrize("gone", [give_up_from_my, forget_her], ids=["given-up", "forgotten"])
async def test_an_old_no_keep_it_after_the_registration_is_gone(
    amina: ChatDriver,
    services: Services,
    gone: Callable[[ChatDriver], Awaitable[None]],
) -> None:
    """She gave her place up from another question (or erased her data): the leftover
    question's "No, keep it" does not say her registration is unchanged."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await cancel_and_question(amina)
    keep = kept(amina, "No, keep it")
    await gone(amina)
    assert texts(await press(amina, keep)) == [
        f"You are not registered for “{FLOOD}”. You can register from /events."
    ]
