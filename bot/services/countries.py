"""Recognizing a country from what a participant types, in any supported language.

Names come from two maintained sources, in every supported language and in English:
babel's CLDR names, and pycountry's ISO 3166 names (short, official and common names, their
translations, and the former names of ISO 3166-3 whose successor is clear: Zaire, Burma,
Dahomey). ISO codes count too, and `country_aliases` adds the few names people type that
neither source has (DRC, Белоруссия). So "Kenya", "Кения", "肯尼亚", "ke" and "KEN" are all
Kenya.

A typed answer and every name are folded alike (case, width, accents, Arabic vowel marks and
alef forms, ё, Latin and Cyrillic look-alikes, punctuation), then compared as a whole, then as
the set of their words without articles ("The Gambia", "Korea Republic", "Rep. dém. du
Congo"). An answer that is part of only one country's name ("Burkina") means that country;
one that fits several ("Congo", "Korea") or only resembles names (a typo) gets candidates to
choose from: an answer is never silently turned into a different country.
"""

from __future__ import annotations

import difflib
import gettext
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pycountry
from babel import Locale
from babel.core import get_global

from bot.i18n import SUPPORTED_LANGUAGES
from bot.services.country_aliases import ALIASES, AMBIGUOUS, DISPLAY_NAMES, NOT_NAMES

MAX_CANDIDATES = 6
# Countries CLDR names but lists without a time zone of their own, with the zone they use.
EXTRA_COUNTRY_ZONES = {"XK": ["Europe/Belgrade"]}
# Chinese is also typed in traditional characters (Taiwan, Hong Kong, Macao).
CLDR_LOCALES = (*SUPPORTED_LANGUAGES, "zh_Hant")
PYCOUNTRY_LOCALES = ("fr", "es", "ar", "zh_CN", "zh_TW", "zh_HK", "ru")
# CLDR's names of groups of countries ("Africa", "Central America"): never one country.
_GROUPS = frozenset({"EU", "EZ", "UN", "QO"})

_APOSTROPHES = re.compile("['’ʼ‘`´]")
_NOT_A_LETTER = re.compile(r"[\W_]+")
_CYRILLIC = re.compile("[а-яё]")
_LATIN = re.compile("[a-z]")
# Letters that look the same in both alphabets, as a hurried typist mixes them ("Кenya").
_TO_LATIN = str.maketrans("авекмнорстух", "abekmhopctyx")
_TO_CYRILLIC = str.maketrans("abekmhopctyx", "авекмнорстух")
_LOOK_ALIKES = frozenset("abekmhopctyxавекмнорстух")
# Tatweel stretches a word; teh marbuta and alef maksura are often typed as heh and yeh, and
# a Persian keyboard gives its own yeh and kaf.
_ARABIC = str.maketrans({"\u0640": None, "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك"})
# Words that carry no country of their own: articles, "of", "and" in the supported languages.
_STOPWORDS = frozenset(
    {"the", "of", "and", "d", "l", "de", "du", "des", "la", "le", "les", "et", "del", "el"}
    | {"los", "las", "y", "и", "و", "da", "e"}
)
# One spelling for the words official names are written with in full or abbreviated.
_CANONICAL = {
    "rep": "republic",
    "repub": "republic",
    "republique": "republic",
    "republica": "republic",
    "dem": "democratic",
    "democratique": "democratic",
    "democratica": "democratic",
    "респ": "республика",
    "st": "saint",
    "ste": "sainte",
    "о ва": "острова",
}
# Words that alone cannot name a country: "United" or "Republic" is never taken as one.
_GENERIC = frozenset(
    {"republic", "democratic", "kingdom", "united", "states", "state", "islands", "island"}
    | {"federation", "federal", "union", "people", "peoples", "popular", "saint", "sainte"}
    | {"north", "south", "east", "west", "northern", "southern", "eastern", "western"}
    | {"central", "new", "great", "arab", "islamic", "socialist", "and", "sar"}
    | {"royaume", "unis", "etats", "iles", "ile", "nord", "sud", "est", "ouest", "nouvelle"}
    | {"reino", "unidos", "estados", "islas", "isla", "norte", "sur", "este", "oeste", "nueva"}
    | {"республика", "королевство", "соединенные", "штаты", "объединенные", "острова"}
    | {"о", "ва", "остров", "федерация", "южная", "северная", "новая", "демократическая"}
    | {"народная"}
    | {"جمهوريه", "مملكه", "ولايات", "متحده", "جزر", "جزيره", "عربيه", "ديمقراطيه", "شعبيه"}
    | {"ديموقراطيه", "جنوب", "شمال", "جنوبيه", "شماليه", "دوله", "اتحاد"}
)


