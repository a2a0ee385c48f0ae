"""Browsing the programme: the list, pages, topics, cards, calendar files and deep links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.db import to_db
from bot.devtools.emulator import BotApiEmulator
from bot.i18n import RLM
from bot.services.container import Services
from handlers.buttons import (
    CalendarFile,
    ChooseLanguage,
    EventCard,
    EventList,
    TopicsMenu,
    parse_button,
)
from tests.conftest import START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row, series
from tests.store import Store

SOON = START + timedelta(days=2)


async def load(services: Services, data: bytes) -> None:
    result = await services.programme.import_now(data, admin_id=None)
    assert not hasattr(result, "problems"), result


async def fill_seats(db: Store, code: str, count: int, status: str = "confirmed") -> None:
    """Registrations straight into the database (sign-up itself is tested elsewhere)."""
    event = await db.read(lambda u: u.events.by_code(code))
    assert event is not None
    people = range(900_000, 900_000 + count)
    await db.execute_many(
        "INSERT INTO users (user_id, first_name, created_at, last_seen_at)"
        " VALUES (?, 'x', ?, ?) ON CONFLICT DO NOTHING",
        [(user_id, to_db(START), to_db(START)) for user_id in people],
    )
    await db.execute_many(
        "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(event.event_id, user_id, status, to_db(START), to_db(START)) for user_id in people],
    )


def event_buttons(chat: ChatDriver) -> list[EventCard]:
    """The event cards the latest list links to."""
    pressed = [parse_button(data) for _, data in buttons_of(chat.last_message_with_buttons())]
    return [button for button in pressed if isinstance(button, EventCard)]


async def test_no_events_is_said_kindly(amina: ChatDriver) -> None:
    """With an empty programme /events says so, without buttons."""
    [reply] = texts(await amina.send("/events"))
    assert reply == "There are no upcoming webinars right now. Please look again soon."


async def test_pages_of_eight_soonest_first(amina: ChatDriver, services: Services) -> None:
    """17 events make 3 pages; Next and Previous appear only where they lead somewhere."""
    await load(services, series(17, SOON))
    [first] = texts(await amina.send("/events"))
    assert "Page 1 of 3" in first
    assert event_buttons(amina) == [EventCard(f"ev-{i:03d}", None, 0) for i in range(8)]
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert "Next ▶" in labels and "◀ Previous" not in labels
    await amina.press(EventList(None, 2).pack())
    assert "Page 3 of 3" in amina.last_text()
    assert event_buttons(amina) == [EventCard("ev-016", None, 2)]
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert "◀ Previous" in labels and "Next ▶" not in labels
    await amina.press(EventList(None, 99).pack())  # a forged page number shows the last page
    assert "Page 3 of 3" in amina.last_text()


async def test_past_and_cancelled_events_never_appear(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """Started and cancelled events are left out of the list."""
    await load(services, series(3, START + timedelta(hours=1)))
    listing = await services.events.find("ev-002")
    assert listing is not None
    await services.events.cancel(listing.event, admin_id=5001)
    clock.advance(timedelta(hours=2))  # ev-000 has started
    await amina.send("/events")
    assert event_buttons(amina) == [EventCard("ev-001", None, 0)]


async def test_the_topic_filter(amina: ChatDriver, services: Services) -> None:
    """Topics with events are offered with their counts; choosing one filters the list."""
    await load(
        services,
        programme(
            [
                row("a", SOON, topic="food-security"),
                row("b", SOON, topic="climate-change"),
                row("c", SOON + timedelta(hours=1), topic="food-security"),
            ]
        ),
    )
    await amina.send("/events")
    await amina.press(TopicsMenu().pack())
    labels = buttons_of(amina.last_message_with_buttons())
    assert ("Food security (2)", EventList("food-security", 0).pack()) in labels
    assert ("Climate change (1)", EventList("climate-change", 0).pack()) in labels
    assert not any(label.startswith("E-commerce") for label, _ in labels)
    await amina.press(EventList("food-security", 0).pack())
    assert "Upcoming webinars: Food security" in amina.last_text()
    assert "\nTimes in UTC\n" in amina.last_text()  # the zone of every time, once
    assert event_buttons(amina) == [
        EventCard("a", "food-security", 0),
        EventCard("c", "food-security", 0),
    ]
    await amina.press(EventList("e-commerce", 0).pack())
    assert amina.last_text() == "There are no upcoming webinars on E-commerce right now."
    for forged in ("ev:l:9:0", "ev:l:x:0", "ev:l:-:-1x", "ev:l:"):
        calls = await amina.press(forged)
        assert [c.method for c in calls] == ["answerCallbackQuery"]


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "America/Bogota", "Nov 30, 2026, 4:00\u202fAM"),
        ("ar", "Asia/Riyadh", "30\u200f/11\u200f/2026، 12:00 م"),
        ("zh", "Asia/Shanghai", "2026年11月30日 17:00"),
    ],
)
async def test_times_in_the_users_zone_and_locale(
    app: BotApplication,
    emulator: BotApiEmulator,
    services: Services,
    language: str,
    zone: str,
    expected: str,
) -> None:
    """The list shows each start in the reader's time zone, written their locale's way."""
    await load(services, programme([row("a", datetime(2026, 11, 30, 9, 0, tzinfo=UTC))]))
    chat = chat_as(app, emulator, id=7000, first_name="R", language_code=language)
    await chat.settle(language, zone)
    [reply] = texts(await chat.send("/events"))
    assert expected in reply
    if language == "ar":
        assert reply.startswith(RLM)


async def test_titles_fall_back_to_the_default(
    app: BotApplication, emulator: BotApiEmulator, services: Services
) -> None:
    """A French reader sees the French title; a Russian one the default title."""
    await load(services, programme([row("a", SOON, title="Urban floods", title_fr="Crues")]))
    french = chat_as(app, emulator, id=7101, first_name="F", language_code="fr")
    russian = chat_as(app, emulator, id=7102, first_name="R", language_code="ru")
    assert "Crues" in texts(await french.send("/events"))[0]
    assert "Urban floods" in texts(await russian.send("/events"))[0]


async def test_the_card_shows_everything_and_seats(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """The card has topic, description, local and UTC start, duration, language and seats."""
    await load(
        services,
        programme(
            [
                row(
                    "a",
                    datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
                    capacity="3",
                    language="pt",
                    duration_minutes="90",
                )
            ]
        ),
    )
    await amina.settle(timezone="Africa/Nairobi")
    await fill_seats(db, "a", 2)
    await amina.send("/events")
    [card] = texts(await amina.press(EventCard("a", None, 0).pack()))
    for part in (
        "Session a",
        "Climate change",
        "About a.",
        "Tuesday, December 1, 2026, 3:00\u202fPM",
        "Nairobi (UTC+03:00)",
        "Dec 1, 2026, 12:00\u202fPM",
        "90 minutes",
        "Language: Portuguese",
        "1 seat left",
    ):
        assert part in card, part
    assert "Code:" not in card  # organizer details are for organizers
    shown = amina.last_message_with_buttons()
    bold = [shown["text"][e["offset"] : e["offset"] + e["length"]] for e in shown["entities"]]
    assert bold[0] == "Session a"  # the title stands out
    labels = dict(buttons_of(shown))
    assert labels["◀ Back to the list"] == EventList(None, 0).pack()
    assert labels["Share"].startswith(
        "https://t.me/share/url?url=https%3A%2F%2Ft.me%2Fwebinar_demo_bot%3Fstart%3Da"
    )
    await db.execute(
        "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at)"
        " SELECT event_id, ?, 'confirmed', ?, ? FROM events WHERE code = 'a'",
        (amina.user.id, to_db(START), to_db(START)),
    )
    [card] = texts(await amina.press(EventCard("a", None, 0).pack()))
    assert "Full, waitlist open" in card


async def test_organizers_see_the_code_and_deep_link(
    organizer: ChatDriver, services: Services
) -> None:
    """An organizer's card shows the event code and its t.me deep link."""
    await load(services, programme([row("flood-101", SOON)]))
    await organizer.settle(language="en")
    [card] = texts(await organizer.send("/start flood-101"))
    assert "Code: flood-101" in card
    assert "Link: https://t.me/webinar_demo_bot?start=flood-101" in card


