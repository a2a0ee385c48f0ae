"""Languages, gettext catalogs and locale-aware formatting.

One `Translator` per language is built at start-up from the compiled catalogs: the build
compiles `locales/<ll>/LC_MESSAGES/bot.po` (the source, at the top of the repository) into
`bot/locales/<ll>/LC_MESSAGES/bot.mo` inside the package (see setup.py). In a source checkout
whose compiled catalog is missing or older than its source, the source is compiled in memory;
a user's messages, numbers, dates and time-zone names all go through the translator of their
language. Strings carry named placeholders (`{count}`) filled in after translation, so a
translator can move them freely.
"""

from __future__ import annotations

import gettext
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

logger = logging.getLogger(__name__)

SUPPORTED_LANGUAGES: Final = ("en", "fr", "es", "ar", "zh", "ru")
SOURCE_LANGUAGE: Final = "en"
DOMAIN: Final = "bot"
LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"  # compiled, inside the package
SOURCE_LOCALES_DIR: Final = Path(__file__).resolve().parent.parent / "locales"  # in a checkout

RLM: Final = "\u200f"  # right-to-left mark: makes a line start right-to-left
FSI: Final = "\u2068"  # first-strong isolate: embeds a user's text without reordering ours
PDI: Final = "\u2069"  # pop directional isolate
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_KEPT_INVISIBLE = frozenset("\n\u200c\u200d")  # newline, zero-width non-joiner and joiner
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=4096)
def _decimal(value: float, language: str) -> str:
    """Numbers repeat (seat counts, page numbers): format each once per language."""
    return str(format_decimal(value, locale=Locale.parse(language)))


def _date(moment: datetime, tz: str, width: str, locale: Locale) -> str:
    return str(babel_dates.format_date(moment.astimezone(ZoneInfo(tz)), width, locale=locale))


def _time(moment: datetime, tz: str, width: str, locale: Locale) -> str:
    return str(babel_dates.format_time(moment, width, tzinfo=ZoneInfo(tz), locale=locale))


@lru_cache(maxsize=8192)
def _when(moment: datetime, tz: str, width: str, language: str) -> str:
    """Event times repeat on every list and card: format each once per zone and language."""
    locale = Locale.parse(language)
    pattern = str(locale.datetime_formats[width]).replace("'", "")
    return pattern.replace("{0}", _time(moment, tz, "short", locale)).replace(
        "{1}", _date(moment, tz, width, locale)
    )


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for extraction; it is translated later, where the user is known."""
    return message


def language_name(code: str) -> str:
    """A language's name in that language itself, as a picker shows it ("Français")."""
    name = str(Locale.parse(code).get_display_name(code))
    return name[:1].upper() + name[1:]


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}")


def language_tag(raw: str | None) -> str | None:
    """A Telegram client's `language_code` if it has the syntax of a language tag ("en",
    "pt-br", "zh-hans"), else None: it comes from outside and is stored and exported."""
    if raw is None or len(raw) > 35 or not _LANGUAGE_TAG.fullmatch(raw):
        return None
    return raw


def parse_language_code(raw: str | None) -> str | None:
    """The supported language a Telegram `language_code` (e.g. "pt-br", "zh-hans") names."""
    if not raw or len(raw) > 35:
        return None
    try:
        locale = Locale.parse(raw.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    return locale.language if locale.language in SUPPORTED_LANGUAGES else None


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's choice, else their Telegram client's language, else the default."""
    if stored in SUPPORTED_LANGUAGES:
        return stored
    return parse_language_code(telegram_code) or default


def clean_user_text(text: str) -> str:
    """Strip bidi controls, control characters and invisible format characters from a
    user's text, keeping newlines and the joiners that Persian and Indic names need."""
    if text.isprintable():  # the common case: nothing invisible to remove
        return text
    text = _BIDI_CONTROLS.sub("", text)
    return "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch in _KEPT_INVISIBLE
    )


def isolate(text: str) -> str:
    """Wrap a user's text so it cannot reorder the sentence around it (RTL names in LTR text)."""
    return f"{FSI}{clean_user_text(text)}{PDI}"


