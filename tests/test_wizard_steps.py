"""The sign-up questions never strand anyone: errors come with the question and its buttons,
/cancel asks first, an answer typed after another command is taken, each question says how
many there are, a zone set already is not asked again, and a new country in /profile asks
for the city (and zone) that go with it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.devtools.emulator import ApiCall
from bot.services.container import Services
from handlers.buttons import Rate, Register
from handlers.wizards import WIZARD_IDLE
from tests.conftest import ChatDriver, buttons_of, texts
from tests.store import Store
from tests.test_attendance import BEGIN, setup_event
from tests.test_signup import MESSAGES, answer_steps, publish, with_profile


def labels(chat: ChatDriver) -> list[str]:
    return [label for label, _ in buttons_of(chat.last_message_with_buttons())]


def methods(calls: list[ApiCall]) -> list[str]:
    return [call.method for call in calls]


async def start_sign_up(chat: ChatDriver, services: Services, timezone: str | None = None) -> None:
    await publish(services)
    await chat.settle(language="en", timezone=timezone)
    await chat.send("/start flood")
    await chat.press(Register("flood").pack())


async def test_every_error_repeats_the_question_with_its_buttons_in_one_message(
    amina: ChatDriver, services: Services
) -> None:
    """An unknown country, a too long organization, a bad email and an unknown place for the
    time zone: each is one message, the error then the question, with the step's buttons
    (Skip, Back, the zones)."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Amina Diallo"])
    calls = await amina.send("Zzyzx")
    assert methods(calls) == ["sendMessage"]
    [unknown] = texts(calls)
    assert unknown.startswith("I do not know the country “")
    assert unknown.endswith("\n\nIn which country do you work? Type its name.\nQuestion 2 of 7")
    assert labels(amina) == ["◀ Back"]
    await answer_steps(amina, ["Brazil", "Qwertyville"])  # a city that decides no zone
    calls = await amina.send("x" * 151)
    assert methods(calls) == ["sendMessage"]
    assert texts(calls) == [
        "That is 151 characters long; at most 150 are allowed.\n\n"
        "Which organization do you work for? (optional)\nQuestion 4 of 7"
    ]
    assert labels(amina) == ["Skip", "◀ Back"]
    await answer_steps(amina, ["press:Skip", "press:Skip"])
    calls = await amina.send("amina@@example")
    assert methods(calls) == ["sendMessage"]
    [email] = texts(calls)
    assert email.startswith("“amina@@example” does not look like an email address")
    assert email.endswith(
        "What is your email address, for materials and certificates? (optional)\nQuestion 6 of 7"
    )
    assert labels(amina) == ["Skip", "◀ Back"]
    [zone_question] = texts(await amina.press_label("Skip"))
    assert zone_question.endswith("\nQuestion 7 of 7")
    zones = labels(amina)
    calls = await amina.send("Atlantis under the sea")
    assert methods(calls) == ["sendMessage"]
    [nowhere] = texts(calls)
    assert nowhere.startswith("I could not find a time zone for “")
    assert "\n\nWhich time zone are you in?" in nowhere
    assert labels(amina) == zones and zones[-1] == "◀ Back" and len(zones) > 2


async def test_a_sticker_or_a_country_to_choose_keeps_the_steps_buttons(
    amina: ChatDriver, services: Services
) -> None:
    """Candidates for a typed country come with Back; a sticker gets the question again."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Amina Diallo"])
    [which] = texts(await amina.send("Congo"))
    assert which == "Which one do you mean?\nQuestion 2 of 7"
    assert len(labels(amina)) == 3 and labels(amina)[-1] == "◀ Back"
    [again] = texts(await amina.send_sticker())
    country = "In which country do you work? Type its name.\nQuestion 2 of 7"
    assert again == f"Please type an answer.\n\n{country}"
    assert labels(amina) == ["◀ Back"]


async def test_a_place_from_another_country_is_offered_not_taken(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """At Brazil's time-zone question, "Lisbon" is not silently set: it is offered."""
    await start_sign_up(amina, services)
    await answer_steps(
        amina, ["Amina", "Brazil", "Qwertyville", "press:Skip", "press:Skip", "press:Skip"]
    )
    [offer] = texts(await amina.send("Lisbon"))
    assert offer == "Is this your time zone?\nQuestion 7 of 7"
    assert labels(amina)[0].startswith("Lisbon") and labels(amina)[-1] == "◀ Back"
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is None
    saved, _card = texts(await amina.press_label("Lisbon"))
    assert saved.startswith("Thank you, your profile is saved.")


async def test_cancel_asks_then_stops_and_says_what_is_kept(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/cancel asks (Stop registering / Continue) and says what would be lost; Stop keeps
    nothing and says so, in place of the question."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Amina Diallo", "Kenya"])
    calls = await amina.send("/cancel")
    assert methods(calls) == ["sendMessage"]
    assert texts(calls) == [
        "Stop registering? Your answers so far will not be saved, and you will not be registered."
    ]
    assert labels(amina) == ["Stop registering", "Continue"]
    calls = await amina.press_label("Stop registering")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    assert texts(calls) == [
        "Stopped. Your answers were not saved, and you are not registered. You can register "
        "again from /events."
    ]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is None
    assert await db.fetch_all("SELECT * FROM registrations") == []
    [after] = texts(await amina.send("Nairobi"))  # no longer an answer
    assert "/help" in after


