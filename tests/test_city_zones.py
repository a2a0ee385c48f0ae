"""Time zones from the cities, countries and abbreviations participants type, in the six
languages.

The expected zones come from the world: the zone of the place in the IANA time-zone database
(its zone.tab: the zone that covers each place), which country's zones hold most of its people,
and what an abbreviation stands for. They are written here by hand, not read from the code.
"""

from __future__ import annotations

import unicodedata

import pytest
from babel.core import get_global
from hypothesis import given
from hypothesis import strategies as st

from bot.services.cities import (
    City,
    CityRecord,
    _fold_lines,
    fold,
    geonames_records,
    typed_names,
)
from bot.services.container import Directories
from bot.services.timezones import TimezoneDirectory, is_known_zone
from handlers.buttons import ChooseZone
from tests.conftest import ANY_CHARACTER, ChatDriver, buttons_of, chat_as, texts
from tests.store import Store


@pytest.fixture(scope="module")
def zones(directories: Directories) -> TimezoneDirectory:
    return directories.timezones


# (typed, country chosen before, the zone it decides)
DECIDED = [
    # The answers of the issue.
    ("成都", None, "Asia/Shanghai"),
    ("Chengdu", None, "Asia/Shanghai"),
    ("Санкт-Петербург", None, "Europe/Moscow"),
    ("Geneva", None, "Europe/Zurich"),
    ("Bonn", None, "Europe/Berlin"),
    ("Incheon", None, "Asia/Seoul"),
    ("عمّان", None, "Asia/Amman"),  # shadda: Amman, not Oman
    ("عَمّان", None, "Asia/Amman"),
    ("Ginebra", None, "Europe/Zurich"),  # Spanish for Geneva; never Conakry
    ("Abu Dhabi", None, "Asia/Dubai"),
    ("Kuwait City", None, "Asia/Kuwait"),
    ("Panama City", None, "America/Panama"),
    ("Astana", None, "Asia/Almaty"),
    ("Bern", None, "Europe/Zurich"),
    ("Doha", None, "Asia/Qatar"),
    ("Suva", None, "Pacific/Fiji"),  # its own name, not Suwa (Japan) so spelled
    ("Port Louis", None, "Indian/Mauritius"),
    ("Sanaa", None, "Asia/Aden"),
    ("Sana'a", None, "Asia/Aden"),
    ("Lilongwe", None, "Africa/Blantyre"),  # Malawi keeps Blantyre's zone
    ("Moroni", None, "Indian/Comoro"),
    ("Surabaya", None, "Asia/Jakarta"),
    ("Казань", None, "Europe/Moscow"),
    ("里约热内卢", None, "America/Sao_Paulo"),  # simplified; the list has 里約熱內盧
    ("Kinshasa", None, "Africa/Kinshasa"),
    ("Bishkek", None, "Asia/Bishkek"),
    ("Quito", None, "America/Guayaquil"),  # mainland Ecuador's zone
    ("Москва", None, "Europe/Moscow"),
    # English
    ("Moscow", None, "Europe/Moscow"),
    ("St. Petersburg", None, "Europe/Moscow"),  # not St. Petersburg, Florida (20 times smaller)
    ("Rio de Janeiro", None, "America/Sao_Paulo"),
    ("Mexico City", None, "America/Mexico_City"),
    ("New York", None, "America/New_York"),
    ("Novosibirsk", None, "Asia/Novosibirsk"),
    ("Manaus", None, "America/Manaus"),
    ("Hanoi", None, "Asia/Ho_Chi_Minh"),  # Vietnam's one zone
    ("Kyiv", None, "Europe/Kyiv"),
    ("Kiev", None, "Europe/Kyiv"),
    ("Nairobi", None, "Africa/Nairobi"),
    ("Ulaanbaatar", None, "Asia/Ulaanbaatar"),
    ("Naypyidaw", None, "Asia/Yangon"),
    ("Washington, D.C.", None, "America/New_York"),
    ("London, Canada", None, "America/Toronto"),  # a city and its country
    ("Kingston, Jamaica", None, "America/Jamaica"),
    # French
    ("Genève", None, "Europe/Zurich"),
    ("Pékin", None, "Asia/Shanghai"),
    ("Moscou", None, "Europe/Moscow"),
    ("Le Caire", None, "Africa/Cairo"),
    ("Alger", None, "Africa/Algiers"),
    ("Montréal", None, "America/Toronto"),
    ("Londres", None, "Europe/London"),
    # Spanish
    ("Nueva York", None, "America/New_York"),
    ("Ciudad de México", None, "America/Mexico_City"),
    ("El Cairo", None, "Africa/Cairo"),
    ("Moscú", None, "Europe/Moscow"),
    ("San Petersburgo", None, "Europe/Moscow"),
    ("Bonn, Alemania", None, "Europe/Berlin"),
    # Arabic, with and without hamza and vowels
    ("القاهرة", None, "Africa/Cairo"),
    ("الرياض", None, "Asia/Riyadh"),
    ("دبي", None, "Asia/Dubai"),
    ("الدوحة", None, "Asia/Qatar"),
    ("بيروت", None, "Asia/Beirut"),
    ("جنيف", None, "Europe/Zurich"),
    ("موسكو", None, "Europe/Moscow"),
    ("صنعاء", None, "Asia/Aden"),
    ("الخرطوم", None, "Africa/Khartoum"),
    ("أبوظبي", None, "Asia/Dubai"),
    ("أبو ظبي", None, "Asia/Dubai"),
    ("إسطنبول", None, "Europe/Istanbul"),
    ("اسطنبول", None, "Europe/Istanbul"),
    ("كينشاسا", None, "Africa/Kinshasa"),
    ("إنتشون", None, "Asia/Seoul"),
    ("سورابايا", None, "Asia/Jakarta"),
    ("ليلونغوي", None, "Africa/Blantyre"),
    ("مدينة الكويت", None, "Asia/Kuwait"),
    ("أستانا", None, "Asia/Almaty"),
    ("عمان", "JO", "Asia/Amman"),  # without vowels: Amman in Jordan…
    ("عمان", "OM", "Asia/Muscat"),  # …and Oman itself when Oman was chosen
    ("عُمان", None, "Asia/Muscat"),  # damma: the country
    # Chinese (simplified, and traditional)
    ("日内瓦", None, "Europe/Zurich"),
    ("莫斯科", None, "Europe/Moscow"),
    ("圣彼得堡", None, "Europe/Moscow"),
    ("聖彼得堡", None, "Europe/Moscow"),
    ("仁川", None, "Asia/Seoul"),
    ("泗水", None, "Asia/Jakarta"),
    ("喀山", None, "Europe/Moscow"),
    ("纽约", None, "America/New_York"),
    ("伦敦", None, "Europe/London"),
    ("悉尼", None, "Australia/Sydney"),
    ("阿布扎比", None, "Asia/Dubai"),
    ("多哈", None, "Asia/Qatar"),
    ("波恩", None, "Europe/Berlin"),
    ("成都市", None, "Asia/Shanghai"),
    ("金沙萨", None, "Africa/Kinshasa"),
    ("比什凯克", None, "Asia/Bishkek"),
    ("苏瓦", None, "Pacific/Fiji"),
    ("路易港", None, "Indian/Mauritius"),
    ("利隆圭", None, "Africa/Blantyre"),
    ("巴拿马城", None, "America/Panama"),
    ("阿斯塔纳", None, "Asia/Almaty"),
    # Russian
    ("Новосибирск", None, "Asia/Novosibirsk"),
    ("Екатеринбург", None, "Asia/Yekaterinburg"),
    ("Владивосток", None, "Asia/Vladivostok"),
    ("Хабаровск", None, "Asia/Vladivostok"),  # Khabarovsk keeps Vladivostok's clocks
    ("Бишкек", None, "Asia/Bishkek"),
    ("Алматы", None, "Asia/Almaty"),
    ("Астана", None, "Asia/Almaty"),
    ("Женева", None, "Europe/Zurich"),
    ("Нью-Йорк", None, "America/New_York"),
    ("Орёл", None, "Europe/Moscow"),
    ("Орел", None, "Europe/Moscow"),  # ё typed as е
    ("г. Казань", None, "Europe/Moscow"),
    ("Кито", None, "America/Guayaquil"),
    ("Сурабая", None, "Asia/Jakarta"),
    ("Инчхон", None, "Asia/Seoul"),
    ("Абу-Даби", None, "Asia/Dubai"),
    ("Эль-Кувейт", None, "Asia/Kuwait"),
    ("Лилонгве", None, "Africa/Blantyre"),
    # Inside the chosen country: its city decides, even a small one.
    ("Казань", "RU", "Europe/Moscow"),
    ("Kazan", "TR", "Europe/Istanbul"),  # Kazan, Ankara province
    ("Kingston", "CA", "America/Toronto"),
    ("Kingston", "JM", "America/Jamaica"),
    ("Wellington", "NZ", "Pacific/Auckland"),
    ("San José", "CR", "America/Costa_Rica"),
    ("Moscow", "US", "America/Los_Angeles"),  # Moscow, Idaho
    ("Perth", "AU", "Australia/Perth"),
    ("Perth", "GB", "Europe/London"),
    ("Córdoba", "AR", "America/Argentina/Cordoba"),
    ("Córdoba", "ES", "Europe/Madrid"),
    ("Valencia", "VE", "America/Caracas"),
    ("Hyderabad", "PK", "Asia/Karachi"),
    ("Hyderabad", "IN", "Asia/Kolkata"),
    ("Tripoli", "LB", "Asia/Beirut"),
    ("Makassar", "ID", "Asia/Makassar"),
    ("Jayapura", "ID", "Asia/Jayapura"),
    ("Aktobe", "KZ", "Asia/Aqtobe"),
    ("Tijuana", "MX", "America/Tijuana"),
    ("Cancún", "MX", "America/Cancun"),
    ("Omsk", "RU", "Asia/Omsk"),
    ("Калининград", "RU", "Europe/Kaliningrad"),
    ("Denver", "US", "America/Denver"),
    ("Phoenix", "US", "America/Phoenix"),
    ("Lubumbashi", "CD", "Africa/Lubumbashi"),
    ("Hanoi", "VN", "Asia/Ho_Chi_Minh"),
    ("Mogadishu", "SO", "Africa/Mogadishu"),
    ("Москва", "RU", "Europe/Moscow"),
    ("Sochi", "RU", "Europe/Moscow"),
]


