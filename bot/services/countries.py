"""Recognizing a country from what a participant types, in any supported language.

Names come from babel's CLDR data in every supported language (and English), so "Kenya",
"Кения", "肯尼亚" and "ke" are all Kenya. A typo or a partial name gets the closest matches
to choose from, never a silent guess.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from babel import Locale
from babel.core import get_global

from bot.i18n import SUPPORTED_LANGUAGES

MAX_CANDIDATES = 6
# Names people commonly type that CLDR does not list.
ALIASES = {
    "usa": "US",
    "u s a": "US",
    "united states of america": "US",
    "uk": "GB",
    "england": "GB",
    "ivory coast": "CI",
    "drc": "CD",
    "dr congo": "CD",
    "uae": "AE",
    "south korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "vietnam": "VN",
    "laos": "LA",
    "syria": "SY",
    "iran": "IR",
    "bolivia": "BO",
    "tanzania": "TZ",
    "palestine": "PS",
    "palestina": "PS",
    "state of palestine": "PS",
    "etat de palestine": "PS",
    "estado de palestina": "PS",
    "فلسطين": "PS",
    "دولة فلسطين": "PS",
    "巴勒斯坦": "PS",
    "палестина": "PS",
    "сша": "US",
    "ee uu": "US",
    "eeuu": "US",
    "оаэ": "AE",
    "юар": "ZA",
}
# Names that stand for more than one country: the participant chooses, nothing is guessed.
AMBIGUOUS = {
    "congo": ("CD", "CG"),
    "конго": ("CD", "CG"),
    "الكونغو": ("CD", "CG"),
    "刚果": ("CD", "CG"),
}
# Countries CLDR names but lists without a time zone of their own, with the zone they use.
EXTRA_COUNTRY_ZONES = {"XK": ["Europe/Belgrade"]}


def normalize(text: str) -> str:
    """Fold case, accents and separators so "são_paulo" finds "Sao Paulo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[_\-/,.'’()]+", " ", stripped).split())


@dataclass(frozen=True)
class CountryMatch:
    exact: str | None = None  # ISO 3166-1 alpha-2 code
    candidates: list[str] = field(default_factory=list)


class CountryDirectory:
    """The countries (territories with their own time zones), by their names."""

    def __init__(self) -> None:
        zones: dict[str, list[str]] = {**get_global("territory_zones"), **EXTRA_COUNTRY_ZONES}
        self.codes = frozenset(code for code in zones if len(code) == 2 and code.isalpha())
        by_name: dict[str, set[str]] = defaultdict(set)
        for language in SUPPORTED_LANGUAGES:
            for code, name in Locale.parse(language).territories.items():
                if code in self.codes:
                    by_name[normalize(name)].add(code)
        # Read-only from here on: one directory is shared by everything in the process.
        self._by_name = {name: frozenset(codes) for name, codes in by_name.items()}

    def match(self, text: str) -> CountryMatch:
        key = normalize(text[:80])
        if not key:
            return CountryMatch()
        if len(key) == 2 and key.upper() in self.codes:
            return CountryMatch(exact=key.upper())
        if key in ALIASES:
            return CountryMatch(exact=ALIASES[key])
        if key in AMBIGUOUS:
            return CountryMatch(candidates=list(AMBIGUOUS[key]))
        exact = self._by_name.get(key, frozenset())
        if len(exact) == 1:
            return CountryMatch(exact=next(iter(exact)))
        found: list[str] = sorted(exact)
        if len(key) >= 3:
            for name, codes in self._by_name.items():
                if name.startswith(key) or f" {key}" in name:
                    found += sorted(codes - set(found))
        for name in difflib.get_close_matches(
            key, list(self._by_name), n=MAX_CANDIDATES, cutoff=0.75
        ):
            found += sorted(self._by_name[name] - set(found))
        return CountryMatch(candidates=found[:MAX_CANDIDATES])

    def name(self, code: str, language: str) -> str:
        return str(Locale.parse(language).territories.get(code, code))

    def is_country(self, code: str) -> bool:
        return code in self.codes
