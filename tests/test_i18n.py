"""Languages: resolution from Telegram, plural rules, formatting, direction, names."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import (
    FSI,
    PDI,
    RLM,
    SUPPORTED_LANGUAGES,
    Catalogs,
    Translator,
    clean_user_text,
    isolate,
    language_name,
    parse_language_code,
    resolve_language,
)
from tests.conftest import ANY_CHARACTER

MOMENT = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


def test_languages_are_named_in_their_own_language() -> None:
    """The picker shows each language by its own name, as the contract lists them."""
    assert [language_name(c) for c in SUPPORTED_LANGUAGES] == [
        "English",
        "Français",
        "Español",
        "العربية",
        "中文",
        "Русский",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("zh-hans", "zh"),
        ("zh-TW", "zh"),
        ("ar", "ar"),
        ("RU", "ru"),
        ("pt-br", None),
        ("de", None),
        ("", None),
        (None, None),
        ("x" * 500, None),
        ("../../etc", None),
        ("en\x00", None),
        ("ـــ", None),
        ("fr_FR", "fr"),
    ],
)
def test_telegram_language_codes_map_to_supported_languages(
    code: str | None, expected: str | None
) -> None:
    """A client's language tag picks a supported language; anything else gives none."""
    assert parse_language_code(code) == expected


@given(st.text(ANY_CHARACTER, max_size=80))
def test_any_language_code_resolves_to_a_supported_language(code: str) -> None:
    """Whatever Telegram sends as language_code, resolution never fails and stays supported."""
    assert resolve_language(None, code, "en") in SUPPORTED_LANGUAGES


def test_a_stored_choice_wins_over_the_client_language() -> None:
    """The user's own choice comes first, then the client's language, then the default."""
    assert resolve_language("ar", "fr", "en") == "ar"
    assert resolve_language(None, "fr", "en") == "fr"
    assert resolve_language(None, "de", "es") == "es"
    assert resolve_language("klingon", None, "en") == "en"


@pytest.mark.parametrize(
    ("language", "forms"), [("en", 2), ("fr", 3), ("es", 3), ("ar", 6), ("zh", 1), ("ru", 3)]
)
def test_catalogs_have_the_languages_plural_forms(
    catalogs: Catalogs, language: str, forms: int
) -> None:
    """Each catalog declares the number of plural forms of its language."""
    translations = catalogs.get(language).translations
    if language == "en":
        return  # English is the source language; its forms are the msgid pair
    assert translations.info()["plural-forms"].startswith(f"nplurals={forms};")


PLURAL = (
    "I found {count} time zone for “{place}”. Which one is yours?",
    "I found {count} time zones for “{place}”. Which one is yours?",
)


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("ru", [1, 2, 5, 21, 22, 25, 11, 111]),
        ("ar", [0, 1, 2, 3, 11, 100]),
        ("zh", [1, 2, 5]),
        ("fr", [1, 2]),
        ("es", [1, 2]),
    ],
)
def test_plural_forms_follow_the_language(
    catalogs: Catalogs, language: str, counts: list[int]
) -> None:
    """Counts that take different grammatical forms get the catalog's matching form."""
    t = catalogs.get(language)
    forms = [t.ngettext(*PLURAL, n, place="Lima") for n in counts]
    assert all(form and "{" not in form for form in forms)
    rule = t.translations.plural  # type: ignore[attr-defined]
    by_index: dict[int, set[str]] = {}
    for n, form in zip(counts, forms, strict=True):
        by_index.setdefault(rule(n), set()).add(form.replace(t.number(n), "#"))
    # the same grammatical form for the same plural index
    assert all(len(texts) == 1 for texts in by_index.values())
    if language == "ru":  # пояс / пояса / поясов
        assert {rule(n) for n in counts} == {0, 1, 2}
        assert len({next(iter(v)) for v in by_index.values()}) == 3
    if language == "ar":
        assert {rule(n) for n in counts} == {0, 1, 2, 3, 4, 5}


def test_dates_and_numbers_follow_the_locale_and_zone(catalogs: Catalogs) -> None:
    """A UTC moment is shown in the user's zone with their locale's conventions."""
    assert catalogs.get("en").time(MOMENT, "Africa/Nairobi") == "4:00\u202fPM"
    assert catalogs.get("fr").time(MOMENT, "Africa/Nairobi") == "16:00"
    assert catalogs.get("fr").date(MOMENT, "Pacific/Kiritimati", "long") == "4 décembre 2026"
    assert catalogs.get("ru").number(1234567) == "1\xa0234\xa0567"
    assert catalogs.get("en").number(1234567) == "1,234,567"
    # Chinese brackets are full-width; the offset is from UTC in every language (CLDR would
    # say GMT in some and UTC in others, beside the bot's own "In UTC" lines).
    assert catalogs.get("zh").timezone_label("Africa/Nairobi", MOMENT) == "内罗毕（UTC+03:00）"
    assert catalogs.get("ru").timezone_label("Africa/Nairobi", MOMENT) == "Найроби (UTC+03:00)"
    assert catalogs.get("en").timezone_label("Asia/Kolkata", MOMENT) == "Kolkata (UTC+05:30)"
    assert catalogs.get("es").timezone_label("America/Caracas", MOMENT) == "Caracas (UTC-04:00)"
    assert catalogs.get("en").timezone_label("Africa/Dakar", MOMENT) == "Dakar (UTC)"
    assert catalogs.get("es").timezone_label("UTC", MOMENT) == "UTC"
    assert catalogs.get("en").timezone_label("Etc/GMT-3", MOMENT) == "UTC+03:00"


def test_arabic_lines_start_right_to_left(catalogs: Catalogs) -> None:
    """Arabic text gets a right-to-left mark on every line; other languages are untouched."""
    assert catalogs.get("ar").is_rtl
    assert catalogs.get("ar").directed("/help\n\nمرحبا") == f"{RLM}/help\n\n{RLM}مرحبا"
    assert catalogs.get("fr").directed("/help") == "/help"


def test_user_text_cannot_reorder_ours() -> None:
    """Bidi overrides and invisible controls are removed; the text is isolated."""
    hostile = "Ev\u202eil\u200b\x07 Name"
    assert clean_user_text(hostile) == "Evil Name"
    assert isolate(hostile) == f"{FSI}Evil Name{PDI}"


class _BrokenFrench(gettext.NullTranslations):
    """A catalog whose translator renamed a placeholder."""

    def gettext(self, message: str) -> str:
        return {"Hello, {name}!": "Bonjour {nom}"}.get(message, message)


def test_a_broken_translation_falls_back_to_english() -> None:
    """A translation whose placeholders do not match is not shown half-filled."""
    t = Translator("fr", _BrokenFrench())
    assert t._("Hello, {name}!", name="Amina") == "Hello, Amina!"