@pytest.mark.parametrize(("typed", "country", "zone"), DECIDED)
def test_a_typed_city_decides_its_zone(
    zones: TimezoneDirectory, typed: str, country: str | None, zone: str
) -> None:
    """A city in any of the six languages (or a country that has one zone) sets the zone."""
    found = zones.zone_for_place(typed, country)
    assert (found.zone, found.outside_country) == (zone, False)


# (typed, country chosen before, zones that must be offered, the one offered first)
ASKED = [
    ("عمان", None, {"Asia/Amman", "Asia/Muscat"}, None),  # Amman or Oman, without vowels
    ("Kingston", None, {"America/Jamaica", "America/Toronto"}, "America/Jamaica"),
    ("San José", None, {"America/Costa_Rica", "America/Los_Angeles"}, None),
    ("Wellington", None, {"Pacific/Auckland"}, "Pacific/Auckland"),
    ("Hyderabad", None, {"Asia/Kolkata", "Asia/Karachi"}, "Asia/Kolkata"),
    ("Córdoba", None, {"America/Argentina/Cordoba", "Europe/Madrid"}, None),
    ("Victoria", None, {"America/Vancouver", "Indian/Mahe"}, None),
    ("Brasil", None, {"America/Sao_Paulo", "America/Manaus", "America/Noronha"}, None),
    ("Россия", None, {"Europe/Moscow", "Asia/Vladivostok"}, "Europe/Moscow"),
    ("Estados Unidos", None, {"America/New_York", "America/Los_Angeles"}, "America/New_York"),
    ("Canada", None, {"America/Toronto", "America/Vancouver"}, "America/Toronto"),
    ("Chengd", None, {"Asia/Shanghai"}, "Asia/Shanghai"),  # a part of a name: asked
    ("Springfield", None, {"America/Chicago", "America/New_York"}, None),
]