def _fold(text: str) -> str:
    """Case, width, accents, Arabic marks and punctuation folded; apostrophes split words."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    # Decomposing drops accents (é), Arabic vowel marks and hamza seats (أ إ آ are ا), ё.
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub(" ", text.translate(_ARABIC))
    return " ".join(_one_alphabet(word) for word in _NOT_A_LETTER.sub(" ", text).split())


def _one_alphabet(word: str) -> str:
    """A word typed in two alphabets, in the one its letters without a twin are written in
    (failing those, most of its letters)."""
    if not (_CYRILLIC.search(word) and _LATIN.search(word)):
        return word
    telling = [ch for ch in word if ch not in _LOOK_ALIKES] or list(word)
    cyrillic = sum(1 for ch in telling if _CYRILLIC.match(ch))
    latin = sum(1 for ch in telling if _LATIN.match(ch))
    if cyrillic > latin:
        return word.translate(_TO_CYRILLIC)
    if latin > cyrillic:
        return word.translate(_TO_LATIN)
    return word


def normalize(text: str) -> str:
    """Fold case, accents and separators so "são_paulo" finds "Sao Paulo"."""
    return _fold(text)


def _exactly(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _compact(text: str) -> str:
    """The whole answer without spaces: "Cote dIvoire" is "Côte d'Ivoire", "U.S.A." "USA"."""
    return _fold(text).replace(" ", "")


def _words(folded: str) -> tuple[str, ...]:
    """The words of a folded name that tell countries apart, spelled one way."""
    text = f" {folded} "
    for short, full in _CANONICAL.items():
        if " " in short:
            text = text.replace(f" {short} ", f" {full} ")
    words = []
    for word in text.split():
        word = _CANONICAL.get(word, word)
        if word.startswith("ال") and len(word) > 3:  # the Arabic article
            word = word[2:]
        if word not in _STOPWORDS:
            words.append(word)
    return tuple(words)


def _bag(words: Iterable[str]) -> str:
    return " ".join(sorted(set(words)))


def _script(key: str) -> str:
    """The alphabet a folded answer starts in, for comparing it only with names in it."""
    return unicodedata.name(key[0], "?").split()[0]


def _unspaced(key: str) -> bool:
    """Written without spaces between words (Chinese): parts are found inside names."""
    return any("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in key)


@dataclass(frozen=True)
class CountryMatch:
    """What a typed answer means. `exact`: it is one of that country's names, codes or known
    aliases. Otherwise `candidates` to choose from, most likely first: `certain` when the
    answer can only mean the one country listed ("Burkina"), `near` when they are only near
    spellings of it (a typo?) rather than countries bearing that name."""

    exact: str | None = None  # ISO 3166-1 alpha-2 code
    candidates: list[str] = field(default_factory=list)
    certain: bool = False
    near: bool = False

    @property
    def country(self) -> str | None:
        """The country to take without asking: named, or the only one the answer fits."""
        if self.exact:
            return self.exact
        return self.candidates[0] if self.certain and len(self.candidates) == 1 else None


class CountryDirectory:
    """The countries (territories with their own time zones), by their names."""

    def __init__(self) -> None:
        zones: dict[str, list[str]] = {**get_global("territory_zones"), **EXTRA_COUNTRY_ZONES}
        # "ZZ" is CLDR's "Unknown Region": a placeholder, not a place anyone works in.
        self.codes = frozenset(
            code for code in zones if len(code) == 2 and code.isalpha() and code != "ZZ"
        )
        self._names_in: dict[str, dict[str, str]] = {}  # language -> its names -> code
        self._alpha3 = {
            country.alpha_3: country.alpha_2
            for country in pycountry.countries
            if country.alpha_2 in self.codes
        }
        english = Locale.parse("en").territories
        self._english = {code: str(english.get(code, code)) for code in self.codes}
        whole: dict[str, set[str]] = defaultdict(set)  # folded without spaces -> codes
        bags: dict[str, set[str]] = defaultdict(set)  # its words, sorted -> codes
        extra_whole: dict[str, set[str]] = defaultdict(set)
        extra_bags: dict[str, set[str]] = defaultdict(set)
        words_of: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        not_names = {(code, _compact(name)) for code, name in NOT_NAMES}
        for code, name, primary in self._names():
            folded = _fold(name)
            if (code, folded.replace(" ", "")) in not_names:
                continue
            words = _words(folded)
            if not words:
                continue
            words_of[code].add(words)
            key = folded.replace(" ", "")
            (whole if primary else extra_whole)[key].add(code)
            (bags if primary else extra_bags)[_bag(words)].add(code)
        # A name in brackets or before a comma is kept unless it is another country's name:
        # "Hong Kong SAR (China)" does not make "China" Hong Kong.
        for extra, main in ((extra_whole, whole), (extra_bags, bags)):
            for key, codes in extra.items():
                if main.get(key, codes) <= codes:
                    main[key] |= codes
        # Read-only from here on: one directory is shared by everything in the process.
        # Tuples, not sets: most names are one country's, and a tuple of one is a fifth.
        self._whole = {key: tuple(sorted(codes)) for key, codes in whole.items()}
        self._bags = {key: tuple(sorted(codes)) for key, codes in bags.items()}
        self._words_of = {code: frozenset(names) for code, names in words_of.items()}
        by_word: dict[str, set[str]] = defaultdict(set)
        for code, names in words_of.items():
            for words in names:
                for word in words:
                    by_word[word].add(code)
        self._by_word = {word: tuple(sorted(codes)) for word, codes in by_word.items()}
        self._unspaced = tuple(key for key in self._whole if _unspaced(key))
        self._ambiguous = {_compact(name): codes for name, codes in AMBIGUOUS.items()}
        self._ambiguous |= {_bag(_words(_fold(name))): codes for name, codes in AMBIGUOUS.items()}
        groups = [
            str(name)
            for locale in CLDR_LOCALES
            for code, name in Locale.parse(locale).territories.items()
            if code.isdigit() or code in _GROUPS
        ]
        self._groups = frozenset(_compact(name) for name in groups)
        self._group_words = frozenset(word for name in groups for word in _words(_fold(name)))
        spellings: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in self._whole:
            if len(key) >= 3:
                spellings[_script(key), len(key)].append(key)
        self._spellings = dict(spellings)

    def _names(self) -> Iterator[tuple[str, str, bool]]:
        """(code, name, whether it is a name in its own right rather than a part of one)."""
        for locale in CLDR_LOCALES:
            for code, name in Locale.parse(locale).territories.items():
                if code in self.codes:
                    yield from _forms(code, str(name))
        catalogs = [gettext.NullTranslations()] + [
            gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
            for locale in PYCOUNTRY_LOCALES
        ]
        for country in pycountry.countries:
            if country.alpha_2 in self.codes:
                for attribute in ("name", "official_name", "common_name"):
                    value = getattr(country, attribute, None)
                    if isinstance(value, str):
                        for catalog in catalogs:
                            yield from _forms(country.alpha_2, catalog.gettext(value))
        # ISO 3166-3: the last two letters of a former country's code name its successor
        # ("HH": none, or several).
        historic = [gettext.NullTranslations()] + [
            gettext.translation("iso3166-3", pycountry.LOCALES_DIR, languages=[locale])
            for locale in PYCOUNTRY_LOCALES
        ]
        for former in pycountry.historic_countries:
            successor = former.alpha_4[2:]
            successor = former.alpha_2 if successor == "AA" else successor  # renamed only
            if successor in self.codes:
                for catalog in historic:  # not where it is a current country's name
                    for form in _forms(successor, catalog.gettext(former.name)):
                        yield form[0], form[1], False
        for name, code in ALIASES.items():
            yield code, name, True

    def match(self, text: str) -> CountryMatch:
        folded = _fold(text[:80])
        key = folded.replace(" ", "")
        if not key:
            return CountryMatch()
        words = _words(folded)
        if key in self._groups and key not in self._whole:  # "Africa": no country
            return CountryMatch()
        named = self._named(key, words)
        if len(named) == 1:
            return CountryMatch(exact=named[0], certain=True)
        if named:
            return CountryMatch(candidates=named[:MAX_CANDIDATES])
        code = key.upper()
        if len(key) == 2 and code in self.codes:
            return CountryMatch(exact=code, certain=True)
        if len(key) == 3 and code in self._alpha3:
            return CountryMatch(exact=self._alpha3[code], certain=True)
        if words and all(word in _GENERIC for word in words):
            return CountryMatch()  # "Republic", "Islands": a word of too many names
        part = self._part_of_names(key, words)
        if part:
            return part
        inside = self._names_inside(folded)
        if inside:
            return CountryMatch(candidates=inside[:MAX_CANDIDATES])
        if len(key) < 3:
            return CountryMatch()
        found: list[str] = []
        # A ratio of 0.75 needs lengths within 0.6 to 1.67 times each other.
        alike = [
            spelling
            for length in range(len(key) * 3 // 5, len(key) * 5 // 3 + 1)
            for spelling in self._spellings.get((_script(key), length), ())
        ]
        for spelling in difflib.get_close_matches(key, alike, n=20, cutoff=0.75):
            found += [code for code in self._ordered(self._whole[spelling]) if code not in found]
        return CountryMatch(candidates=found[:MAX_CANDIDATES], near=bool(found))

    def _part_of_names(self, key: str, words: tuple[str, ...]) -> CountryMatch | None:
        """The countries whose names hold the answer's words (or, in Chinese, its
        characters); certain when only one does and the answer is how its name begins."""
        if _unspaced(key):
            if len(key) < 2:
                return None
            found = {c for name in self._unspaced if key in name for c in self._whole[name]}
            begins = {
                c for name in self._unspaced if name.startswith(key) for c in self._whole[name]
            }
            certain = len(found) == 1 and found == begins and key not in self._group_words
            if not found:
                return None
            return CountryMatch(candidates=self._ordered(found)[:MAX_CANDIDATES], certain=certain)
        if sum(len(word) for word in words) < 3:
            return None
        found = set(self.codes)
        for word in words:
            found &= {
                code
                for known, codes in self._by_word.items()
                if known.startswith(word)
                for code in codes
            }
            if not found:
                return None
        certain = (
            len(found) == 1
            and any(names[: len(words)] == words for names in self._words_of[next(iter(found))])
            and not all(word in _GENERIC or word in self._group_words for word in words)
        )
        ordered = self._ordered(found, begins=words)
        return CountryMatch(candidates=ordered[:MAX_CANDIDATES], certain=certain)

    def _named(self, key: str, words: tuple[str, ...]) -> list[str]:
        """The countries an answer is a name of, as a whole or as a set of words ("Korea
        Republic"): one, or several to choose from."""
        bag = _bag(words)
        ambiguous = self._ambiguous.get(key) or self._ambiguous.get(bag)
        if ambiguous:
            return list(ambiguous)
        named = self._whole.get(key) or (self._bags.get(bag) if bag else None)
        return self._ordered(named or ())

    def _names_inside(self, folded: str) -> list[str]:
        """Countries named inside a longer answer ("Nairobi, Kenya"), longest names first
        ("the Democratic Republic of Congo" is not also Congo): offered, not taken."""
        parts = folded.split()
        taken = [False] * len(parts)
        found: list[str] = []
        for size in range(min(len(parts), 8), 0, -1):
            for start in range(len(parts) - size + 1):
                piece = parts[start : start + size]
                if any(taken[start : start + size]) or len("".join(piece)) < 3:
                    continue
                codes = self._named("".join(piece), _words(" ".join(piece)))
                if codes:
                    found += [code for code in codes if code not in found]
                    taken[start : start + size] = [True] * size
        return found

    def _ordered(self, codes: Iterable[str], begins: tuple[str, ...] = ()) -> list[str]:
        """Countries whose name begins with the answer first, then by English name."""

        def rank(code: str) -> tuple[int, str]:
            starts = any(
                all(name[i].startswith(word) for i, word in enumerate(begins))
                for name in self._words_of.get(code, ())
                if len(name) >= len(begins)
            )
            return (0 if starts else 1, self._english.get(code, code))

        return sorted(set(codes), key=rank)

    def name(self, code: str, language: str) -> str:
        """The country as the reader's language names it in a sentence."""
        shown = DISPLAY_NAMES.get(language, {}).get(code)
        return shown or str(Locale.parse(language).territories.get(code, code))

    def is_country(self, code: str) -> bool:
        return code in self.codes

    def named(self, text: str, language: str) -> str | None:
        """The country whose name in `language` is `text`, as a list of the names shows it
        (the Mini App's suggestions): "Guinea" chosen there is Guinea, where typed in chat
        it may mean three countries."""
        names = self._names_in.get(language)
        if names is None:  # built once per language; the same result if two threads race
            names = {_exactly(self.name(code, language)): code for code in self.codes}
            self._names_in[language] = names
        return names.get(_exactly(text))


def _forms(code: str, name: str) -> Iterator[tuple[str, str, bool]]:
    """A name as written, and the shorter names inside it: "Myanmar (Burma)" is also
    "Myanmar" and "Burma"; "Korea, Republic of" is also "Republic of Korea" and "Korea"."""
    yield code, name, True
    bracket = re.search(r"[(（]([^)）]*)[)）]", name)
    if bracket:
        yield code, (name[: bracket.start()] + name[bracket.end() :]).strip(), True
        if len(_compact(bracket.group(1))) >= 4:  # not "(SAR)", "(金)"
            yield code, bracket.group(1), False
    for comma in (",", "،"):
        if comma in name:
            first, rest = (part.strip() for part in name.split(comma, 1))
            yield code, first, False
            if _compact(first) in _compact(rest):  # the whole name again, after the comma
                yield code, rest, False
            else:
                yield code, f"{rest} {first}", False
