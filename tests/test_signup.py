"""Signing up: the profile questions, consent, seats, the waitlist, /my and /forgetme."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.models import Contact, Profile, RegistrationStatus
from bot.services.container import Services
from bot.services.registrations import SignUp
from handlers.buttons import (
    CancelRegistration,
    ConfirmCancelRegistration,
    ProfileStep,
    Register,
)
from handlers.ui import send_with_file
from tests.conftest import START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)


async def publish(services: Services, **overrides: str) -> None:
    result = await services.programme.import_now(
        programme([row("flood", SOON, **overrides)]), admin_id=None
    )
    assert not hasattr(result, "problems")


async def with_profile(chat: ChatDriver, country: str = "KE", zone: str = "Africa/Nairobi") -> None:
    await chat.settle(language="en")
    services: Services = chat.app.bot_data.services
    await services.profiles.save(
        chat.user.id, Profile(f"{chat.user.first_name} Doe", country, "Nairobi"), zone
    )


async def answer_steps(chat: ChatDriver, steps: list[str]) -> list[str]:
    replies: list[str] = []
    for step in steps:
        if step.startswith("press:"):
            replies += texts(await chat.press_label(step.removeprefix("press:")))
        else:
            replies += texts(await chat.send(step))
    return replies


async def test_first_registration_asks_the_profile_then_registers(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """The privacy notice, every question with a bad and a good answer: profile and seat
    stored, confirmed in one message with the calendar file."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    replies = await answer_steps(
        amina,
        [
            "press:Register",
            "   ",  # empty name
            "press:Use “Amina”",
            "Zzyzx",  # unknown country
            "Keny",  # a typo: candidates as buttons
            "press:Kenya",
            "Nairobi",
            "Kenya Red Cross",
            "press:Skip",  # role
            "not-an-email",
            "amina@example.org",
        ],
    )
    # every error comes with its question again (and its buttons), in one message
    assert "Please type an answer.\n\nWhat is your full name?\nQuestion 1 of 7" in replies
    assert any(r.startswith("I do not know the country “") for r in replies)
    assert "Do you mean Kenya?\nQuestion 2 of 7" in replies  # one candidate: no "which one"
    assert any(r.startswith("“not-an-email” does not look like an email address") for r in replies)
    assert not any(r.startswith("Which time zone") for r in replies)  # Kenya has one zone
    notice = replies[0]
    assert notice.startswith("To register you I need a few details, asked only once")
    assert "By answering you agree" in notice and "/forgetme" in notice
    confirmation, card = replies[-2:]  # and the card the questions replaced, once again
    assert "✅ You are registered." in card
    assert confirmation.startswith("Thank you, your profile is saved.\n\nYou are registered for")
    assert "12:00\u202fPM · Nairobi (UTC+03:00)\n" in confirmation  # once, with its zone
    assert "Join link: https://meet.example.org/flood" in confirmation
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile == Profile(
        "Amina", "KE", "Nairobi", "Kenya Red Cross", "", "amina@example.org"
    )
    assert user.timezone == "Africa/Nairobi"
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert (
        await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
        == "confirmed"
    )
    documents = [c for c in amina.emulator.sent_to(amina.user.id) if c.method == "sendDocument"]
    assert documents[-1].files["document"][0] == "flood.ics"


async def test_a_link_followed_in_an_unsupported_language_leads_to_its_session(
    app: BotApplication, emulator: BotApiEmulator, services: Services
) -> None:
    """A Portuguese client follows an event's link: the picker says the session comes next,
    and the language chosen turns the picker into the session's card."""
    await publish(services)
    joana = chat_as(app, emulator, id=6100, first_name="Joana", language_code="pt-BR")
    [greeting] = texts(await joana.send("/start flood"))
    assert greeting.endswith("Choose your language, and I will show you the session you came for:")
    [card] = texts(await joana.press_label("Español"))
    assert "Session flood" in card
    labels = [label for label, _ in buttons_of(joana.last_message_with_buttons())]
    assert any(label.startswith("Inscribirme") for label in labels), labels


