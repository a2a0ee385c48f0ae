"""Wizards never trip over each other, over edits of old messages, or over a user who walked
away from one: the next message goes where it would have gone without the wizard."""

from __future__ import annotations

import pickle
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.models import RegistrationStatus
from bot.services.container import Services
from handlers.buttons import Register
from handlers.event_wizard import NewEventDraft
from handlers.wizards import WIZARD_IDLE, CurrentWizard
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.store import Store
from tests.test_signup import SOON, publish, with_profile


async def test_register_in_the_middle_of_timezone_leaves_timezone(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/timezone left unanswered, then Register on a card above: the name typed next answers
    the profile's question, not the time-zone search."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    card = amina.last_message_with_buttons()["message_id"]
    await amina.send("/timezone")
    [question] = texts(await amina.press(Register("flood").pack(), card))
    assert question.endswith("\n\nWhat is your full name?\nQuestion 1 of 7")
    assert texts(await amina.send("Amina Diallo")) == [
        "In which country do you work? Type its name.\nQuestion 2 of 7"
    ]
    assert texts(await amina.send("Kenya"))[-1] == "In which city?\nQuestion 3 of 6"
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone is None  # "Kenya" did not set a time zone


async def test_an_edited_earlier_message_is_not_an_answer(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Correcting the name message while the city is asked changes nothing."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press_label("Register")
    await amina.send("Amina Dialo")
    [name] = [m for m in amina.emulator.messages.values() if m.get("text") == "Amina Dialo"]
    await amina.send("Kenya")
    edited = {**name, "text": "Amina Diallo", "edit_date": name["date"] + 5}
    mark = len(amina.emulator.calls)
    await amina.app.process_update(
        Update.de_json({"update_id": 10**6, "edited_message": edited}, amina.app.bot)
    )
    assert amina.emulator.calls[mark:] == []
    assert texts(await amina.send("Nairobi"))[-1].startswith("Which organization")


async def test_an_abandoned_wizard_lets_a_check_in_code_through(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """/timezone, and /profile's City, left unanswered two days before the session: the code
    read out during the session checks in and changes neither the zone nor the city."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    await services.attendance.set_code(event, "ABC123", 5001)
    await amina.send("/timezone")
    await amina.send("/profile")
    await amina.press_label("City")
    clock.set(SOON + timedelta(minutes=2))
    [reply] = texts(await amina.send("ABC123"))
    assert "checked in" in reply.lower() or "attendance" in reply.lower(), reply
    assert await db.read(lambda u: u.attendance.attended(event.event_id, amina.user.id))
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert user.profile.city == "Nairobi" and user.timezone == "Africa/Nairobi"


async def test_a_wizard_in_use_keeps_its_answers(
    amina: ChatDriver, clock: FrozenClock, db: Store
) -> None:
    """Just under the idle limit between two steps, the answer still belongs to the wizard."""
    await amina.settle(language="en")
    await amina.send("/timezone")
    clock.set(START + WIZARD_IDLE)
    await amina.send("Nairobi")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Africa/Nairobi"


async def test_nothing_is_kept_in_memory_for_users_with_nothing_pending(
    amina: ChatDriver, organizer: ChatDriver, services: Services, app: BotApplication
) -> None:
    """python-telegram-bot keeps a scratch space per user; the bot drops it as soon as it is
    empty, and a wizard's answers go when the wizard ends, whichever way it ends."""
    await publish(services)
    await with_profile(amina)
    await amina.send("/start flood")
    await amina.press(Register("flood").pack())
    await amina.send("/my")
    assert await kept_for(app, amina.user.id) is None
    await organizer.send("/newevent")
    await organizer.send("Urban heat")
    assert await kept_for(app, organizer.user.id)
    await organizer.send("/timezone")  # an aside: the draft waits for it
    await organizer.send("/cancel")  # the aside ends; /newevent goes on
    assert len(await kept_for(app, organizer.user.id) or {}) == 2  # its record and its draft
    await organizer.send("/broadcast")  # another wizard: the event draft is dropped
    kept = list((await kept_for(app, organizer.user.id) or {}).values())
    assert not any(isinstance(value, NewEventDraft) for value in kept)
    assert [value.name for value in kept if isinstance(value, CurrentWizard)] == ["broadcast"]
    await organizer.send("/cancel")
    assert await kept_for(app, organizer.user.id) is None


async def kept_for(app: BotApplication, user_id: int) -> dict[Any, Any] | None:
    """What the bot keeps for the user between updates: in memory (one process), or in the
    database (several processes on PostgreSQL: then nothing stays in memory at all)."""
    if app.shared_sessions is None:
        return app.user_data.get(user_id)
    assert user_id not in app.user_data
    blob = await app.bot_data.services.sessions.load(user_id)
    return pickle.loads(blob)["data"] if blob else None


async def test_timezone_in_the_middle_of_newevent_then_newevent_goes_on(
    organizer: ChatDriver, db: Store
) -> None:
    """The start is asked "in your time zone": an organizer who sets theirs first with
    /timezone comes back to the same question, in the new zone, nothing lost."""
    await organizer.settle(language="en")
    await organizer.send("/newevent")
    await organizer.send("Urban heat")
    await organizer.press_label("Climate change")
    await organizer.send("/timezone")
    replies = texts(await organizer.send("Nairobi"))
    assert replies[0].startswith("Your time zone is now Nairobi (UTC+03:00).")
    assert replies[1] == (
        "Let’s go on where we were.\n\nWhen does it start? Write the date and time in your "
        "time zone (Nairobi (UTC+03:00)) as YYYY-MM-DD HH:MM."
    )
    [echo] = texts(await organizer.send("2026-12-05 10:00"))
    assert echo.startswith("That is Saturday, December 5, 2026, 10:00\u202fAM · Nairobi")
    await organizer.send("90")
    await organizer.press_label("No limit")
    await organizer.press_label("English")
    await organizer.press_label("I will add it later")
    await organizer.press_label("Skip")
    await organizer.press_label("Use urban-heat")
    await organizer.press_label("Save")
    event = await db.read(lambda u: u.events.by_code("urban-heat"))
    assert event is not None and event.title == "Urban heat" and event.topic == "climate-change"


async def test_timezone_in_the_middle_of_signing_up_keeps_the_answers(
    amina: ChatDriver, services: Services, db: Store, app: BotApplication
) -> None:
    """/timezone while signing up, then /cancel (or a zone): the sign-up goes on at its open
    question with the answers given; one of its buttons pressed meanwhile goes back to it."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press_label("Register")
    await amina.send("Amina Diallo")
    await amina.send("/timezone")
    assert texts(await amina.send("/cancel")) == [
        "Your time zone stays UTC.",
        "Let’s go on where we were.\n\nIn which country do you work? Type its name.\n"
        "Question 2 of 7",
    ]
    await amina.send("Kenya")  # one zone: decided, the zone question is not asked
    await amina.send("/timezone")
    await amina.send("Lagos")  # an aside that sets a zone: sign-up goes on, answers kept
    await amina.send("Nairobi")
    await amina.send("/timezone")
    await amina.press_label("◀ Back")  # the sign-up's button: back to it, /timezone is over
    [question] = texts(await amina.send("Nairobi"))  # the city again, not a zone search
    assert question.startswith("Which organization")
    await amina.press_label("Skip")
    await amina.press_label("Skip")
    await amina.press_label("Skip")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert (user.profile.full_name, user.profile.country, user.profile.city) == (
        "Amina Diallo",
        "KE",
        "Nairobi",
    )
    assert user.timezone == "Africa/Lagos"  # set with /timezone: not asked again
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    status = await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
    assert status == RegistrationStatus.CONFIRMED
    assert amina.user.id not in app.user_data


async def test_a_sticker_where_an_answer_is_expected_asks_again(
    amina: ChatDriver, services: Services
) -> None:
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press(Register("flood").pack())
    assert texts(await amina.send_sticker()) == [
        "Please type an answer.\n\nWhat is your full name?\nQuestion 1 of 7"
    ]
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert labels == ["Use “Amina”", "I do not agree"]  # the question's buttons again
    assert texts(await amina.send("Amina Diallo")) == [
        "In which country do you work? Type its name.\nQuestion 2 of 7"
    ]


async def test_timezone_at_the_time_zone_question_answers_it(
    amina: ChatDriver, services: Services, db: Store, app: BotApplication
) -> None:
    """At the sign-up's own time-zone question, a zone set with /timezone is the answer: the
    sign-up ends registered, the question is not put again."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press_label("Register")
    for answer in ("Amina", "Russia", "Somewhere small"):
        await amina.send(answer)
    for _ in range(3):
        await amina.press_label("Skip")
    assert amina.last_text().startswith("Which time zone are you in?")
    await amina.send("/timezone")
    replies = texts(await amina.send("Kazan"))
    assert replies[0].startswith("Your time zone is now Moscow (UTC+03:00).")
    assert replies[1].startswith("Thank you, your profile is saved.\n\nYou are registered for")
    assert not any("Which time zone" in reply for reply in replies)
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Europe/Moscow" and user.profile is not None
    assert amina.user.id not in app.user_data
