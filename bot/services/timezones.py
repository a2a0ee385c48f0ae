"""Finding a user's time zone from what they type: a city, a country or a zone name.

People do not know IANA names, so the directory also knows every zone's city and every
country's name in each supported language (from babel's CLDR data): "Найроби", "Kenya",
"Nairobi" and "Africa/Nairobi" all lead to the same zone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from bot.i18n import SUPPORTED_LANGUAGES, clean_user_text
from bot.services.countries import EXTRA_COUNTRY_ZONES, CountryDirectory, normalize

_ZONE_KEY = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$")
_UTC_OFFSET = re.compile(r"^(?:utc|gmt)([+-])(\d{1,2})(?::?(\d{2}))?$")
# Large cities that are not the example city of an IANA zone, in the languages people type.
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
MAX_QUERY_LENGTH = 64


def is_known_zone(zone: str) -> bool:
    """True for an IANA zone name that this machine's time-zone database has."""
    if len(zone) > MAX_QUERY_LENGTH or not _ZONE_KEY.match(zone):
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class TimezoneDirectory:
    """Every country's zones and every zone's names, built once at start-up."""

    def __init__(self, countries: CountryDirectory) -> None:
        self._countries = countries
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
        self._country_zones = {
            country: tuple(zone for zone in zones if zone in loaded)
            for country, zones in territory_zones.items()
        }
        self._zones = tuple(sorted(loaded))
        by_city_name: dict[str, set[str]] = defaultdict(set)
        normalized: dict[str, str] = {}  # most cities are spelled alike in several languages
        for code in SUPPORTED_LANGUAGES:
            locale = Locale.parse(code)
            for zone in self._zones:
                city = get_timezone_location(loaded[zone], locale=locale, return_city=True)
                if city not in normalized:
                    normalized[city] = normalize(city)
                by_city_name[normalized[city]].add(zone)
        for zone in self._zones:
            by_city_name[normalize(zone.rsplit("/", 1)[-1])].add(zone)
        for zone, cities in CITY_ZONES.items():
            for city in cities:
                by_city_name[normalize(city)].add(zone)
        # Read-only from here on: one directory is shared by everything in the process.
        self._by_city_name = {name: frozenset(zones) for name, zones in by_city_name.items()}
        # Every name the time-zone database accepts, old ones included ("Asia/Calcutta").
        self._zone_names = {name.casefold(): name for name in available_timezones()}

    def zones_of_country(self, country: str) -> list[str]:
        return list(self._country_zones.get(country.upper(), ()))

    def find(self, query: str, limit: int = 50) -> list[str]:
        """The zones that `query` most likely means, best first; empty when nothing fits."""
        query = clean_user_text(query).strip()[:MAX_QUERY_LENGTH]
        if not query:
            return []
        if query.upper() in ("UTC", "GMT", "Z"):
            return ["UTC"]
        named = self._zone_names.get(query.casefold())
        if named is not None and is_known_zone(named):
            return [named]
        offset = _UTC_OFFSET.match("".join(query.casefold().split()))
        if offset:
            sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
            if minutes:
                return self._zones_at_offset(sign, hours, minutes)[:limit]
            return self._fixed_offset(sign, hours)
        key = normalize(query)
        if not key:
            return []
        exact = sorted(self._by_city_name.get(key, set()))
        countries = self._countries.match(query)
        if countries.exact:
            exact += [z for z in self.zones_of_country(countries.exact) if z not in exact]
        if exact:
            return exact[:limit]
        if len(key) < 3:
            return []
        partial: set[str] = set()
        for name, zones in self._by_city_name.items():
            if name.startswith(key) or f" {key}" in name:
                partial.update(zones)
        for country in countries.candidates:
            partial.update(self.zones_of_country(country))
        return sorted(partial)[:limit]

    def _zones_at_offset(self, sign: str, hours: int, minutes: int) -> list[str]:
        """ "UTC+5:30": the zones that keep that offset in January or July (no Etc zone has
        minutes)."""
        wanted = (1 if sign == "+" else -1) * timedelta(hours=hours, minutes=minutes)
        moments = (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))
        return [
            zone
            for zone in self._zones
            if any(moment.astimezone(ZoneInfo(zone)).utcoffset() == wanted for moment in moments)
        ]

    @staticmethod
    def _fixed_offset(sign: str, hours: int) -> list[str]:
        """ "UTC+3" as a zone; IANA's Etc zones invert the sign (Etc/GMT-3 is UTC+3)."""
        if hours == 0:
            return ["UTC"]
        if hours > 14 or (sign == "-" and hours > 12):
            return []
        return [f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"]
