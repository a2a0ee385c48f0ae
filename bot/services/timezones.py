"""Finding a user's time zone from what they type: a city, a country or a zone name.

People do not know IANA names, so the directory also knows every zone's city and every
country's name in each supported language (from babel's CLDR data): "Найроби", "Kenya",
"Nairobi" and "Africa/Nairobi" all lead to the same zone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from bot.i18n import SUPPORTED_LANGUAGES
from bot.services.countries import CountryDirectory, normalize

_ZONE_KEY = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}$")
_UTC_OFFSET = re.compile(r"^(?:utc|gmt)([+-])(\d{1,2})$")
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
        territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
        self._country_zones = {
            country: [zone for zone in zones if is_known_zone(zone)]
            for country, zones in territory_zones.items()
        }
        self._zones = sorted({z for zones in self._country_zones.values() for z in zones})
        self._by_city_name: dict[str, set[str]] = defaultdict(set)
        for code in SUPPORTED_LANGUAGES:
            locale = Locale.parse(code)
            for zone in self._zones:
                city = get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True)
                self._by_city_name[normalize(city)].add(zone)
        for zone in self._zones:
            self._by_city_name[normalize(zone.rsplit("/", 1)[-1])].add(zone)

    def zones_of_country(self, country: str) -> list[str]:
        return list(self._country_zones.get(country.upper(), []))

    def find(self, query: str, limit: int = 50) -> list[str]:
        """The zones that `query` most likely means, best first; empty when nothing fits."""
        query = query.strip()[:MAX_QUERY_LENGTH]
        if not query:
            return []
        if query.upper() in ("UTC", "GMT", "Z"):
            return ["UTC"]
        for zone in self._zones:
            if zone.casefold() == query.casefold():
                return [zone]
        offset = _UTC_OFFSET.match("".join(query.casefold().split()))
        if offset:
            return self._fixed_offset(offset.group(1), int(offset.group(2)))
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

    @staticmethod
    def _fixed_offset(sign: str, hours: int) -> list[str]:
        """ "UTC+3" as a zone; IANA's Etc zones invert the sign (Etc/GMT-3 is UTC+3)."""
        if hours == 0:
            return ["UTC"]
        if hours > 14 or (sign == "-" and hours > 12):
            return []
        return [f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"]
