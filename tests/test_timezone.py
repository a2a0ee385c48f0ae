"""/timezone and the zone directory: cities, countries and zone names in any language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devtools.emulator import BotApiEmulator
from bot.services.container import Directories
from bot.services.timezones import TimezoneDirectory, is_known_zone
from handlers.buttons import ChooseZone
from tests.conftest import ANY_CHARACTER, ChatDriver, buttons_of, chat_as, texts
from tests.store import Store


@pytest.fixture(scope="module")
def directory(directories: Directories) -> TimezoneDirectory:
    return directories.timezones


@pytest.mark.parametrize(
    ("query", "zone"),
    [
        ("Nairobi", "Africa/Nairobi"),
        ("Найроби", "Africa/Nairobi"),
        ("kenya", "Africa/Nairobi"),
        ("内罗毕", "Africa/Nairobi"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao_paulo", "America/Sao_Paulo"),
        ("asia/manila", "Asia/Manila"),
        ("Calcutta", "Asia/Kolkata"),
        ("UTC+3", "Etc/GMT-3"),
        ("gmt-5", "Etc/GMT+5"),
        ("utc", "UTC"),
        ("Sénégal", "Africa/Dakar"),
        ("السنغال", "Africa/Dakar"),
        ("Nairobi\u200b", "Africa/Nairobi"),  # a zero-width space copied along
        ("\u200fنيروبي", "Africa/Nairobi"),  # a right-to-left mark in front
        ("Beijing", "Asia/Shanghai"),  # large cities that are no zone's example city
        ("北京", "Asia/Shanghai"),
        ("New Delhi", "Asia/Kolkata"),
        ("Washington", "America/New_York"),
        ("Asia/Calcutta", "Asia/Calcutta"),  # an old name the database still knows
        ("UTC+5:30", "Asia/Kolkata"),  # offsets with minutes: the zones that keep them, most
        # people first (India, then Sri Lanka)
        ("Kosovo", "Europe/Belgrade"),
    ],
)
def test_places_in_any_supported_language_find_their_zone(
    directory: TimezoneDirectory, query: str, zone: str
) -> None:
    """A city, a country or a zone name, in any supported language, finds the zone."""
    assert directory.find(query)[0] == zone


@pytest.mark.parametrize(
    ("typed", "exact", "candidates"),
    [
        ("Palestine", "PS", []),
        ("فلسطين", "PS", []),
        ("Palestina", "PS", []),
        ("Палестина", "PS", []),
        ("США", "US", []),
        ("Kosovo", "XK", []),
        ("Congo", None, ["CD", "CG"]),  # two countries: the participant chooses
        ("刚果", None, ["CD", "CG"]),
    ],
)
def test_countries_people_type_that_cldr_names_otherwise(
    directories: Directories, typed: str, exact: str | None, candidates: list[str]
) -> None:
    found = directories.countries.match(typed)
    assert (found.exact, found.candidates) == (exact, candidates)


def test_countries_with_several_zones_list_them_all(directory: TimezoneDirectory) -> None:
    """Brazil keeps four clocks this year: one zone of each is offered, São Paulo (standing
    for Recife, Belém, Fortaleza…) first; Kazakhstan, all at UTC+05:00, is decided."""
    zones = directory.find("Brasil")
    assert zones == [
        "America/Sao_Paulo",
        "America/Manaus",
        "America/Rio_Branco",
        "America/Noronha",
    ]
    assert directory.find("Kazakhstan") == ["Asia/Almaty"]
    assert (
        directory.find("xyzzy") == []
        and directory.find("  ") == []
        and directory.find("UTC+99") == []
    )


@given(st.text(ANY_CHARACTER, max_size=200))
def test_any_text_gives_only_real_zones(directory: TimezoneDirectory, query: str) -> None:
    """Whatever a user types, the search returns known zones or nothing, and never raises."""
    assert all(is_known_zone(zone) for zone in directory.find(query))


async def test_a_city_sets_the_zone_and_times_follow_it(amina: ChatDriver, db: Store) -> None:
    """Typing a unique city sets the zone at once and the reply shows the local time there."""
    [prompt] = texts(await amina.send("/timezone"))
    assert "UTC" in prompt and "9:00\u202fAM" in prompt
    [reply] = texts(await amina.send("Nairobi"))
    assert "Nairobi" in reply and "12:00\u202fPM" in reply
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Africa/Nairobi"
    [after] = texts(await amina.send("Something else"))
    assert "/help" in after  # the wizard is over: free text is no longer a place


async def test_a_country_with_many_zones_offers_buttons(amina: ChatDriver, db: Store) -> None:
    """Russia lists one zone for each of its clocks as buttons (at most 8), Moscow first, and a
    press sets the zone."""
    await amina.send("/timezone")
    [reply] = texts(await amina.send("Russia"))
    assert "Russia" in reply
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert len(labels) == 8 and labels[0].startswith("Moscow")
    offsets = [label.rsplit("(", 1)[1] for label in labels]
    assert len(set(offsets)) == len(offsets)  # no two buttons for the same clocks
    calls = await amina.press(ChooseZone("Asia/Novosibirsk").pack())
    assert "Novosibirsk" in texts(calls)[0]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Asia/Novosibirsk"


async def test_an_unknown_place_asks_again_and_cancel_keeps_the_zone(
    amina: ChatDriver, db: Store
) -> None:
    """Nonsense gets a hint and the question stays open; /cancel leaves the zone unchanged."""
    await amina.send("/timezone")
    [reply] = texts(await amina.send("Atlantis under the sea" * 200))
    assert "could not find" in reply and len(reply) < 400
    [reply] = texts(await amina.send("/cancel"))
    assert "UTC" in reply
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone is None


async def test_a_forged_zone_button_changes_nothing(amina: ChatDriver, db: Store) -> None:
    """tz: buttons with unknown or path-like zones are refused."""
    await amina.send("/timezone")
    await amina.send("Russia")
    for forged in ("tz:Mars/Base", "tz:../../etc/passwd", "tz:", "tz:" + "A" * 61):
        calls = await amina.press(forged)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone is None


async def test_the_client_region_suggests_its_zones(app: object, emulator: BotApiEmulator) -> None:
    """A client tagged es-MX is offered Mexico's zones right away, in Spanish."""
    chat = chat_as(app, emulator, id=3001, first_name="Lupe", language_code="es-MX")  # type: ignore[arg-type]
    await chat.send("/timezone")
    data = [d for _, d in buttons_of(chat.last_message_with_buttons())]
    assert ChooseZone("America/Mexico_City").pack() in data