async def test_the_calendar_file(amina: ChatDriver, services: Services, db: Store) -> None:
    """The .ics parses back with the event's UTC times and a stable UID; no join link before
    registering, the join link once registered."""
    start = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    await load(services, programme([row("cal", start, duration_minutes="45", title_fr="Titre")]))
    await amina.settle(language="fr")

    async def download() -> Calendar:
        calls = await amina.press(CalendarFile("cal").pack(), message_id=1)
        [document] = [c for c in calls if c.method == "sendDocument"]
        name, content = document.files["document"]
        assert name == "cal.ics"
        return Calendar.from_ical(content)

    [entry] = (await download()).events
    assert entry.start == start
    assert entry.end == start + timedelta(minutes=45)
    assert str(entry["SUMMARY"]) == "Titre"
    assert str(entry["UID"]) == "cal@webinar_demo_bot.t.me"
    # before registering, the address is the event in the bot, not its join link
    assert str(entry["URL"]) == "https://t.me/webinar_demo_bot?start=cal"
    assert "LOCATION" not in entry and "meet.example.org" not in str(entry.get("DESCRIPTION"))
    event = await db.read(lambda u: u.events.by_code("cal"))
    assert event is not None
    await db.execute(
        "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at)"
        " VALUES (?, ?, 'confirmed', ?, ?)",
        (event.event_id, amina.user.id, to_db(START), to_db(START)),
    )
    [again] = (await download()).events
    assert str(again["URL"]) == "https://meet.example.org/cal"
    # on the waitlist there is no seat, so no link
    await db.execute(
        "UPDATE registrations SET status = 'waitlisted', seq = 1 WHERE user_id = ?",
        (amina.user.id,),
    )
    [waiting] = (await download()).events
    assert "meet.example.org" not in waiting.to_ical().decode()
    assert str(again["UID"]) == str(entry["UID"])