@pytest.mark.parametrize(
    ("first", "last", "offered"),
    [
        ("伟", "王", "王伟"),  # Chinese: family name first, no space
        ("민준", "김", "김민준"),  # Korean
        ("Amina", "Diallo", "Amina Diallo"),
        ("Wei", "Wang", "Wei Wang"),  # a romanized name keeps the order it was given in
        ("محمد", "العلي", "محمد العلي"),
    ],
)
async def test_the_telegram_name_is_offered_in_its_scripts_order(
    app: BotApplication,
    emulator: BotApiEmulator,
    services: Services,
    first: str,
    last: str,
    offered: str,
) -> None:
    await publish(services)
    chat = chat_as(app, emulator, id=6200, first_name=first, last_name=last, language_code="en")
    await chat.send("/start flood")
    await chat.press(Register("flood").pack())
    labels = [label for label, _ in buttons_of(chat.last_message_with_buttons())]
    assert f"Use “{offered}”" in labels, labels


async def test_a_country_with_several_zones_asks_which_and_back_works(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Brazil has several zones and a small town (not in the city list) names none of them:
    the user chooses one (typing a city picks its zone); Back returns to the previous
    question."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    replies = await answer_steps(
        amina,
        [
            "press:Register",
            "Amina Diallo",
            "Brasil",
            "press:◀ Back",
            "Brazil",
            "Vila Nova do Sertão",
            "press:Skip",
            "press:Skip",
            "press:Skip",
        ],
    )
    assert replies.count("In which country do you work? Type its name.\nQuestion 2 of 7") == 2
    assert replies[-1].startswith("Which time zone are you in?")
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert 1 < len(labels) <= 10  # the country's zones, a few at a time, and Back
    confirmation, _card = texts(await amina.send("Recife"))  # typing a city picks its zone
    assert confirmation.startswith("Thank you, your profile is saved.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "America/Recife"
    assert user.profile is not None and user.profile.country == "BR"


@pytest.mark.parametrize(
    ("country", "city", "chosen", "zone"),
    [
        ("Brazil", "Manaus", None, "America/Manaus"),  # the city names one of the zones
        ("Russia", "Novosibirsk", None, "Asia/Novosibirsk"),
        ("Canada", "Ottawa", "America/Toronto", "America/Toronto"),  # chosen with /timezone
    ],
)
async def test_the_time_zone_is_not_asked_when_it_is_known(
    amina: ChatDriver,
    services: Services,
    db: Store,
    country: str,
    city: str,
    chosen: str | None,
    zone: str,
) -> None:
    await publish(services)
    await amina.settle(language="en", timezone=chosen)
    await amina.send("/start flood")
    replies = await answer_steps(
        amina, ["press:Register", "Amina", country, city, "press:Skip", "press:Skip"]
    )
    confirmation, _card = texts(await amina.press_label("Skip"))
    assert not any(r.startswith("Which time zone") for r in [*replies, confirmation])
    assert confirmation.startswith("Thank you, your profile is saved.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == zone


async def test_without_consent_nothing_is_stored(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Declining under the privacy notice stores no answer and no registration, even after
    a few answers."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press_label("Register")
    notice = amina.last_message_with_buttons()["message_id"]
    await answer_steps(amina, ["Amina", "Kenya"])
    [declined] = texts(await amina.press(ProfileStep("no").pack(), notice))
    assert declined.startswith("Nothing was stored.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is None
    assert await db.fetch_all("SELECT * FROM registrations") == []
    [after] = texts(await amina.send("Nairobi"))  # no longer an answer
    assert "/help" in after


async def test_cancel_leaves_the_questions(amina: ChatDriver, services: Services) -> None:
    """/cancel in the middle stops the questions; the next text is not taken as an answer."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await answer_steps(amina, ["press:Register", "Amina"])
    [asked] = texts(await amina.send("/cancel"))  # asked first: tests/test_wizard_steps.py
    assert asked.startswith("Stop registering?")
    [stopped] = texts(await amina.press_label("Stop registering"))
    assert stopped.startswith("Stopped. Your answers were not saved")
    [after] = texts(await amina.send("Kenya"))
    assert "/help" in after


async def test_with_a_profile_registration_is_one_tap_and_twice_is_once(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """A known participant registers with one tap; pressing again says already registered,
    with the time, the link and the calendar file again (the first answer may be lost)."""
    await publish(services)
    await with_profile(amina)
    await amina.send("/start flood")
    first = texts(await amina.press(Register("flood").pack()))
    assert first[0].startswith("You are registered for “Session flood”.")
    assert any("✅ You are registered." in text for text in first)  # the card is refreshed
    second_calls = await amina.press(Register("flood").pack())
    second = texts(second_calls)
    assert second[0].startswith("You are already registered for “Session flood”.\nWhen: ")
    assert second[0].split("\n")[1:] == first[0].split("\n")[1:]
    # the calendar file again, in case the first answer was lost
    [again] = [c for c in second_calls if c.method == "sendDocument"]
    assert again.files["document"][0] == "flood.ics"
    rows = await db.fetch_all("SELECT status FROM registrations")
    assert [r[0] for r in rows] == ["confirmed"]


# The Bot API methods that put a message in a chat, each one of Telegram's ~30 a second.
MESSAGES = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})


async def test_register_spends_two_messages_and_shows_everything(
    amina: ChatDriver, services: Services
) -> None:
    """One tap: the confirmation arrives as the calendar file's caption and the card shows the
    seat; two messages of the bot's sending budget, and the press itself is answered."""
    await publish(services)
    await with_profile(amina)
    await amina.send("/start flood")
    calls = await amina.press(Register("flood").pack())
    sent = [call for call in calls if call.method in MESSAGES]
    assert [call.method for call in sent] == ["sendDocument", "editMessageText"]
    assert [call.method for call in calls if call.method not in MESSAGES] == ["answerCallbackQuery"]
    document, card = sent
    assert document.files["document"][0] == "flood.ics"
    caption = texts([document])[0]
    assert caption.startswith("You are registered for “Session flood”.")
    assert "Open the calendar file" in caption
    assert "✅ You are registered." in texts([card])[0]


async def test_concurrent_sign_ups_never_overbook(services: Services, db: Store) -> None:
    """Fifty users at once for three seats: three confirmed, the rest waitlisted in order."""
    await publish(services, capacity="3")
    users = range(100, 150)
    for user_id in users:
        await services.users.touch(Contact(user_id, f"U{user_id}"))
    outcomes = await asyncio.gather(
        *(services.registrations.sign_up(user_id, "flood") for user_id in users)
    )
    confirmed = [r for r in outcomes if r.outcome is SignUp.CONFIRMED]
    waitlisted = sorted(r.position or 0 for r in outcomes if r.outcome is SignUp.WAITLISTED)
    assert len(confirmed) == 3
    assert waitlisted == list(range(1, 48))
    counts = await db.fetch_all(
        "SELECT r.status, COUNT(*) FROM registrations r JOIN events e USING (event_id)"
        " WHERE e.code = 'flood' GROUP BY r.status ORDER BY r.status"
    )
    assert counts == [("confirmed", 3), ("waitlisted", 47)]


async def test_a_cancellation_promotes_the_first_in_line_and_tells_them(
    app: BotApplication, emulator: BotApiEmulator, services: Services, db: Store
) -> None:
    """When a confirmed participant cancels, the earliest waitlisted one gets the seat."""
    await publish(services, capacity="1")
    chats = [
        chat_as(app, emulator, id=6000 + i, first_name=f"P{i}", language_code="en")
        for i in range(3)
    ]
    for chat in chats:
        await with_profile(chat)
        await chat.send("/start flood")
        await chat.press(Register("flood").pack())
    assert texts(emulator.sent_to(6002))[-2].startswith(
        "“\u2068Session flood\u2069” is full. You are number 2 on the waitlist"
    )
    await chats[0].send("/my")
    await chats[0].press_label("Cancel: Session flood")
    replies = texts(await chats[0].press_label("Yes, cancel my registration"), 6000)
    assert replies[0].startswith("Your registration for “")
    assert await services.delivery.drain_once() == 1  # the good news goes through the outbox
    assert texts(emulator.sent_to(6001))[-1].startswith("Good news: a seat is free for you.")
    assert emulator.sent_to(6001)[-1].files["document"][0] == "flood.ics"
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert await db.read(lambda u: u.registrations.status_of(event.event_id, 6001)) == "confirmed"
    assert await db.read(lambda u: u.registrations.standing(event.event_id, 6002)) == (
        "waitlisted",
        1,
    )
    # cancelling, then registering again, puts you at the end of the line
    await chats[0].send("/start flood")
    [again] = texts(await chats[0].press(Register("flood").pack()))[:1]
    assert "You are number 2 on the waitlist" in again


async def test_late_joiners_take_a_free_seat_until_the_end(
    amina: ChatDriver, services: Services, clock: FrozenClock, db: Store
) -> None:
    """While the session runs, Register takes a free seat and sends the link at once; a full
    running session and a finished one refuse, saying why."""
    await services.programme.import_now(
        programme([row("flood", SOON), row("full", SOON, capacity="1")]), admin_id=None
    )
    await services.users.touch(Contact(88, "X"))
    await services.registrations.sign_up(88, "full")
    await with_profile(amina)
    await amina.send("/start flood")
    clock.set(SOON + timedelta(minutes=1))
    [card] = texts(await amina.send("/start flood"))
    assert "The session is under way until" in card
    assert "You can still join: register and I will send you the link." in card
    calls = await amina.press(Register("flood").pack())
    [confirmation] = [c.params["caption"] for c in calls if c.method == "sendDocument"]
    assert confirmation.startswith("You are registered for “<b>Session flood</b>”.")
    assert "Join link: https://" in confirmation
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    standing = await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
    assert standing == "confirmed"
    [full] = texts(await amina.press(Register("full").pack()))  # the card, with the reason
    assert full.startswith(
        "“\u2068Session full\u2069” has started and has no free seat, so nobody can join it now."
    )
    clock.set(SOON + timedelta(hours=3))
    [over] = texts(await amina.press(Register("full").pack()))
    assert over.startswith("Session full") and "This session is over." in over


async def test_forged_registration_buttons_change_nothing(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Cancelling someone else's place, or registering for a missing event, does nothing."""
    await publish(services)
    await services.users.touch(Contact(77, "B"))
    await services.registrations.sign_up(77, "flood")
    await with_profile(amina)
    for forged in ("rg:y:flood", "rg:x:nope", "rg:y:nope", "rg:y:", "rg:r:nope"):
        await amina.press(forged, message_id=1)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert await db.read(lambda u: u.registrations.status_of(event.event_id, 77)) == "confirmed"
    assert await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id)) is None


async def test_my_lists_upcoming_and_past(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """/my shows upcoming sessions with their state, then past ones."""
    await services.programme.import_now(
        programme(
            [
                row("soon", SOON),
                row("later", SOON + timedelta(days=5), capacity="1"),
            ]
        ),
        admin_id=None,
    )
    await with_profile(amina)
    assert texts(await amina.send("/my")) == [
        "You have no registrations yet. Send /events to find a session."
    ]
    await services.users.touch(Contact(88, "X"))
    await services.registrations.sign_up(88, "later")
    await services.registrations.sign_up(amina.user.id, "soon")
    await services.registrations.sign_up(amina.user.id, "later")
    [listing] = texts(await amina.send("/my"))
    assert listing.index("Session soon") < listing.index("Session later")
    assert "registered" in listing and "waitlist, number 1" in listing
    clock.set(SOON + timedelta(hours=2))
    [listing] = texts(await amina.send("/my"))
    assert listing.startswith("Times in Nairobi (UTC+03:00)\n")  # the zone once, on top
    assert listing.index("Your upcoming sessions") < listing.index("Past sessions")
    assert listing.index("Past sessions") < listing.index("Session soon")
    # A session over: whether the person was there, not "registered".
    assert "· no attendance recorded" in listing
    soon = await services.events.find("soon")
    assert soon is not None
    await services.attendance.mark(soon.event, amina.user.id, True, admin_id=5001)
    [listing] = texts(await amina.send("/my"))
    assert "· ✅ attended" in listing


async def test_forgetme_erases_the_profile_and_gives_up_places_still_to_come(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """After /forgetme the user row and registrations are gone; a place in a session still to
    come goes to the waitlist and is not counted as hers any more (anonymous counts are kept
    of sessions that began: test_privacy)."""
    await publish(services, capacity="1")
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await services.users.touch(Contact(99, "W"))
    await services.registrations.sign_up(99, "flood")
    await amina.send("/forgetme")
    assert texts(await amina.press_label("No, keep it")) == ["Nothing was deleted."]
    await amina.send("/forgetme")
    [done] = texts(await amina.press_label("Yes, delete my data"), amina.user.id)
    assert done.startswith("Your data is deleted.")
    assert await db.read(lambda u: u.users.get(amina.user.id)) is None
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert await db.read(lambda u: u.registrations.status_of(event.event_id, 99)) == "confirmed"
    assert await db.fetch_all("SELECT status, count FROM forgotten_registrations") == []
    [stats] = await db.fetch_all(
        "SELECT COUNT(*) FROM registrations WHERE status = 'confirmed' AND event_id = ?",
        (event.event_id,),
    )
    assert stats[0] == 1  # the seat counted once: the person from the waitlist


async def test_profile_shows_and_changes_one_answer(amina: ChatDriver, db: Store) -> None:
    """/profile shows the answers; a field button changes that one answer."""
    assert texts(await amina.send("/profile"))[0].startswith("You have no profile yet.")
    await with_profile(amina)
    [shown] = texts(await amina.send("/profile"))
    assert "Country: \u2068Kenya\u2069" in shown and "City: \u2068Nairobi\u2069" in shown
    await amina.press_label("City")
    replies = texts(await amina.send("Mombasa"))
    assert replies[0].startswith("Saved.") and "Mombasa" in replies[0]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None and user.profile.city == "Mombasa"


async def test_my_shows_what_changed_and_offers_cancel_only_before_the_session(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A session the organizers cancelled says so and has no Cancel button; once a session
    starts, its Cancel button goes and a waitlist place reads as not admitted."""
    await services.programme.import_now(
        programme([row("gone", SOON), row("full", SOON, capacity="1"), row("mine", SOON)]),
        admin_id=None,
    )
    await with_profile(amina)
    await services.users.touch(Contact(88, "X"))
    await services.registrations.sign_up(88, "full")
    for code in ("gone", "full", "mine"):
        await services.registrations.sign_up(amina.user.id, code)
    gone = await db.read(lambda u: u.events.by_code("gone"))
    assert gone is not None
    await services.events.cancel(gone, 5001)
    [listing] = texts(await amina.send("/my"))
    assert "Session gone\n" in listing and "cancelled by the organizers" in listing
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert sorted(labels) == ["Cancel: Session mine", "Leave the waitlist: Session full"]
    clock.set(SOON + timedelta(minutes=10))
    calls = await amina.send("/my")
    [listing] = texts(calls)
    assert "stayed on the waitlist" in listing and "registered, happening now" in listing
    assert "Join link: https://" in listing  # the session she has a seat in is running
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert labels == ["Check in: Session mine"]  # and nothing can be cancelled any more


async def test_no_cancelling_once_the_session_started(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """An old Cancel button, pressed during or after the session, changes nothing: who was
    registered is what attendance is compared with."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await amina.send("/my")
    clock.set(SOON + timedelta(days=1))
    notice = "The session has started, so this registration can no longer be changed."
    assert texts(await amina.press(CancelRegistration("flood").pack())) == [notice]
    assert texts(await amina.press(ConfirmCancelRegistration("flood").pack())) == [notice]
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert (
        await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
        == "confirmed"
    )


async def test_register_for_a_gone_or_started_event_asks_nothing(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """Without a profile, Register on an event that is gone or over says so at once instead
    of asking the profile questions first."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    assert texts(await amina.press(Register("nope").pack())) == ["This event no longer exists."]
    clock.set(SOON + timedelta(hours=5))
    [card] = texts(await amina.press(Register("flood").pack()))
    assert "This session is over." in card and "What is your full name?" not in card


async def test_a_name_that_shows_nothing_is_refused(amina: ChatDriver, services: Services) -> None:
    """Joiners alone, a Hangul filler, Braille blanks, a lone accent or only emoji are not a
    name; nor are right-to-left marks a country. Someone who typed something is told what is
    missing, not asked to type an answer."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/start flood")
    await amina.press(Register("flood").pack())
    in_words = "Please answer in words: letters or digits, not only symbols."
    name_question = "\n\nWhat is your full name?\nQuestion 1 of 7"
    country_question = "In which country do you work? Type its name.\nQuestion 2 of 7"
    for name in ("\u200d\u200c", "\u3164", "\u2800\u2800", "\u0301"):
        assert texts(await amina.send(name)) == ["Please type an answer." + name_question], name
    for name in ("🙂🌍", "\u200f🙂\u200e", "★★★"):
        assert texts(await amina.send(name)) == [in_words + name_question], repr(name)
    assert texts(await amina.send("Zoë Ndlovu")) == [country_question]
    [empty] = texts(await amina.send("\u200f\u200f\u200e"))
    assert empty == f"Please type an answer.\n\n{country_question}"
    assert texts(await amina.send("🇰🇪")) == [f"{in_words}\n\n{country_question}"]


async def test_profile_lines_follow_each_languages_punctuation(amina: ChatDriver) -> None:
    await with_profile(amina)
    users = amina.app.bot_data.services.users
    await users.choose_language(amina.user.id, "fr")
    [fr] = texts(await amina.send("/profile"))
    assert "Nom\u00a0: \u2068Amina Doe" in fr
    await users.choose_language(amina.user.id, "zh")
    [zh] = texts(await amina.send("/profile"))
    assert "：\u2068Amina Doe" in zh


async def test_a_text_too_long_for_a_caption_comes_before_its_file(
    app: BotApplication, emulator: BotApiEmulator, amina: ChatDriver
) -> None:
    """Telegram's captions hold 1,024 characters of text: a longer one is a message of its
    own and the file follows it; one that fits once its markup is parsed is the caption."""
    await amina.send("/start")
    mark = len(emulator.calls)
    long = "<b>Важно:</b> " + "ссылка " * 150
    await send_with_file(app.bot, amina.user.id, long, ("flood.ics", b"BEGIN:VCALENDAR"))
    fits = "<b>" + "x" * 1020 + "</b>"  # 1,027 characters of HTML, 1,020 of text
    await send_with_file(app.bot, amina.user.id, fits, ("flood.ics", b"BEGIN:VCALENDAR"))
    calls = [call for call in emulator.calls[mark:] if call.method in MESSAGES]
    assert [call.method for call in calls] == ["sendMessage", "sendDocument", "sendDocument"]
    assert texts(calls[:1])[0].startswith("Важно: ссылка")
    assert "caption" not in calls[1].params
    assert texts(calls[2:])[0] == "x" * 1020


async def test_an_old_yes_button_after_the_organizers_cancelled_changes_nothing(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """The confirmation was asked before the organizers cancelled the event: pressing Yes
    afterwards says the event is cancelled and keeps the registration as the record."""
    await publish(services)
    await with_profile(amina)
    await services.registrations.sign_up(amina.user.id, "flood")
    await amina.press(CancelRegistration("flood").pack(), message_id=1)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    await services.events.cancel(event, 5001)
    [reply] = texts(await amina.press(ConfirmCancelRegistration("flood").pack()))
    assert reply == "This event has been cancelled."
    status = await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
    assert status == "confirmed"


async def test_a_first_sign_up_from_a_deep_link_spends_eight_messages(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """A newcomer follows an event's link, answers the questions and is registered: the
    card in their Telegram's language, six questions (those answered with a button replace
    their message), one confirmation carrying the calendar file. Each message is one of the
    ~30 a second the whole bot may send."""
    await publish(services)
    calls = []
    for step in (
        "/start flood",
        "press:Register",
        "press:Use “Amina”",
        "Kenya",
        "Nairobi",
        "Kenya Red Cross",
        "press:Skip",
        "amina@example.org",
    ):
        if step.startswith("press:"):
            calls += await amina.press_label(step.removeprefix("press:"))
        else:
            calls += await amina.send(step)
    sent = [call.method for call in calls if call.method in MESSAGES]
    # The card, the first question in its place, a question each, the confirmation with its
    # calendar file, and the card again in place of the first question.
    assert len(sent) == 9, sent
    assert sent.count("editMessageText") == 3 and sent[-2:] == ["sendDocument", "editMessageText"]
    card = texts(calls[:1])[0]
    assert card.startswith("Hello, \u2068Amina\u2069! I will write to you in English")
    assert "Session flood" in card
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.language == "en" and user.profile is not None


async def test_the_card_is_shown_again_once_the_questions_are_answered(
    amina: ChatDriver, services: Services
) -> None:
    """The message whose Register started the profile questions (the card, then the first
    question) becomes the card again once they are answered, now saying "You are
    registered" with a way to cancel, in one edit after the confirmation; a message that is
    gone is left alone without an error."""
    await publish(services, capacity="3")
    await amina.settle(language="en")
    await amina.send("/start flood")
    card_id = amina.last_message_with_buttons()["message_id"]
    await amina.press_label("Register")
    assert amina.messages()[-1]["message_id"] == card_id  # now the first question
    for answer in ("Amina", "Kenya", "Nairobi"):
        await amina.send(answer)
    await amina.press_label("Skip")
    await amina.press_label("Skip")
    calls = await amina.press_label("Skip")
    assert [call.method for call in calls if call.method in MESSAGES] == [
        "sendDocument",  # the confirmation with its calendar file
        "editMessageText",  # the card again
    ]
    [card] = [m for m in amina.messages() if m["message_id"] == card_id]
    assert "You are registered." in card["text"] and "2 seats left" in card["text"]
    labels = [label for label, _ in buttons_of(card)]
    assert "Cancel my registration" in labels and "Register" not in labels


async def test_a_card_gone_meanwhile_is_left_alone(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """The card's message deleted while the questions were answered: Telegram refuses the
    edit, and the sign-up is done all the same, nothing more said."""
    await publish(services, capacity="3")
    await amina.settle(language="en")
    await amina.send("/start flood")
    card_id = amina.last_message_with_buttons()["message_id"]
    await amina.press_label("Register")
    for answer in ("Amina", "Kenya", "Nairobi"):
        await amina.send(answer)
    del amina.emulator.messages[(amina.user.id, card_id)]  # deleted by the participant
    await amina.press_label("Skip")
    await amina.press_label("Skip")
    calls = await amina.press_label("Skip")
    assert [call.method for call in calls if call.method in MESSAGES] == [
        "sendDocument",
        "editMessageText",  # refused: no such message
    ]
    assert texts(calls)[-2].startswith("Thank you, your profile is saved.")
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    status = await db.read(lambda u: u.registrations.status_of(event.event_id, amina.user.id))
    assert status == RegistrationStatus.CONFIRMED


async def test_a_late_sign_up_without_a_join_link_is_not_promised_one_before_the_start(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """Signing up while the session runs, with no link published: the confirmation says the
    organizers will send it here, not "before the session starts", which has passed."""
    await publish(services, join_url="")
    await with_profile(amina)
    clock.set(SOON + timedelta(minutes=10))
    [confirmation] = texts(await amina.send("/start flood"))[-1:]
    if "You are registered" not in confirmation:
        await amina.press_label("Register")
        confirmation = amina.last_text()
    assert "The organizers have not shared a join link yet" in confirmation
    assert "before the session starts" not in confirmation