@pytest.mark.parametrize(("typed", "country", "offered", "first"), ASKED)
def test_a_name_several_places_share_asks(
    zones: TimezoneDirectory,
    typed: str,
    country: str | None,
    offered: set[str],
    first: str | None,
) -> None:
    """A name that several places share, or a country with several zones, is never decided:
    the places' zones are offered, the most likely first."""
    found = zones.zone_for_place(typed, country)
    assert found.zone is None and not found.outside_country
    assert offered <= set(found.candidates)
    if first is not None:
        assert found.candidates[0] == first


# (typed, country chosen before, the zone offered elsewhere)
ELSEWHERE = [
    ("Казань", "TR", "Europe/Moscow"),  # Kazan is in Russia
    ("成都", "RU", "Asia/Shanghai"),
    ("Geneva", "FR", "Europe/Zurich"),
    ("Ginebra", "GN", "Europe/Zurich"),
    ("Surabaya", "MY", "Asia/Jakarta"),
    ("Kazakhstan", "RU", "Asia/Almaty"),
]


@pytest.mark.parametrize(("typed", "country", "zone"), ELSEWHERE)
def test_a_place_outside_the_chosen_country_is_never_taken_silently(
    zones: TimezoneDirectory, typed: str, country: str, zone: str
) -> None:
    """After choosing a country, a place that is only elsewhere is offered, said to be outside
    that country, and never decided."""
    found = zones.zone_for_place(typed, country)
    assert found.zone is None and found.outside_country
    assert zone in found.candidates
    assert not set(found.candidates) & set(zones.zones_of_country(country))


def test_a_place_of_the_chosen_country_wins_over_a_larger_one_elsewhere(
    zones: TimezoneDirectory,
) -> None:
    """Perth in Scotland for someone in the United Kingdom; nothing from Australia."""
    found = zones.zone_for_place("Perth", "GB")
    assert found.zone == "Europe/London" and found.city is not None and found.city.country == "GB"


@given(
    st.text(ANY_CHARACTER, max_size=80),
    st.sampled_from([None, "RU", "US", "JO", "CN", "GB"]),
)
def test_any_answer_gives_real_zones_of_the_right_kind(
    zones: TimezoneDirectory, typed: str, country: str | None
) -> None:
    """Whatever is typed, in or out of a country: real zones or nothing, never an exception,
    and a decided zone lies in the chosen country unless it was typed as a zone or offset."""
    found = zones.zone_for_place(typed, country)
    assert all(is_known_zone(zone) for zone in found.zones)
    assert found.zone is None or not found.candidates
    if found.zone and country and found.kind in ("city", "country", "abbreviation"):
        assert found.zone in zones.zones_of_country(country)


@given(
    st.lists(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n"), max_size=40),
        min_size=1,
        max_size=8,
    )
)
def test_names_are_folded_alike_one_by_one_and_all_at_once(names: list[str]) -> None:
    """The index folds its names a block at a time, a typed answer alone: the same result."""
    assert _fold_lines("\n".join(names)).split("\n") == [fold(name) for name in names]
    marked = _fold_lines("\n".join(names), keep_vowel_marks=True).split("\n")
    assert marked == [fold(name, keep_vowel_marks=True) for name in names]