async def test_a_deep_link_for_a_new_user_asks_the_language_first(
    app: BotApplication, emulator: BotApiEmulator, services: Services
) -> None:
    """/start CODE from someone new: the picker, then the card in the chosen language."""
    await load(services, programme([row("flood-101", SOON, title_ar="الفيضانات")]))
    chat = chat_as(app, emulator, id=7300, first_name="Omar", language_code="de")
    [greeting] = texts(await chat.send("/start flood-101"))
    assert "Choose your language" in greeting
    calls = await chat.press(ChooseLanguage("ar").pack())
    assert any("الفيضانات" in text for text in texts(calls))
    [again] = texts(await chat.send("/start flood-101"))  # known user: straight to the card
    assert again.startswith(RLM + "الفيضانات")


@pytest.mark.parametrize("code", ["nope", "../../x", "a" * 70, "%00", "flood-101'--"])
async def test_unknown_or_malformed_deep_links(
    amina: ChatDriver, services: Services, code: str
) -> None:
    """An unknown or malformed code gets a clear answer and the list."""
    await load(services, programme([row("flood-101", SOON)]))
    await amina.settle(language="en")
    [reply] = texts(await amina.send(f"/start {code}"))
    assert reply.startswith("I could not find the event “")
    assert "Upcoming webinars" in reply
    assert event_buttons(amina) == [EventCard("flood-101", None, 0)]


async def test_forged_card_and_calendar_buttons(amina: ChatDriver, services: Services) -> None:
    """Buttons naming events that do not exist, or data no button carries, only get a notice."""
    await load(services, programme([row("a", SOON)]))
    await amina.send("/events")
    for missing in (EventCard("zzz", None, 0).pack(), CalendarFile("zzz").pack()):
        calls = await amina.press(missing)
        assert [c.method for c in calls] == ["answerCallbackQuery"], missing
        assert texts(calls) == ["This event no longer exists."]
    for forged in ("ev:c:a", "ev:c:a:-:x", "ev:i:", "ev:c:" + "a" * 59):
        calls = await amina.press(forged)
        assert [c.method for c in calls] == ["answerCallbackQuery"], forged
        assert texts(calls) == ["This button is no longer active."]


