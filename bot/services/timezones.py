"""Finding a user's time zone from what they type: a city, a country, a zone name, an offset
or an abbreviation.

People do not know IANA names. A city they type, in any script, is looked up in the world
city list (`bot.services.cities`) and decides the zone when it can: a city of the country they
chose, or one much larger than every other place of that name. A country's zones are offered
most-populous first (the people of its listed cities), so Russia starts with Moscow. An
abbreviation is read as the time-zone database uses it ("IST" is India, Israel and Ireland),
and one that means zones with different clocks asks which; a fixed offset is only ever what
someone typed ("UTC+3"), never an answer to "EST".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from bot.i18n import SUPPORTED_LANGUAGES, clean_user_text
from bot.services.cities import City, CityIndex, LazyCities, fold, has_vowel_marks
from bot.services.countries import EXTRA_COUNTRY_ZONES, CountryDirectory

_ZONE_KEY = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$")
_UTC_OFFSET = re.compile(r"^(?:utc|gmt)([+-])(\d{1,2})(?::?(\d{2}))?$")
_ABBREVIATION = re.compile(r"^[A-Za-z]{2,5}$")
_COMMA = re.compile("[،，、]")  # Arabic and Chinese commas
# Large cities that are not the example city of an IANA zone, in the languages people type:
# the programme import's list (the city list covers them and more for participants).
CITY_ZONES = {
    "Asia/Shanghai": (
        "beijing",
        "pekin",
        "pekín",
        "北京",
        "пекин",
        "بكين",
        "guangzhou",
        "shenzhen",
    ),
    "Asia/Kolkata": (
        "delhi",
        "new delhi",
        "mumbai",
        "bombay",
        "bangalore",
        "bengaluru",
        "chennai",
        "hyderabad",
        "दिल्ली",
        "дели",
        "нью дели",
        "мумбаи",
        "نيودلهي",
        "新德里",
        "孟买",
    ),
    "America/New_York": ("washington", "вашингтон", "واشنطن", "华盛顿", "boston", "miami"),
    "America/Sao_Paulo": ("rio de janeiro", "brasilia", "brasília", "рио де жанейро"),
    "Africa/Lagos": ("abuja", "абуджа", "أبوجا", "阿布贾"),
    "Asia/Karachi": ("islamabad", "lahore", "исламабад", "إسلام آباد", "伊斯兰堡"),
    "Europe/Istanbul": ("ankara", "анкара", "أنقرة", "安卡拉"),
    "Africa/Johannesburg": ("pretoria", "cape town", "durban", "претория", "كيب تاون"),
    "America/Guayaquil": ("quito", "кито"),
    "Africa/Douala": ("yaounde", "yaoundé", "яунде"),
    "America/Toronto": ("ottawa", "montreal", "оттава"),
    "Australia/Sydney": ("canberra", "канберра"),
    "Asia/Ho_Chi_Minh": ("hanoi", "hà nội", "ханой", "هانوي", "河内"),
    "Africa/Casablanca": ("rabat", "marrakech", "рабат", "الرباط"),
    "Asia/Riyadh": ("jeddah", "mecca", "جدة", "مكة"),
    "Asia/Dhaka": ("chittagong", "chattogram"),
    "Asia/Manila": ("quezon city", "cebu", "davao"),
}
# Abbreviations people use that the time-zone database does not (it names these zones by
# their offset, "+04"), from the zones' common English names; the database's own ("IST",
# "CST", "MSK", "WAT"…) are read from it.
EXTRA_ABBREVIATIONS = {
    "GST": ("Asia/Dubai",),  # Gulf Standard Time
    "AST": ("Asia/Riyadh",),  # Arabia Standard Time (also Atlantic, from the database)
    "BST": ("Asia/Dhaka",),  # Bangladesh Standard Time (also British Summer Time)
    "IRST": ("Asia/Tehran",),
    "AFT": ("Asia/Kabul",),
    "NPT": ("Asia/Kathmandu",),
    "ICT": ("Asia/Bangkok",),  # Indochina Time
    "SGT": ("Asia/Singapore",),
    "MYT": ("Asia/Kuala_Lumpur",),
    "PHT": ("Asia/Manila",),
    "UZT": ("Asia/Tashkent",),
    "ALMT": ("Asia/Almaty",),
    "GET": ("Asia/Tbilisi",),
    "AZT": ("Asia/Baku",),
    "AMT": ("Asia/Yerevan",),
    "TRT": ("Europe/Istanbul",),
    "BRT": ("America/Sao_Paulo",),
    "ART": ("America/Argentina/Buenos_Aires",),
    "CLT": ("America/Santiago",),
    "COT": ("America/Bogota",),
    "PET": ("America/Lima",),
    "ECT": ("America/Guayaquil",),
    "VET": ("America/Caracas",),
    "BOT": ("America/La_Paz",),
    "PYT": ("America/Asuncion",),
    "UYT": ("America/Montevideo",),
}
MAX_QUERY_LENGTH = 64
MAX_CANDIDATES = 12
# A city decides its zone without a country when it has this many times more people than
# every other place of that name in other zones: Geneva (Switzerland, 202,000) over Geneva
# (Illinois, 22,000); not Kingston (Jamaica, 938,000) over Kingston (Ontario, 132,000).
DOMINANT = 8
# Within the country the participant chose, less is enough: Калининград (475,000) over
# Korolyov (140,000, once Kaliningrad too); not Springfield, Missouri (170,000) over
# Springfield, Massachusetts (154,000) and Oregon.
IN_COUNTRY_DOMINANT = 3
# A large city of the same name as a country is offered beside the country ("عمان": Oman,
# and Amman).
LARGE_CITY = 300_000
MAX_OWN_NAMES = 50  # cities of one name compared with their own name ("Santa Cruz": hundreds)

MatchKind = Literal["zone", "offset", "abbreviation", "city", "country", "partial", "none"]


def is_known_zone(zone: str) -> bool:
    """True for an IANA zone name that this machine's time-zone database has."""
    if len(zone) > MAX_QUERY_LENGTH or not _ZONE_KEY.match(zone):
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@dataclass(frozen=True)
class PlaceMatch:
    """What a typed place says about the zone: `zone` when it decides it (set it without
    asking), else `candidates` to offer, most likely first (empty: nothing fits).

    `outside_country`: a country was chosen, nothing in it matched, and the candidates are
    elsewhere; ask before taking one ("Kazan is in Russia, not Turkey?")."""

    zone: str | None = None
    candidates: tuple[str, ...] = ()
    kind: MatchKind = "none"
    outside_country: bool = False
    city: City | None = None  # the city that decided, or the largest one behind candidates

    @property
    def zones(self) -> list[str]:
        return [self.zone] if self.zone else list(self.candidates)