def test_nothing_found_says_nothing(zones: TimezoneDirectory) -> None:
    """Nonsense, empty text and an impossible offset find no zone, in or out of a country."""
    for typed, country in (("Atlantis under the sea", None), ("xyzzy", "RU"), ("  ", None)):
        assert zones.zone_for_place(typed, country).zones == []
    assert zones.zone_for_place("UTC+99").zones == []


# The zone where most of the country's people live, then the next ones (population figures
# of the national statistics offices: US Eastern > Central > Pacific > Mountain).
COUNTRY_ORDER = {
    "RU": ["Europe/Moscow"],
    "BR": ["America/Sao_Paulo"],
    "US": ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Denver"],
    "CA": ["America/Toronto", "America/Vancouver"],
    "AU": ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"],
    "ID": ["Asia/Jakarta", "Asia/Makassar"],
    "KZ": ["Asia/Almaty"],
    "MX": ["America/Mexico_City"],
    "CD": ["Africa/Kinshasa", "Africa/Lubumbashi"],
    "CN": ["Asia/Shanghai", "Asia/Urumqi"],
    "AR": ["America/Argentina/Buenos_Aires", "America/Argentina/Cordoba"],
    "UA": ["Europe/Kyiv"],
}


@pytest.mark.parametrize(("country", "first"), COUNTRY_ORDER.items())
def test_a_countrys_zones_come_most_populous_first(
    zones: TimezoneDirectory, country: str, first: list[str]
) -> None:
    """Moscow first for Russia, São Paulo for Brazil, New York for the USA: every zone of the
    country is listed, those where most people live first."""
    listed = zones.zones_of_country(country)
    assert listed[: len(first)] == first
    assert sorted(listed) == sorted(get_global("territory_zones")[country])


def test_zone_labels_name_the_city_in_the_users_language(zones: TimezoneDirectory) -> None:
    """A zone's city in each language, as CLDR writes it."""
    assert zones.zone_city("Europe/Moscow", "ru") == "Москва"
    assert zones.zone_city("America/Sao_Paulo", "zh") == "圣保罗"
    assert zones.zone_city("Africa/Cairo", "ar") == "القاهرة"
    assert zones.zone_city("America/New_York", "es") == "Nueva York"
    assert zones.zone_city("Europe/Zurich", "fr") == "Zurich"


# (typed, country chosen before, the zone it decides)
ABBREVIATION_DECIDED = [
    ("IST", "IN", "Asia/Kolkata"),
    ("IST", "IL", "Asia/Jerusalem"),
    ("IST", "IE", "Europe/Dublin"),
    ("CST", "CN", "Asia/Shanghai"),
    ("CST", "US", "America/Chicago"),
    ("CST", "CU", "America/Havana"),
    ("EST", "US", "America/New_York"),
    ("EST", "PA", "America/Panama"),
    ("EST", "JM", "America/Jamaica"),
    ("EDT", None, "America/New_York"),
    ("BST", "GB", "Europe/London"),
    ("PST", "US", "America/Los_Angeles"),
    ("PST", "PH", "Asia/Manila"),
    ("AWST", None, "Australia/Perth"),
    ("CET", "FR", "Europe/Paris"),
    ("CET", "DE", "Europe/Berlin"),
    ("EET", "EG", "Africa/Cairo"),
    ("EET", "UA", "Europe/Kyiv"),
    ("MSK", None, "Europe/Moscow"),
    ("WAT", None, "Africa/Lagos"),
    ("WAT", "CD", "Africa/Kinshasa"),
    ("EAT", "KE", "Africa/Nairobi"),
    ("CAT", "ZM", "Africa/Lusaka"),
    ("SAST", None, "Africa/Johannesburg"),
    ("GMT", "GH", "Africa/Accra"),
    ("GMT", "GB", "Europe/London"),
    ("UTC", None, "UTC"),
    ("utc", None, "UTC"),
    ("WIB", None, "Asia/Jakarta"),
    ("JST", None, "Asia/Tokyo"),
    ("GST", None, "Asia/Dubai"),  # Gulf Standard Time, which the database writes "+04"
]


@pytest.mark.parametrize(("typed", "country", "zone"), ABBREVIATION_DECIDED)
def test_an_abbreviation_decides_when_it_means_one_clock(
    zones: TimezoneDirectory, typed: str, country: str | None, zone: str
) -> None:
    """An abbreviation that means one set of clocks (or one in the chosen country) sets it."""
    assert zones.zone_for_place(typed, country).zone == zone


# (typed, country chosen before, zones offered: the places that use it with other clocks)
ABBREVIATION_ASKED = [
    ("IST", None, {"Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"}),  # India, Israel, Ireland
    ("ist", None, {"Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"}),
    ("CST", None, {"Asia/Shanghai", "America/Chicago", "America/Havana", "America/Mexico_City"}),
    ("EST", None, {"America/New_York", "America/Jamaica"}),  # summer time, or −5 all year
    ("EST", "CA", {"America/Toronto", "America/Atikokan"}),  # Atikokan keeps −5 all year
    ("BST", None, {"Europe/London", "Asia/Dhaka"}),  # British Summer, Bangladesh Standard
    ("PST", None, {"America/Los_Angeles", "Asia/Manila"}),  # Pacific, Philippine
    ("MST", None, {"America/Denver", "America/Phoenix"}),  # Arizona keeps no summer time
    ("MST", "US", {"America/Denver", "America/Phoenix"}),
    ("CET", None, {"Europe/Berlin", "Africa/Algiers"}),
    ("EET", None, {"Europe/Kyiv", "Africa/Cairo", "Africa/Tripoli"}),
    ("GMT", None, {"UTC", "Europe/London"}),
]