async def test_a_button_on_a_message_that_is_gone_answers_below(
    amina: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """Telegram refuses to edit a message that is gone (deleted, or too old to change): the
    screen the press asked for arrives as a new message instead of an error."""
    await load(services, programme([row("a", SOON)]))
    await amina.send("/events")
    listing = amina.last_message_with_buttons()
    del emulator.messages[(amina.user.id, listing["message_id"])]
    calls = await amina.press(EventCard("a", None, 0).pack(), listing["message_id"])
    assert [c.method for c in calls if c.method != "answerCallbackQuery"] == [
        "editMessageText",  # refused by Telegram
        "sendMessage",
    ]
    assert texts(calls)[-1].startswith("Session a")
    assert "Something went wrong" not in "".join(texts(calls))


async def test_the_list_is_at_most_a_second_old(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """Everyone sees the same list page, so the bot reads it once a second at most: seats
    taken meanwhile show a second later; an organizer's change to the programme at once."""
    await load(services, programme([row("a", SOON, capacity="5")]))
    assert "5 seats left" in texts(await amina.send("/events"))[0]
    await fill_seats(db, "a", 2)
    quick = timedelta(milliseconds=300)
    assert "5 seats left" in texts(await amina.send("/events", pace=quick))[0]
    assert "3 seats left" in texts(await amina.send("/events", pace=timedelta(seconds=1)))[0]
    await load(services, programme([row("a", SOON, capacity="5", title="Renamed")]))
    [renamed] = texts(await amina.send("/events", pace=quick))
    assert "Renamed" in renamed and "3 seats left" in renamed


async def test_a_sign_up_here_shows_in_the_list_at_once(
    amina: ChatDriver, services: Services
) -> None:
    """Someone who registers, then goes back to the list, sees the seat they took (and a
    cancellation gives it back), however quickly they look."""
    await load(services, programme([row("a", SOON, capacity="5")]))
    await amina.settle(language="en")
    quick = timedelta(milliseconds=200)
    assert "5 seats left" in texts(await amina.send("/events"))[0]
    await services.registrations.sign_up(amina.user.id, "a")
    assert "4 seats left" in texts(await amina.send("/events", pace=quick))[0]
    await services.registrations.cancel(amina.user.id, "a")
    assert "5 seats left" in texts(await amina.send("/events", pace=quick))[0]


async def test_a_deep_link_in_another_case_opens_the_event(
    app: BotApplication, emulator: BotApiEmulator, amina: ChatDriver, services: Services
) -> None:
    """Codes are kept as written ("drr-flood"); a link or a typed code in capitals opens the
    event all the same, for a known user, a new one and one who picks a language first;
    the card's buttons carry the stored code."""
    await load(services, programme([row("drr-flood", SOON, title="Floods")]))
    await amina.settle(language="en")
    [card] = texts(await amina.send("/start DRR-FLOOD"))
    assert card.startswith("Floods")
    register = buttons_of(amina.last_message_with_buttons())[0][1]
    assert parse_button(register) is not None and "drr-flood" in register
    newcomer = chat_as(app, emulator, id=7401, first_name="Ana", language_code="es")
    [greeting] = texts(await newcomer.send("/start Drr-Flood"))
    assert "Floods" in greeting
    picking = chat_as(app, emulator, id=7402, first_name="Jo", language_code="pt")
    await picking.send("/start DRR-Flood")
    assert any("Floods" in text for text in texts(await picking.press_label("English")))
    [missing] = texts(await amina.send("/start DRR-FLOODS"))
    assert missing.startswith("I could not find the event “\u2068DRR-FLOODS\u2069”.")


async def test_a_running_session_without_link_promises_nothing_it_cannot_keep(
    amina: ChatDriver, services: Services, clock: FrozenClock
) -> None:
    """Registered for a session under way that has no join link yet: the card does not
    say it will be sent "before the session starts"."""
    await load(services, programme([row("nolink", SOON, join_url="")]))
    await amina.settle(language="en")
    await services.registrations.sign_up(amina.user.id, "nolink")
    clock.set(SOON + timedelta(minutes=5))
    [card] = texts(await amina.send("/start nolink"))
    assert "before the session starts" not in card
    assert (
        "The organizers have not shared a join link yet; /my will show it as soon as they do."
        in card
    )