@lru_cache(maxsize=1024)
def _minutes(count: int, language: str) -> str:
    """Durations repeat (every card shows one): format each once per language."""
    return str(format_unit(count, "duration-minute", length="long", locale=Locale.parse(language)))


@lru_cache(maxsize=1024)
def _duration(minutes: int, language: str) -> str:
    locale = Locale.parse(language)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        str(format_unit(count, unit, length="long", locale=locale))
        for count, unit in (
            (days, "duration-day"),
            (hours, "duration-hour"),
            (minutes, "duration-minute"),
        )
        if count
    ]
    if not parts:
        return _minutes(0, language)
    return str(format_list(parts, locale=locale))


@lru_cache(maxsize=1024)
def _language_label(code: str, language: str) -> str:
    name = _language_in_text(code, language)
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=1024)
def _language_in_text(code: str, language: str) -> str:
    return str(Locale.parse(language).languages.get(code) or code)


@lru_cache(maxsize=4096)
def _zone_city(tz: str, language: str) -> str | None:
    """The city a zone is named after, in `language`; None for UTC and fixed offsets (whose
    names invert the sign)."""
    if tz in ("UTC", "Etc/UTC") or tz.startswith("Etc/"):
        return None
    city = babel_dates.get_timezone_location(
        ZoneInfo(tz), locale=Locale.parse(language), return_city=True
    )
    return str(city)