@pytest.mark.parametrize(("typed", "country", "offered"), ABBREVIATION_ASKED)
def test_an_ambiguous_abbreviation_asks_and_never_sets_a_fixed_offset(
    zones: TimezoneDirectory, typed: str, country: str | None, offered: set[str]
) -> None:
    """IST, CST, EST… ask which is meant: one real zone for each set of clocks, never a fixed
    offset zone ("EST", "Etc/GMT+5") in place of a zone that has summer time."""
    found = zones.zone_for_place(typed, country)
    assert found.zone is None and set(found.candidates) == offered


def test_no_abbreviation_ever_gives_a_fixed_offset_zone(zones: TimezoneDirectory) -> None:
    """Every abbreviation, with or without a country, gives real zones only."""
    legacy = {"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "EET"}
    for typed in ("IST", "CST", "EST", "EDT", "BST", "PST", "MST", "CET", "EET", "MSK", "WAT"):
        for country in (None, "US", "IN", "GB", "RU", "NG"):
            for zone in zones.zone_for_place(typed, country).zones:
                assert not zone.startswith("Etc/") and zone not in legacy, (typed, country, zone)


def test_an_offset_typed_is_taken_as_asked(zones: TimezoneDirectory) -> None:
    """ "UTC+3" is a fixed offset (the participant asked for one), or the chosen country's zone
    at that offset; "UTC+5:30" offers India first."""
    assert zones.zone_for_place("UTC+3").zone == "Etc/GMT-3"
    assert zones.zone_for_place("UTC+3", "RU").zone == "Europe/Moscow"
    assert zones.zone_for_place("UTC+5:30").candidates[:2] == ("Asia/Kolkata", "Asia/Colombo")


# The 193 member states of the United Nations, their capital as written in English, and the
# zone of the time-zone database (zone.tab) that covers it.
CAPITALS = [
    ("AF", "Kabul", "Asia/Kabul"),
    ("AL", "Tirana", "Europe/Tirane"),
    ("DZ", "Algiers", "Africa/Algiers"),
    ("AD", "Andorra la Vella", "Europe/Andorra"),
    ("AO", "Luanda", "Africa/Luanda"),
    ("AG", "Saint John's", "America/Antigua"),
    ("AR", "Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("AM", "Yerevan", "Asia/Yerevan"),
    ("AU", "Canberra", "Australia/Sydney"),
    ("AT", "Vienna", "Europe/Vienna"),
    ("AZ", "Baku", "Asia/Baku"),
    ("BS", "Nassau", "America/Nassau"),
    ("BH", "Manama", "Asia/Bahrain"),
    ("BD", "Dhaka", "Asia/Dhaka"),
    ("BB", "Bridgetown", "America/Barbados"),
    ("BY", "Minsk", "Europe/Minsk"),
    ("BE", "Brussels", "Europe/Brussels"),
    ("BZ", "Belmopan", "America/Belize"),
    ("BJ", "Porto-Novo", "Africa/Porto-Novo"),
    ("BT", "Thimphu", "Asia/Thimphu"),
    ("BO", "Sucre", "America/La_Paz"),
    ("BA", "Sarajevo", "Europe/Sarajevo"),
    ("BW", "Gaborone", "Africa/Gaborone"),
    ("BR", "Brasília", "America/Sao_Paulo"),
    ("BN", "Bandar Seri Begawan", "Asia/Brunei"),
    ("BG", "Sofia", "Europe/Sofia"),
    ("BF", "Ouagadougou", "Africa/Ouagadougou"),
    ("BI", "Gitega", "Africa/Bujumbura"),
    ("CV", "Praia", "Atlantic/Cape_Verde"),
    ("KH", "Phnom Penh", "Asia/Phnom_Penh"),
    ("CM", "Yaoundé", "Africa/Douala"),
    ("CA", "Ottawa", "America/Toronto"),
    ("CF", "Bangui", "Africa/Bangui"),
    ("TD", "N'Djamena", "Africa/Ndjamena"),
    ("CL", "Santiago", "America/Santiago"),
    ("CN", "Beijing", "Asia/Shanghai"),
    ("CO", "Bogotá", "America/Bogota"),
    ("KM", "Moroni", "Indian/Comoro"),
    ("CG", "Brazzaville", "Africa/Brazzaville"),
    ("CD", "Kinshasa", "Africa/Kinshasa"),
    ("CR", "San José", "America/Costa_Rica"),
    ("CI", "Yamoussoukro", "Africa/Abidjan"),
    ("HR", "Zagreb", "Europe/Zagreb"),
    ("CU", "Havana", "America/Havana"),
    ("CY", "Nicosia", "Asia/Nicosia"),
    ("CZ", "Prague", "Europe/Prague"),
    ("DK", "Copenhagen", "Europe/Copenhagen"),
    ("DJ", "Djibouti", "Africa/Djibouti"),
    ("DM", "Roseau", "America/Dominica"),
    ("DO", "Santo Domingo", "America/Santo_Domingo"),
    ("EC", "Quito", "America/Guayaquil"),
    ("EG", "Cairo", "Africa/Cairo"),
    ("SV", "San Salvador", "America/El_Salvador"),
    ("GQ", "Malabo", "Africa/Malabo"),
    ("ER", "Asmara", "Africa/Asmara"),
    ("EE", "Tallinn", "Europe/Tallinn"),
    ("SZ", "Mbabane", "Africa/Mbabane"),
    ("ET", "Addis Ababa", "Africa/Addis_Ababa"),
    ("FJ", "Suva", "Pacific/Fiji"),
    ("FI", "Helsinki", "Europe/Helsinki"),
    ("FR", "Paris", "Europe/Paris"),
    ("GA", "Libreville", "Africa/Libreville"),
    ("GM", "Banjul", "Africa/Banjul"),
    ("GE", "Tbilisi", "Asia/Tbilisi"),
    ("DE", "Berlin", "Europe/Berlin"),
    ("GH", "Accra", "Africa/Accra"),
    ("GR", "Athens", "Europe/Athens"),
    ("GD", "St. George's", "America/Grenada"),
    ("GT", "Guatemala City", "America/Guatemala"),
    ("GN", "Conakry", "Africa/Conakry"),
    ("GW", "Bissau", "Africa/Bissau"),
    ("GY", "Georgetown", "America/Guyana"),
    ("HT", "Port-au-Prince", "America/Port-au-Prince"),
    ("HN", "Tegucigalpa", "America/Tegucigalpa"),
    ("HU", "Budapest", "Europe/Budapest"),
    ("IS", "Reykjavik", "Atlantic/Reykjavik"),
    ("IN", "New Delhi", "Asia/Kolkata"),
    ("ID", "Jakarta", "Asia/Jakarta"),
    ("IR", "Tehran", "Asia/Tehran"),
    ("IQ", "Baghdad", "Asia/Baghdad"),
    ("IE", "Dublin", "Europe/Dublin"),
    ("IL", "Jerusalem", "Asia/Jerusalem"),
    ("IT", "Rome", "Europe/Rome"),
    ("JM", "Kingston", "America/Jamaica"),
    ("JP", "Tokyo", "Asia/Tokyo"),
    ("JO", "Amman", "Asia/Amman"),
    ("KZ", "Astana", "Asia/Almaty"),
    ("KE", "Nairobi", "Africa/Nairobi"),
    ("KI", "Tarawa", "Pacific/Tarawa"),
    ("KP", "Pyongyang", "Asia/Pyongyang"),
    ("KR", "Seoul", "Asia/Seoul"),
    ("KW", "Kuwait City", "Asia/Kuwait"),
    ("KG", "Bishkek", "Asia/Bishkek"),
    ("LA", "Vientiane", "Asia/Vientiane"),
    ("LV", "Riga", "Europe/Riga"),
    ("LB", "Beirut", "Asia/Beirut"),
    ("LS", "Maseru", "Africa/Maseru"),
    ("LR", "Monrovia", "Africa/Monrovia"),
    ("LY", "Tripoli", "Africa/Tripoli"),
    ("LI", "Vaduz", "Europe/Vaduz"),
    ("LT", "Vilnius", "Europe/Vilnius"),
    ("LU", "Luxembourg", "Europe/Luxembourg"),
    ("MG", "Antananarivo", "Indian/Antananarivo"),
    ("MW", "Lilongwe", "Africa/Blantyre"),
    ("MY", "Kuala Lumpur", "Asia/Kuala_Lumpur"),
    ("MV", "Malé", "Indian/Maldives"),
    ("ML", "Bamako", "Africa/Bamako"),
    ("MT", "Valletta", "Europe/Malta"),
    ("MH", "Majuro", "Pacific/Majuro"),
    ("MR", "Nouakchott", "Africa/Nouakchott"),
    ("MU", "Port Louis", "Indian/Mauritius"),
    ("MX", "Mexico City", "America/Mexico_City"),
    ("FM", "Palikir", "Pacific/Pohnpei"),
    ("MD", "Chisinau", "Europe/Chisinau"),
    ("MC", "Monaco", "Europe/Monaco"),
    ("MN", "Ulaanbaatar", "Asia/Ulaanbaatar"),
    ("ME", "Podgorica", "Europe/Podgorica"),
    ("MA", "Rabat", "Africa/Casablanca"),
    ("MZ", "Maputo", "Africa/Maputo"),
    ("MM", "Naypyidaw", "Asia/Yangon"),
    ("NA", "Windhoek", "Africa/Windhoek"),
    ("NR", "Yaren", "Pacific/Nauru"),
    ("NP", "Kathmandu", "Asia/Kathmandu"),
    ("NL", "Amsterdam", "Europe/Amsterdam"),
    ("NZ", "Wellington", "Pacific/Auckland"),
    ("NI", "Managua", "America/Managua"),
    ("NE", "Niamey", "Africa/Niamey"),
    ("NG", "Abuja", "Africa/Lagos"),
    ("MK", "Skopje", "Europe/Skopje"),
    ("NO", "Oslo", "Europe/Oslo"),
    ("OM", "Muscat", "Asia/Muscat"),
    ("PK", "Islamabad", "Asia/Karachi"),
    ("PW", "Ngerulmud", "Pacific/Palau"),
    ("PA", "Panama City", "America/Panama"),
    ("PG", "Port Moresby", "Pacific/Port_Moresby"),
    ("PY", "Asunción", "America/Asuncion"),
    ("PE", "Lima", "America/Lima"),
    ("PH", "Manila", "Asia/Manila"),
    ("PL", "Warsaw", "Europe/Warsaw"),
    ("PT", "Lisbon", "Europe/Lisbon"),
    ("QA", "Doha", "Asia/Qatar"),
    ("RO", "Bucharest", "Europe/Bucharest"),
    ("RU", "Moscow", "Europe/Moscow"),
    ("RW", "Kigali", "Africa/Kigali"),
    ("KN", "Basseterre", "America/St_Kitts"),
    ("LC", "Castries", "America/St_Lucia"),
    ("VC", "Kingstown", "America/St_Vincent"),
    ("WS", "Apia", "Pacific/Apia"),
    ("SM", "San Marino", "Europe/San_Marino"),
    ("ST", "São Tomé", "Africa/Sao_Tome"),
    ("SA", "Riyadh", "Asia/Riyadh"),
    ("SN", "Dakar", "Africa/Dakar"),
    ("RS", "Belgrade", "Europe/Belgrade"),
    ("SC", "Victoria", "Indian/Mahe"),
    ("SL", "Freetown", "Africa/Freetown"),
    ("SG", "Singapore", "Asia/Singapore"),
    ("SK", "Bratislava", "Europe/Bratislava"),
    ("SI", "Ljubljana", "Europe/Ljubljana"),
    ("SB", "Honiara", "Pacific/Guadalcanal"),
    ("SO", "Mogadishu", "Africa/Mogadishu"),
    ("ZA", "Pretoria", "Africa/Johannesburg"),
    ("SS", "Juba", "Africa/Juba"),
    ("ES", "Madrid", "Europe/Madrid"),
    ("LK", "Sri Jayawardenepura Kotte", "Asia/Colombo"),
    ("SD", "Khartoum", "Africa/Khartoum"),
    ("SR", "Paramaribo", "America/Paramaribo"),
    ("SE", "Stockholm", "Europe/Stockholm"),
    ("CH", "Bern", "Europe/Zurich"),
    ("SY", "Damascus", "Asia/Damascus"),
    ("TJ", "Dushanbe", "Asia/Dushanbe"),
    ("TZ", "Dodoma", "Africa/Dar_es_Salaam"),
    ("TH", "Bangkok", "Asia/Bangkok"),
    ("TL", "Dili", "Asia/Dili"),
    ("TG", "Lomé", "Africa/Lome"),
    ("TO", "Nuku'alofa", "Pacific/Tongatapu"),
    ("TT", "Port of Spain", "America/Port_of_Spain"),
    ("TN", "Tunis", "Africa/Tunis"),
    ("TR", "Ankara", "Europe/Istanbul"),
    ("TM", "Ashgabat", "Asia/Ashgabat"),
    ("TV", "Funafuti", "Pacific/Funafuti"),
    ("UG", "Kampala", "Africa/Kampala"),
    ("UA", "Kyiv", "Europe/Kyiv"),
    ("AE", "Abu Dhabi", "Asia/Dubai"),
    ("GB", "London", "Europe/London"),
    ("US", "Washington", "America/New_York"),
    ("UY", "Montevideo", "America/Montevideo"),
    ("UZ", "Tashkent", "Asia/Tashkent"),
    ("VU", "Port Vila", "Pacific/Efate"),
    ("VE", "Caracas", "America/Caracas"),
    ("VN", "Hanoi", "Asia/Ho_Chi_Minh"),
    ("YE", "Sanaa", "Asia/Aden"),
    ("ZM", "Lusaka", "Africa/Lusaka"),
    ("ZW", "Harare", "Africa/Harare"),
]


def test_every_national_capital_is_found_by_its_english_name(zones: TimezoneDirectory) -> None:
    """Each of the 193 capitals sets its zone once the country is chosen, and without a country
    is at least offered (Kingston, Wellington, San José share their name with other places)."""
    assert len(CAPITALS) == len({country for country, _, _ in CAPITALS}) == 193
    wrong = []
    for country, capital, zone in CAPITALS:
        in_country = zones.zone_for_place(capital, country)
        anywhere = zones.zone_for_place(capital)
        if in_country.zone != zone or zone not in anywhere.zones:
            wrong.append((capital, zone, in_country.zone, anywhere.zones[:4]))
    assert wrong == []


def _script(name: str) -> str:
    letters = [unicodedata.name(ch, "").split(" ")[0] for ch in name if ch.isalpha()]
    return letters[0] if letters else ""


def test_every_large_city_is_found_by_each_of_its_names(zones: TimezoneDirectory) -> None:
    """Every city of more than 300,000 people, and every capital the list marks, is found in
    its country by its name and by each of its names in Latin, Cyrillic, Arabic and Chinese
    script that the list has (the scripts of the six languages), its zone decided or offered
    (Aurora, Colorado, beside Aurora, Illinois); and by its name without a country, unless a
    place of that name in another zone is eight times as large."""
    large = [record for record in geonames_records() if record.population >= 300_000]
    assert len(large) > 1_900
    missing: list[tuple[str, str, str]] = []
    for record in large:
        for name in _names_to_try(record):
            found = zones.cities.lookup(name, record.country)
            if not any(city.name == " ".join(record.name.split()) for city in found):
                missing.append((record.name, record.country, name))
    assert missing == []
    undecided = []
    for record in large:
        mine = zones.city_zone(_city(zones, record))
        in_country = zones.zone_for_place(record.name, record.country)
        if mine not in in_country.zones:  # decided, or offered beside namesakes (Aurora)
            undecided.append((record.name, record.country))
        anywhere = zones.zone_for_place(record.name)
        bigger = anywhere.city is not None and anywhere.city.population >= 8 * record.population
        if mine not in anywhere.zones and not bigger:
            undecided.append((record.name, record.country))
    assert undecided == []


def _names_to_try(record: CityRecord) -> list[str]:
    scripts = {"LATIN", "CYRILLIC", "ARABIC", "CJK"}
    return [
        name
        for name in typed_names(record.name, record.alternates)
        if _script(name) in scripts and len(name) <= 64  # what /timezone reads of an answer
    ]


def _city(zones: TimezoneDirectory, record: CityRecord) -> City:
    [city] = [
        city
        for city in zones.cities.lookup(record.name, record.country)
        if city.population == record.population and city.zone == record.zone.strip()
    ][:1]
    return city


async def test_timezone_asks_which_ist_is_meant(amina: ChatDriver, db: Store) -> None:
    """/timezone with "IST" offers India, Israel and Ireland by their cities and offsets, and
    sets nothing until one is pressed."""
    await amina.send("/timezone")
    [reply] = texts(await amina.send("IST"))
    assert "IST" in reply and "3" in reply
    buttons = buttons_of(amina.last_message_with_buttons())
    offered = ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]  # most people first
    assert [data for _, data in buttons] == [ChooseZone(zone).pack() for zone in offered]
    for (label, _), city, offset in zip(
        buttons,
        ["Kolkata", "Jerusalem", "Dublin"],
        ["UTC+05:30", "UTC+02:00", "(UTC)"],
        strict=True,
    ):
        assert city in label and offset in label
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone is None
    await amina.press(ChooseZone("Asia/Kolkata").pack())
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Asia/Kolkata"


async def test_timezone_takes_a_city_typed_in_chinese(amina: ChatDriver, db: Store) -> None:
    """成都 sets China's zone at once and says the time there."""
    await amina.send("/timezone")
    [reply] = texts(await amina.send("成都"))
    assert "Shanghai" in reply and "5:00\u202fPM" in reply
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone == "Asia/Shanghai"


async def test_timezone_asks_about_part_of_a_name(amina: ChatDriver, db: Store) -> None:
    """A part of a name offers what it may be, one button, and sets nothing."""
    await amina.send("/timezone")
    [reply] = texts(await amina.send("Chengd"))
    assert "Is it yours?" in reply
    assert [data for _, data in buttons_of(amina.last_message_with_buttons())] == [
        ChooseZone("Asia/Shanghai").pack()
    ]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.timezone is None


async def test_a_russian_client_is_offered_moscow_first(app: object, emulator: object) -> None:
    """A client tagged ru-RU sees Russia's zones, Moscow first, named in Russian."""
    chat = chat_as(app, emulator, id=3002, first_name="Ольга", language_code="ru-RU")  # type: ignore[arg-type]
    await chat.send("/timezone")
    buttons = buttons_of(chat.last_message_with_buttons())
    label, data = buttons[0]
    assert data == ChooseZone("Europe/Moscow").pack() and "Москва" in label and "+03:00" in label
    assert len(buttons) == 8


@pytest.mark.parametrize(
    ("typed", "country", "expected"),
    [
        # Seen in the acceptance test: "USA" was Usa (Japan) and Usa River (Tanzania).
        ("USA", None, ["America/New_York", "America/Chicago"]),
        ("usa", None, ["America/New_York", "America/Chicago"]),
        # "est" was Estonia's ISO code, so Tallinn, set without asking.
        ("est", None, ["America/New_York", "America/Jamaica"]),
        ("ＥＳＴ", None, ["America/New_York", "America/Jamaica"]),
        # Three large Springfields in three zones: asked, not the largest taken.
        ("Springfield", "US", ["America/Chicago", "America/New_York", "America/Los_Angeles"]),
        ("Stavropol", "RU", ["Europe/Moscow"]),  # not Tolyatti, once Stavropol-on-Volga
    ],
)
def test_names_that_misled_are_read_as_meant(
    zones: TimezoneDirectory, typed: str, country: str | None, expected: list[str]
) -> None:
    found = zones.zone_for_place(typed, country)
    assert found.zones[: len(expected)] == expected
    assert (found.zone is not None) == (len(expected) == 1)
