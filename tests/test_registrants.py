"""/registrants CODE [words]: who registered, a page at a time, found by name, email or
country, as an organizer reads it in chat."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Contact, Profile
from bot.services.container import Services
from handlers.buttons import RegistrantsPage
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

PEOPLE = [
    # (id, full name, country, organization, email)
    (7001, "Amina Diallo", "KE", "Kenya Red Cross", "amina@redcross.example"),
    (7002, "Вера Смирнова", "RU", "Городская дума", "vera@duma.example"),
    (7003, "李伟", "CN", "成都市应急管理局", "li.wei@chengdu.example"),
    (7004, "Ahmed Al-Khatib", "JO", "Greater Amman Municipality", "ahmed@gam.example"),
    (7005, "Zoë Ndlovu", "KE", "", "ZOE.N@MAIL.EXAMPLE"),
]


async def setup(services: Services, capacity: str = "3", extra: int = 0) -> None:
    await services.programme.import_now(
        programme([row("flood", START + timedelta(days=3), capacity=capacity)]), None
    )
    people = [*PEOPLE, *((8000 + i, f"Person {i}", "FR", "", "") for i in range(extra))]
    for user_id, name, country, organization, email in people:
        await services.users.touch(Contact(user_id, name.split()[0]))
        await services.profiles.save(
            user_id, Profile(name, country, "City", organization, "", email), "UTC"
        )
        await services.registrations.sign_up(user_id, "flood")


async def test_the_list_says_who_with_status_position_and_attendance(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Three confirmed then two on the waitlist in their order, with country names in the
    organizer's language, organizations and who attended; the figures at the top."""
    await setup(services)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    await db.write(lambda u: u.attendance.record(event.event_id, 7002, "code", START))
    await organizer.settle(language="en")
    [listing] = texts(await organizer.send("/registrants flood"))
    assert listing.split("\n") == [
        "Registrants of “\u2068Session flood\u2069”",
        "Confirmed: 3 of 3 · waitlist: 2 · attended: 1",
        "",
        "1. \u2068Amina Diallo\u2069 · Kenya · \u2068Kenya Red Cross\u2069 — confirmed",
        "2. \u2068Вера Смирнова\u2069 · Russia · \u2068Городская дума\u2069 — confirmed · attended",
        "3. \u2068李伟\u2069 · China · \u2068成都市应急管理局\u2069 — confirmed",
        "4. \u2068Ahmed Al-Khatib\u2069 · Jordan · \u2068Greater Amman Municipality\u2069"
        " — waitlist #1",
        "5. \u2068Zoë Ndlovu\u2069 · Kenya — waitlist #2",
    ]
    await organizer.settle(language="fr")
    [french] = texts(await organizer.send("/registrants flood"))
    assert "Kenya" in french and "Russie" in french


async def test_search_by_part_of_a_name_or_email_in_any_case_or_width_or_by_country(
    organizer: ChatDriver, services: Services
) -> None:
    await setup(services)
    await organizer.settle(language="en")

    async def found(words: str) -> list[str]:
        [listing] = texts(await organizer.send(f"/registrants flood {words}"))
        return [line.split(". ", 1)[1].split(" · ")[0] for line in listing.split("\n")[4:]]

    assert await found("вера") == ["\u2068Вера Смирнова\u2069"]  # Cyrillic, other case
    assert await found("ＡＭＩＮＡ") == ["\u2068Amina Diallo\u2069"]  # full-width
    assert await found("zoe.n@mail") == ["\u2068Zoë Ndlovu\u2069"]  # email, folded
    assert await found("李") == ["\u2068李伟\u2069"]
    assert await found("Кения") == ["\u2068Amina Diallo\u2069", "\u2068Zoë Ndlovu\u2069"]
    [nobody] = texts(await organizer.send("/registrants flood nobody-like-this"))
    assert nobody.endswith("“\u2068nobody-like-this\u2069”: 0 found\n\nNobody found.")


async def test_pages_keep_the_search_and_forged_pages_change_nothing(
    organizer: ChatDriver, amina: ChatDriver, services: Services, db: Store
) -> None:
    """25 people from France: three pages of ten; the page buttons keep the search; a page
    past the end shows the last one; a participant pressing one is refused."""
    await setup(services, capacity="50", extra=25)
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    await organizer.settle(language="en")
    [first] = texts(await organizer.send("/registrants flood France"))
    assert "“\u2068France\u2069”: 25 found" in first and "Page 1 of 3" in first
    assert [label for label, _ in buttons_of(organizer.last_message_with_buttons())] == ["Next ▶"]
    [second] = texts(await organizer.press_label("Next ▶"))
    assert "Page 2 of 3" in second and "11. \u2068Person 10\u2069" in second
    assert "Amina" not in second  # still the search for France
    message = organizer.last_message_with_buttons()["message_id"]
    [last] = texts(await organizer.press(RegistrantsPage(event.event_id, 99).pack(), message))
    assert "Page 3 of 3" in last and last.endswith("25. \u2068Person 24\u2069 · France — confirmed")
    refused = await amina.press(RegistrantsPage(event.event_id, 0).pack(), message)
    assert "Registrants of" not in " ".join(texts(refused))


async def test_a_profile_changed_later_is_found_by_its_new_name(
    organizer: ChatDriver, services: Services
) -> None:
    await setup(services)
    await services.profiles.change(7001, "full_name", "Amina Wanjiru")
    await organizer.settle(language="en")
    [listing] = texts(await organizer.send("/registrants flood wanjiru"))
    assert "\u2068Amina Wanjiru\u2069" in listing and "1 found" in listing


async def test_the_list_of_a_cancelled_event_says_it_is_cancelled(
    organizer: ChatDriver, services: Services
) -> None:
    """The registrations of a cancelled event stand (a restore brings them back), and the
    list says the event is cancelled right under its title."""
    await setup(services)
    listing = await services.events.find("flood")
    assert listing is not None
    await services.events.cancel(listing.event, 5001)
    await organizer.settle(language="en")
    [text] = texts(await organizer.send("/registrants flood"))
    assert text.split("\n")[:3] == [
        "Registrants of “\u2068Session flood\u2069”",
        "This event has been cancelled.",
        "Confirmed: 3 of 3 · waitlist: 2 · attended: 0",
    ]