def _utc_offset(offset: timedelta | None) -> str:
    """ "UTC+03:00", "UTC-03:30", "UTC": the bot says UTC everywhere (CLDR would say GMT in
    some languages and UTC in others, and the bot's other lines say UTC)."""
    minutes = int((offset or timedelta(0)).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@dataclass(frozen=True)
class Translator:
    """Messages and formats of one language."""

    language: str
    translations: gettext.NullTranslations

    @cached_property
    def locale(self) -> Locale:  # parsed once: it is asked for on every formatted value
        return Locale.parse(self.language)

    @cached_property
    def is_rtl(self) -> bool:  # asked for on every message the bot sends
        return bool(self.locale.text_direction == "rtl")

    def _(self, message: str, /, **values: object) -> str:
        """Translate `message` and fill its named placeholders."""
        return self._fill(self.translations.gettext(message), message, values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """Translate a count-dependent message; `{count}` is the count, formatted."""
        values.setdefault("count", self.number(count))
        translated = self.translations.ngettext(singular, plural, count)
        return self._fill(translated, plural if count != 1 else singular, values)

    def _fill(self, translated: str, source: str, values: dict[str, object]) -> str:
        if not values:
            return translated
        try:
            return translated.format_map(values)
        except (KeyError, IndexError, ValueError):
            logger.error("Bad placeholders in %s translation of %r", self.language, source)
            return source.format_map(values)

    def directed(self, text: str) -> str:
        """Start every line in the reading direction of the language (Arabic: right to left)."""
        if not self.is_rtl:
            return text
        return "\n".join(RLM + line if line else line for line in text.split("\n"))

    def minutes(self, count: int) -> str:
        """A duration such as "90 minutes", in the reader's language and plural rules."""
        return _minutes(count, self.language)

    def duration(self, minutes: int) -> str:
        """A span in whole days, hours and minutes as a person says it: "2 days",
        "1 day and 3 hours", "90 minutes" stays "1 hour and 30 minutes"."""
        return _duration(minutes, self.language)

    def language_label(self, code: str) -> str:
        """A language's name in the reader's language, capitalised as a button or a list
        item starts ("swahili" -> "Swahili" for en, "Suajili" for es)."""
        return _language_label(code, self.language)

    def language_in_text(self, code: str) -> str:
        """A language's name as the reader's language writes it inside a sentence, the form
        CLDR gives ("le escribiré en español", "язык: арабский", "in Arabic")."""
        return _language_in_text(code, self.language)

    def and_list(self, items: Sequence[str]) -> str:
        """Items joined as the language joins them ("a, b and c", "a، b و c", "a、b和c")."""
        return str(format_list(list(items), locale=self.locale)) if items else ""

    def sentences(self, *parts: str) -> str:
        """Sentences one after the other: with a space, but in Chinese, whose full-width
        punctuation carries its own space ("您好！我将…", not "您好！ 我将…")."""
        return ("" if self.language == "zh" else " ").join(part for part in parts if part)

    def or_list(self, items: Sequence[str]) -> str:
        """Alternatives as the language lists them ("a, b or c", "a、b或c")."""
        return str(format_list(list(items), style="or", locale=self.locale)) if items else ""

    def percent(self, value: float) -> str:
        return str(format_percent(value, locale=self.locale))

    def decimal(self, value: float) -> str:
        """One decimal place, as in an average rating ("4.3", "4,3")."""
        return str(format_decimal(value, "#,##0.0", locale=self.locale))

    def number(self, value: float) -> str:
        return _decimal(value, self.language)

    def when(self, moment: datetime, tz: str, width: str = "medium") -> str:
        """A UTC moment as the user reads it: their locale's date and time in their zone."""
        return _when(moment, tz, width, self.language)

    def when_zoned(self, moment: datetime, tz: str, width: str = "medium") -> str:
        """`when`, followed by the zone it is in: for organizers, who deal with sessions and
        people in many zones ("Dec 7, 2026, 3:00 PM · Nairobi (GMT+03:00)")."""
        return f"{self.when(moment, tz, width)} · {self.timezone_label(tz, moment)}"

    def date(self, moment: datetime, tz: str, width: str = "medium") -> str:
        return _date(moment, tz, width, self.locale)

    def time(self, moment: datetime, tz: str, width: str = "short") -> str:
        return _time(moment, tz, width, self.locale)

    def timezone_label(self, tz: str, at: datetime) -> str:
        """A zone as people recognise it: its city in their language and its offset at `at`
        ("Nairobi (UTC+03:00)", "内罗毕（UTC+03:00）"), in the language's punctuation."""
        offset = _utc_offset(ZoneInfo(tz).utcoffset(at))
        city = _zone_city(tz, self.language)
        if city is None:
            return offset
        # TRANSLATORS: a time zone: the city it is named after, and its offset from UTC
        # ("Nairobi (UTC+03:00)"). Use your language's brackets; keep both placeholders.
        return self._("{city} ({utc_offset})", city=city, utc_offset=offset)


def load_catalog(code: str, compiled: Path, source: Path | None) -> gettext.NullTranslations:
    """The catalog of language `code`: compiled by the build (an installed package), or
    compiled here from its source when that is newer or alone (a checkout being worked on)."""
    mo = compiled / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = source / code / "LC_MESSAGES" / f"{DOMAIN}.po" if source is not None else None
    mo_time = mo.stat().st_mtime_ns if mo.exists() else None
    if po is not None and po.exists():
        po_time = po.stat().st_mtime_ns
        if mo_time is None or po_time > mo_time:
            return gettext.GNUTranslations(io.BytesIO(_compiled(po, po_time)))
    if mo_time is not None:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if code == SOURCE_LANGUAGE:
        return gettext.NullTranslations()  # the messages are written in English
    raise FileNotFoundError(
        f"No catalog for {code!r}: neither {mo} nor {po}. Install the package "
        "(pip install .) so that its build compiles the catalogs."
    )


@lru_cache(maxsize=32)
def _compiled(po: Path, modified_ns: int) -> bytes:
    """A .po file compiled as `pybabel compile` would (fuzzy entries left out), once per
    version of the file."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()


class Catalogs:
    """The translators of every supported language, loaded once."""

    def __init__(
        self,
        locales_dir: Path = LOCALES_DIR,
        default_language: str = "en",
        source_dir: Path | None = SOURCE_LOCALES_DIR,
    ) -> None:
        self.default_language = default_language
        self._translators = {
            code: Translator(code, load_catalog(code, locales_dir, source_dir))
            for code in SUPPORTED_LANGUAGES
        }

    def get(self, language: str | None) -> Translator:
        """The translator of `language`, or of the default language if it is not supported."""
        return self._translators.get(language or "", self._translators[self.default_language])

    def all(self) -> list[Translator]:
        return [self._translators[code] for code in SUPPORTED_LANGUAGES]