class TimezoneDirectory:
    """Every country's zones and every zone's names. The zone names are built at start-up;
    the city list the first time a city, or a country's zones, are needed."""

    def __init__(
        self,
        countries: CountryDirectory,
        cities: LazyCities | None = None,
        year: int | None = None,
    ) -> None:
        self._countries = countries
        self._cities = cities or LazyCities()
        territory_zones: Mapping[str, list[str]] = {
            **get_global("territory_zones"),
            **EXTRA_COUNTRY_ZONES,
        }
        # Each zone is read from disk once, then shared by every language: a ZoneInfo nobody
        # holds on to is read again by the next ZoneInfo(name), which was most of this cost.
        loaded: dict[str, ZoneInfo] = {}
        for zones in territory_zones.values():
            for zone in zones:
                if zone not in loaded and is_known_zone(zone):
                    loaded[zone] = ZoneInfo(zone)
        self._loaded = loaded
        self._country_zones = {
            country: tuple(zone for zone in zones if zone in loaded)
            for country, zones in territory_zones.items()
            if len(country) == 2 and country.isalpha()
        }
        self._zones = tuple(sorted(loaded))
        # Four moments of the year: zones that agree at all four keep the same clocks.
        year = year or datetime.now(UTC).year
        self._moments = tuple(datetime(year, month, 15, tzinfo=UTC) for month in (1, 4, 7, 10))
        by_name: dict[str, set[str]] = defaultdict(set)
        folded: dict[str, str] = {}  # most cities are spelled alike in several languages
        for code in SUPPORTED_LANGUAGES:
            locale = Locale.parse(code)
            for zone in self._zones:
                city = get_timezone_location(loaded[zone], locale=locale, return_city=True)
                if city not in folded:
                    folded[city] = fold(city)
                by_name[folded[city]].add(zone)
        for zone in self._zones:
            by_name[fold(zone.rsplit("/", 1)[-1])].add(zone)
        for zone, names in CITY_ZONES.items():
            for name in names:
                by_name[fold(name)].add(zone)
        # Read-only from here on: one directory is shared by everything in the process.
        self._by_zone_city = {name: frozenset(zones) for name, zones in by_name.items()}
        # Every name the time-zone database accepts, old ones included ("Asia/Calcutta"), but
        # not the bare legacy ones: "EST" and "MST" are fixed offsets, "Japan" is a country.
        self._zone_names = {name.casefold(): name for name in available_timezones() if "/" in name}
        self._abbreviations = self._read_abbreviations()
        # Countries by their CLDR names in every language, for the names a city may also have
        # ("Mexico", "Panama", "عمان"); the country directory's slower match knows the rest.
        country_names: dict[str, set[str]] = defaultdict(set)
        for code in SUPPORTED_LANGUAGES:
            for country, name in Locale.parse(code).territories.items():
                if country in self._country_zones:
                    country_names[fold(name)].add(country)
        self._country_names = {
            name: next(iter(codes)) for name, codes in country_names.items() if len(codes) == 1
        }
        # Country names whose Arabic vowels matter: "عُمان" is Oman, "عمّان" is Amman.
        self._marked_countries = {
            fold(name, keep_vowel_marks=True): code
            for code, name in Locale.parse("ar").territories.items()
            if code in self._country_zones and has_vowel_marks(name)
        }

    # -- the world city list, read the first time it is needed ---------------------------

    @property
    def cities(self) -> CityIndex:
        return self._cities.get()

    def warm_up(self) -> None:
        """Read the city list now, on a thread of its own, so that the first participant who
        types a city or picks a country does not wait for it (a second or two, once)."""
        threading.Thread(target=lambda: self._populations, name="city-list", daemon=True).start()

    @cached_property
    def _populations(self) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
        """Each country's zones most-populous first, and each zone's people (all countries)."""
        by_country: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        by_zone: dict[str, int] = defaultdict(int)
        for (country, zone), people in self.cities.zone_populations().items():
            mapped = self._zone_in_country(country, zone)
            if mapped is not None:
                by_country[country][mapped] += people
                by_zone[mapped] += people
        ordered = {
            country: tuple(sorted(zones, key=lambda zone: -by_country[country].get(zone, 0)))
            for country, zones in self._country_zones.items()
        }
        return ordered, dict(by_zone)

    def zones_of_country(self, country: str) -> list[str]:
        """The country's zones, the one where most of its people live first."""
        return list(self._populations[0].get(country.upper(), ()))

    def clocks_of_country(self, country: str) -> list[str]:
        """The country's zones to offer: one for each way of keeping the clocks this year,
        the most populous of each, most people first. Brazil's eight buttons are not six
        zones at UTC-03:00 (São Paulo stands for Recife and Belém); Kazakhstan, all at
        UTC+05:00, has one."""
        chosen: dict[tuple[timedelta, ...], str] = {}
        for zone in self.zones_of_country(country):
            chosen.setdefault(self._offsets(zone), zone)
        return list(chosen.values())

    def zone_population(self, zone: str) -> int:
        return self._populations[1].get(zone, 0)

    def zone_city(self, zone: str, language: str) -> str:
        """The zone's city in `language`, as CLDR names it ("Москва", "圣保罗"): a label."""
        if zone not in self._loaded:
            return ""
        return str(
            get_timezone_location(
                self._loaded[zone], locale=Locale.parse(language), return_city=True
            )
        )

    def city_zone(self, city: City) -> str | None:
        """The zone to set for a city: GeoNames' own, or the zone of the city's country that
        keeps the same clocks when GeoNames uses another country's ("Asia/Bangkok" for Hanoi)."""
        return self._zone_in_country(city.country, city.zone)

    # -- what people type ------------------------------------------------------------------

    def find(self, query: str, limit: int = 50) -> list[str]:
        """The zones that `query` most likely means, best first; one when it decides; empty
        when nothing fits."""
        return self.zone_for_place(query).zones[:limit]

    def zone_for_place(self, text: str, country: str | None = None) -> PlaceMatch:
        """What `text` (a city in any script, a country, a zone name, "UTC+3", "IST") says
        about the zone, for someone who chose `country` (an ISO code) or no country."""
        query = " ".join(clean_user_text(text).split())[:MAX_QUERY_LENGTH]
        chosen = country.upper() if country and country.upper() in self._country_zones else None
        if not query:
            return PlaceMatch()
        if query.upper() in ("UTC", "Z"):
            return PlaceMatch("UTC", kind="zone")
        named = self._zone_names.get(query.casefold())
        if named is not None and is_known_zone(named):
            return PlaceMatch(named, kind="zone")
        offset = _UTC_OFFSET.match("".join(query.casefold().split()))
        if offset:
            return self._offset(offset, chosen)
        wide = unicodedata.normalize("NFKC", query)  # "ＥＳＴ" is "EST"
        if wide.upper() in self._abbreviations and _ABBREVIATION.match(wide):
            # Before countries' codes ("est" is not Estonia's ISO code here): as typed in
            # capitals it may decide; otherwise it is asked, even when one zone fits.
            found = self._abbreviation(wide.upper(), chosen)
            if wide.isupper():
                return found
            return PlaceMatch(
                candidates=tuple(found.zones),
                kind="abbreviation",
                outside_country=found.outside_country,
            )
        place = self._city_or_country(query, chosen)
        if place is not None:
            return place
        named_zones = self._by_zone_city.get(fold(query), frozenset())
        if named_zones:
            return self._among(sorted(named_zones, key=self._people), chosen, "city")
        with_country = self._place_and_country(query, chosen)
        if with_country is not None:
            return with_country
        return self._partial(query, chosen)

    def _place_and_country(self, query: str, chosen: str | None) -> PlaceMatch | None:
        """ "London, Canada", "Kingston, Jamaica": the place in the country named after it."""
        place, comma, country_name = _COMMA.sub(",", query).rpartition(",")
        if not comma or not place.strip():
            return None
        country = self._countries.match(country_name).exact
        if country is None or (chosen is not None and country != chosen):
            return None
        return self._city_or_country(place.strip(), country)

    def _city_or_country(self, query: str, chosen: str | None) -> PlaceMatch | None:
        cities, country = self._cities_and_country(query)
        if chosen is not None:
            inside = [city for city in cities if city.country == chosen]
            if inside:  # Springfield (USA): Illinois, Missouri and Massachusetts ask
                decided = (
                    self._one_clock(query, inside)
                    or self._dominant(inside, IN_COUNTRY_DOMINANT)
                    or self._only_one_so_named(query, inside)
                    or self._decided(query, inside)
                )
                if decided is not None:
                    return self._decided_by(decided)
                return self._cities_elsewhere(inside, outside=False)
            if country == chosen:
                return self._country(chosen)
            if cities:
                return self._cities_elsewhere(cities)
            if country is not None:
                zones = self.clocks_of_country(country)
                return PlaceMatch(candidates=tuple(zones), kind="country", outside_country=True)
            return None
        if country is not None:
            zones = self.clocks_of_country(country)
            large = [
                zone
                for city in cities
                if city.country != country and city.population >= LARGE_CITY
                for zone in [self.city_zone(city)]
                if zone is not None and zone not in zones
            ]
            if not large and len(zones) == 1:
                return PlaceMatch(zones[0], kind="country")
            return PlaceMatch(candidates=tuple(dict.fromkeys([*zones, *large])), kind="country")
        if not cities:
            return None
        decided = self._decided(query, cities)
        if decided is not None:
            return PlaceMatch(self.city_zone(decided), kind="city", city=decided)
        return self._cities_elsewhere(self._own_first(query, cities), outside=False)

    @staticmethod
    def _own_named(query: str, cities: list[City]) -> list[City]:
        """The cities whose own name `query` is (not one of their other names)."""
        key = fold(query)
        return [city for city in cities[:MAX_OWN_NAMES] if fold(city.name) == key]

    def _own_first(self, query: str, cities: list[City]) -> list[City]:
        own = self._own_named(query, cities)
        return own + [city for city in cities if city not in own]

    def _decided(self, query: str, cities: list[City]) -> City | None:
        """The city `query` means among `cities` of that name, if one stands out: far larger
        than the others, or, among those of its own name ("Suva" is Fiji's, Suwa in Japan
        only so spelled; "Kaliningrad" the city, not Korolyov once so named), the largest."""
        decided = self._dominant(cities)
        if decided is not None:
            return decided
        own = self._own_named(query, cities)
        others = [city for city in cities if city not in own]
        if own and own[0].population >= max((c.population for c in others), default=0):
            return self._dominant(own)
        return None

    def _only_one_so_named(self, query: str, cities: list[City]) -> City | None:
        """The one city of the country whose own name this is: "Stavropol" is Stavropol, not
        Tolyatti (Stavropol-on-Volga until 1964), larger as it is."""
        own = self._own_named(query, cities)
        return own[0] if len(own) == 1 else None

    def _one_clock(self, query: str, cities: list[City]) -> City | None:
        """When `cities` all keep the same clocks (João Pessoa and its namesakes in Brazil,
        in America/Fortaleza and America/Recife, both UTC-03:00): the largest of its own
        name, else the largest."""
        zones = {self.city_zone(city) for city in cities}
        if None in zones or len({self._offsets(zone) for zone in zones if zone}) != 1:
            return None
        return self._own_first(query, cities)[0]

    def _dominant(self, cities: list[City], factor: int = DOMINANT) -> City | None:
        """The largest of `cities`, when it has `factor` times the people of all the others in
        other zones together."""
        biggest = cities[0]
        zone = self.city_zone(biggest)
        if zone is None:
            return None
        others = sum(
            city.population for city in cities[1:] if self.city_zone(city) not in (zone, None)
        )
        return biggest if biggest.population >= factor * others else None

    def _cities_and_country(self, query: str) -> tuple[list[City], str | None]:
        """The cities `query` names and the country it names, if any; Arabic vowel marks,
        when typed, tell a city from a country spelled alike."""
        if has_vowel_marks(query):
            marked = fold(query, keep_vowel_marks=True)
            if marked in self._marked_countries:
                return [], self._marked_countries[marked]
            written = self.cities.with_vowel_marks(query)
            if written:
                return written, None
        cities = self.cities.lookup(query)
        country = self._country_names.get(fold(query))
        if country is None and not any(city.population >= LARGE_CITY for city in cities):
            # Aliases and other names ("DRC", "Белоруссия"), before small places spelled
            # alike: "USA" is the United States, not Usa (Japan) and Usa (Tanzania).
            country = self._countries.match(query).exact
        return cities, country

    def _decided_by(self, city: City) -> PlaceMatch:
        zone = self.city_zone(city)
        if zone is None:
            return PlaceMatch()
        return PlaceMatch(zone, kind="city", city=city)

    def _cities_elsewhere(self, cities: list[City], outside: bool = True) -> PlaceMatch:
        zones = [zone for zone in map(self.city_zone, cities) if zone is not None]
        return PlaceMatch(
            candidates=tuple(dict.fromkeys(zones))[:MAX_CANDIDATES],
            kind="city",
            outside_country=outside,
            city=cities[0],
        )

    def _country(self, country: str) -> PlaceMatch:
        zones = self.clocks_of_country(country)
        if len(zones) == 1:
            return PlaceMatch(zones[0], kind="country")
        return PlaceMatch(candidates=tuple(zones), kind="country")

    def _among(self, zones: Iterable[str], chosen: str | None, kind: MatchKind) -> PlaceMatch:
        """Zones from a name: those of the chosen country when it has any, else all of
        them, said to be outside it."""
        zones = list(zones)
        inside = [zone for zone in zones if chosen is None or zone in self._country_zones[chosen]]
        offered = inside or zones
        outside = chosen is not None and not inside
        if len(offered) == 1 and not outside:
            return PlaceMatch(offered[0], kind=kind)
        return PlaceMatch(
            candidates=tuple(offered[:MAX_CANDIDATES]), kind=kind, outside_country=outside
        )

    def _partial(self, query: str, chosen: str | None) -> PlaceMatch:
        """Cities whose name starts with `query`, and countries it may mean: never decided
        without asking, even when only one fits."""
        cities = self.cities.starting_with(query, chosen)
        outside = False
        if chosen is not None and not cities:
            cities, outside = self.cities.starting_with(query), True
        zones = [zone for zone in map(self.city_zone, cities) if zone is not None]
        if chosen is None:
            for code in self._countries.match(query).candidates:
                zones += self.clocks_of_country(code)
        offered = tuple(dict.fromkeys(zones))[:MAX_CANDIDATES]
        if not offered:
            return PlaceMatch()
        city = cities[0] if cities else None
        return PlaceMatch(candidates=offered, kind="partial", outside_country=outside, city=city)

    # -- offsets and abbreviations ------------------------------------------------------

    def _offset(self, offset: re.Match[str], chosen: str | None) -> PlaceMatch:
        """ "UTC+3": the chosen country's zones at that offset when it has some, else the
        fixed offset asked for; with minutes ("UTC+5:30"), the zones that keep them."""
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        wanted = (1 if sign == "+" else -1) * timedelta(hours=hours, minutes=minutes)
        at_offset = [zone for zone in self._zones if wanted in self._offsets(zone)]
        if chosen is not None:
            inside = [zone for zone in self.zones_of_country(chosen) if zone in at_offset]
            if inside:
                return self._grouped(inside, "offset")
        if minutes:
            ordered = sorted(at_offset, key=self._people)
            return PlaceMatch(candidates=tuple(ordered[:MAX_CANDIDATES]), kind="offset")
        fixed = self._fixed_offset(sign, hours)
        return PlaceMatch(fixed, kind="offset") if fixed else PlaceMatch()

    def _abbreviation(self, abbreviation: str, chosen: str | None) -> PlaceMatch:
        """The zones that use `abbreviation`, one for each way of keeping the clocks (India,
        Israel and Ireland for "IST"); the chosen country's when it has any."""
        zones = self._abbreviations[abbreviation]
        if abbreviation == "GMT" and chosen is None:
            return PlaceMatch(candidates=("UTC", "Europe/London"), kind="abbreviation")
        if chosen is not None:
            inside = [zone for zone in self.zones_of_country(chosen) if zone in zones]
            if inside:
                return self._grouped(inside, "abbreviation")
            found = self._grouped(zones, "abbreviation")
            return PlaceMatch(
                candidates=tuple(found.zones), kind="abbreviation", outside_country=True
            )
        return self._grouped(zones, "abbreviation")

    def _grouped(self, zones: Iterable[str], kind: MatchKind) -> PlaceMatch:
        """One zone for each set of clocks among `zones` (the most populous), groups with the
        most people first: one group decides."""
        groups: dict[tuple[timedelta, ...], list[str]] = defaultdict(list)
        for zone in zones:
            groups[self._offsets(zone)].append(zone)
        leaders = sorted(
            (sorted(members, key=self._people) for members in groups.values()),
            key=lambda members: -sum(map(self.zone_population, members)),
        )
        chosen = [members[0] for members in leaders]
        if len(chosen) == 1:
            return PlaceMatch(chosen[0], kind=kind)
        return PlaceMatch(candidates=tuple(chosen[:MAX_CANDIDATES]), kind=kind)

    def _read_abbreviations(self) -> dict[str, frozenset[str]]:
        """Each abbreviation the database uses this year for a country's zone, and ours."""
        found: dict[str, set[str]] = defaultdict(set)
        for zones in self._country_zones.values():
            for zone in zones:
                for moment in self._moments:
                    name = moment.astimezone(self._loaded[zone]).tzname() or ""
                    if name.isalpha():
                        found[name.upper()].add(zone)
        for abbreviation, zones in EXTRA_ABBREVIATIONS.items():
            found[abbreviation].update(zone for zone in zones if zone in self._loaded)
        found.pop("UTC", None)
        return {name: frozenset(zones) for name, zones in found.items() if zones}

    def _offsets(self, zone: str) -> tuple[timedelta, ...]:
        info = self._loaded.get(zone) or ZoneInfo(zone)
        return tuple(
            moment.astimezone(info).utcoffset() or timedelta(0) for moment in self._moments
        )

    def _people(self, zone: str) -> tuple[int, str]:
        """Sort key: most people first, then by name."""
        return (-self.zone_population(zone), zone)

    def _zone_in_country(self, country: str, zone: str) -> str | None:
        """`zone` as the country's zone list names it: GeoNames gives some cities another
        country's zone with the same clocks (Vietnam "Asia/Bangkok", Somalia
        "Africa/Addis_Ababa"); they count as the country's own."""
        own = self._country_zones.get(country, ())
        if zone in own or not own:
            return zone if zone in self._loaded or is_known_zone(zone) else None
        if zone not in self._loaded and not is_known_zone(zone):
            return own[0] if len(own) == 1 else None
        clocks = self._offsets(zone)
        same = [candidate for candidate in own if self._offsets(candidate) == clocks]
        if same:
            return same[0]
        return zone  # a place that keeps another country's clocks (Sukhumi, Moscow time)

    @staticmethod
    def _fixed_offset(sign: str, hours: int) -> str | None:
        """ "UTC+3" as a zone; IANA's Etc zones invert the sign (Etc/GMT-3 is UTC+3)."""
        if hours == 0:
            return "UTC"
        if hours > 14 or (sign == "-" and hours > 12):
            return None
        return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