async def test_cancel_then_continue_asks_the_open_question_again(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Continue turns the /cancel question into the open question with its buttons; the
    answers given before are kept and the registration goes through."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Amina Diallo", "Kenya", "Nairobi"])
    await amina.send("/cancel")
    calls = await amina.press_label("Continue")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    assert texts(calls) == ["Which organization do you work for? (optional)\nQuestion 4 of 6"]
    assert labels(amina) == ["Skip", "◀ Back"]
    [confirmation, _card] = (await answer_steps(amina, ["press:Skip", "press:Skip", "press:Skip"]))[
        -2:
    ]
    assert confirmation.startswith("Thank you, your profile is saved.\n\nYou are registered")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert (user.profile.full_name, user.profile.city) == ("Amina Diallo", "Nairobi")


async def test_cancel_in_profile_stops_at_once_and_keeps_the_profile(
    amina: ChatDriver, db: Store
) -> None:
    """A change from /profile has nothing to lose: /cancel stops it and says the profile is
    unchanged."""
    await with_profile(amina)
    await amina.send("/profile")
    await amina.press_label("City")
    assert texts(await amina.send("/cancel")) == ["Stopped. Your profile is unchanged."]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None and user.profile.city == "Nairobi"


async def test_an_answer_typed_after_another_command_is_taken(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/events between two questions shows the events, then the open question once more (the
    participant knows it waits); the city typed next is the answer, and Register pressed
    again goes on where the participant was."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Amina Diallo", "Kenya"])
    listing, reminder = texts(await amina.send("/events"))
    assert "Session flood" in listing
    assert reminder == (
        "You were answering this question; your answers so far are kept.\n\n"
        "In which city?\nQuestion 3 of 6"
    )
    assert labels(amina) == ["◀ Back"]
    assert texts(await amina.send("Nairobi")) == [
        "Which organization do you work for? (optional)\nQuestion 4 of 6"
    ]
    assert len(texts(await amina.send("/my"))) == 2  # the answer, and the question once more
    assert len(texts(await amina.send("/start flood"))) == 1  # once per pause
    [resumed] = texts(await amina.press(Register("flood").pack()))
    assert resumed == "Which organization do you work for? (optional)\nQuestion 4 of 6"
    replies = await answer_steps(amina, ["press:Skip", "press:Skip", "press:Skip"])
    assert replies[-2].startswith("Thank you, your profile is saved.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None and user.profile.city == "Nairobi"


async def test_a_feedback_comment_typed_after_another_command_is_taken(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Rating, then /my, then the comment: stored as the comment. Long after the rating, a
    text is not taken and gets the usual answer."""
    event_id = await setup_event(services, amina)
    clock.set(BEGIN + timedelta(hours=2))
    await db.write(lambda u: u.attendance.record(event_id, amina.user.id, "button", BEGIN))
    await amina.press(Rate(event_id, 4).pack(), message_id=1)
    await amina.send("/my")
    assert texts(await amina.send("Very practical")) == ["Thank you for your comment."]
    row = await db.fetch_one("SELECT rating, comment FROM feedback")
    assert row is not None and tuple(row) == (4, "Very practical")
    await amina.press(Rate(event_id, 5).pack(), message_id=1)
    await amina.send("/help")
    assert texts(await amina.send("/skip")) == ["Thank you!"]  # its own command still works
    await amina.press(Rate(event_id, 3).pack(), message_id=1)
    await amina.send("/my")
    clock.advance(WIZARD_IDLE + timedelta(minutes=1))
    [late] = texts(await amina.send("Too late"))
    assert "/help" in late
    row = await db.fetch_one("SELECT rating, comment FROM feedback")
    assert row is not None and tuple(row) == (3, "Very practical")


async def test_the_questions_count_only_those_asked(amina: ChatDriver, services: Services) -> None:
    """Seven questions while the time zone may be needed; six once the country or city
    decides it; seven with the zone question when neither does."""
    await start_sign_up(amina, services)
    first = amina.messages()[-1]["text"]
    assert first.endswith("What is your full name?\nQuestion 1 of 7")
    replies = await answer_steps(amina, ["Amina", "Kenya", "Nairobi", "press:Skip", "press:Skip"])
    counts = [reply.rsplit("\n", 1)[-1] for reply in replies]
    assert counts == [
        "Question 2 of 7",
        "Question 3 of 6",  # Kenya has one time zone
        "Question 4 of 6",
        "Question 5 of 6",
        "Question 6 of 6",
    ]


async def test_a_city_that_decides_the_zone_drops_the_zone_question(
    amina: ChatDriver, services: Services
) -> None:
    """Brazil has several zones: counted until the city (Manaus) decides it."""
    await start_sign_up(amina, services)
    replies = await answer_steps(amina, ["Amina", "Brazil", "Manaus"])
    assert [reply.rsplit("\n", 1)[-1] for reply in replies] == [
        "Question 2 of 7",
        "Question 3 of 7",
        "Question 4 of 6",
    ]


async def test_a_zone_set_with_timezone_is_not_asked_again(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Set with /timezone before registering: six questions, no zone question, and the zone
    stays as chosen, even for a country with one zone of its own."""
    await publish(services)
    await amina.settle(language="en")
    await amina.send("/timezone")
    await amina.send("Paris")
    await amina.send("/start flood")
    [first] = texts(await amina.press(Register("flood").pack()))
    assert first.endswith("Question 1 of 6")
    replies = await answer_steps(
        amina, ["Amina", "Kenya", "Nairobi", "press:Skip", "press:Skip", "press:Skip"]
    )
    assert not any("time zone" in reply for reply in replies[:-2])
    assert replies[-2].startswith("Thank you, your profile is saved.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Europe/Paris"


async def test_a_new_country_in_profile_asks_for_the_city_that_goes_with_it(
    amina: ChatDriver, db: Store
) -> None:
    """Kenya to Brazil: told the city and zone were for Kenya, asked for the city; Manaus
    decides the zone; the three are saved together."""
    await with_profile(amina)
    await amina.send("/profile")
    await amina.press_label("Country")
    [asked] = texts(await amina.send("Brazil"))
    assert asked == (
        "New country: Brazil. Your city and time zone were for Kenya.\n\nIn which city?"
    )
    assert labels(amina) == ["Keep “Nairobi”", "◀ Back"]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None and user.profile.country == "KE"
    [saved] = texts(await amina.send("Manaus"))
    assert saved.startswith("Saved.") and "Country: \u2068Brazil\u2069" in saved
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert (user.profile.country, user.profile.city, user.timezone) == (
        "BR",
        "Manaus",
        "America/Manaus",
    )


async def test_a_new_country_can_keep_the_city_and_zone(amina: ChatDriver, db: Store) -> None:
    """Keeping the city, the zone is asked (Brazil has several) with a Keep button."""
    await with_profile(amina)
    await amina.send("/profile")
    await amina.press_label("Country")
    await amina.send("Brazil")
    calls = await amina.press_label("Keep “Nairobi”")
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    [zone] = texts(calls)
    assert zone.startswith("Which time zone are you in?")
    assert labels(amina)[-2:] == ["Keep Nairobi (UTC+03:00)", "◀ Back"]
    await amina.press_label("Keep Nairobi")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert (user.profile.country, user.profile.city, user.timezone) == (
        "BR",
        "Nairobi",
        "Africa/Nairobi",
    )


async def test_a_new_country_with_one_zone_sets_it_and_cancel_changes_nothing(
    amina: ChatDriver, db: Store
) -> None:
    """Uganda has one zone: the new city is the last question. /cancel before it leaves the
    whole profile as it was; the same country again is saved without more questions."""
    await with_profile(amina)
    await amina.send("/profile")
    await amina.press_label("Country")
    await amina.send("Uganda")
    assert texts(await amina.send("/cancel")) == ["Stopped. Your profile is unchanged."]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None and user.profile.country == "KE"
    await amina.send("/profile")
    await amina.press_label("Country")
    await amina.send("Uganda")
    [saved] = texts(await amina.send("Kampala"))
    assert saved.startswith("Saved.")
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert (user.profile.country, user.profile.city, user.timezone) == (
        "UG",
        "Kampala",
        "Africa/Kampala",
    )
    await amina.send("/profile")
    await amina.press_label("Country")
    [same] = texts(await amina.send("Uganda"))
    assert same.startswith("Saved.")


async def test_api_calls_per_question(amina: ChatDriver, services: Services) -> None:
    """A typed answer costs one message (the next question); a button answer edits the
    question it is on; an error costs one message."""
    await start_sign_up(amina, services)
    for step, expected in (
        ("Amina", ["sendMessage"]),
        ("Kenya", ["sendMessage"]),
        ("Nairobi", ["sendMessage"]),
        ("press:Skip", ["answerCallbackQuery", "editMessageText"]),
        ("not an email", None),
    ):
        if step.startswith("press:"):
            calls = await amina.press_label(step.removeprefix("press:"))
        else:
            calls = await amina.send(step)
        if expected is not None:
            assert methods(calls) == expected, step
    sent = [call for call in await amina.send("?") if call.method in MESSAGES]
    assert len(sent) == 1


async def test_back_to_the_name_offers_the_name_typed(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Back from the country question: the name question offers the name typed, not the
    Telegram name, and one press keeps it."""
    await start_sign_up(amina, services)
    await answer_steps(amina, ["Joe Bloggs", "press:◀ Back"])
    assert "Use “Joe Bloggs”" in labels(amina)
    await amina.press_label("Use “Joe Bloggs”")
    assert amina.last_text().startswith("In which country do you work?")
    await answer_steps(amina, ["Kenya", "Nairobi", "press:Skip", "press:Skip", "press:Skip"])
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.profile is not None
    assert user.profile.full_name == "Joe Bloggs"
