"""The catalogs: complete, faithful to the placeholders, in step with the code and compiled."""

from __future__ import annotations

import re
import tokenize
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SOURCE_LANGUAGE, SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def read_catalog(code: str) -> Catalog:
    with (LOCALES_DIR / code / "LC_MESSAGES" / "bot.po").open("rb") as handle:
        return read_po(handle, locale=code)


@cache  # the code does not change during a run: extract it once for every language
def code_messages() -> frozenset[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "ngettext": (1, 2), "N_": None}
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, keywords=keywords, method_map=[("**.py", "python")]
        ):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return frozenset(found)


def catalog_ids(catalog: Catalog) -> set[str | tuple[str, str]]:
    return {m.id if isinstance(m.id, str) else (m.id[0], m.id[1]) for m in catalog if m.id}


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_every_string_of_the_code_is_in_the_catalog(code: str) -> None:
    """Strings added to the code were extracted into every catalog, and none are left over."""
    assert catalog_ids(read_catalog(code)) == code_messages()


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(code: str) -> None:
    """No empty or fuzzy entry; each translation carries the placeholders of the original."""
    catalog = read_catalog(code)
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{code}: fuzzy {message.id!r}"
        ids = [str(i) for i in (message.id if isinstance(message.id, tuple) else (message.id,))]
        raw = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = [str(s) if s else "" for s in raw]
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        assert len(strings) == catalog.num_plurals or not message.pluralizable
        for string in strings:
            assert string and string.strip(), f"{code}: untranslated {message.id!r}"
            found = set(PLACEHOLDER.findall(string))
            if message.pluralizable:
                assert found <= wanted and found - {"count"} == wanted - {"count"}, (
                    f"{code}: placeholders of {string!r}"
                )
            else:
                assert found == wanted, f"{code}: placeholders of {string!r}"
            assert string.count("\n") == ids[0].count("\n"), f"{code}: lines of {string!r}"


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogs_match_their_sources(code: str) -> None:
    """`pybabel compile` was run after the last change to the .po file."""
    source = read_catalog(code)
    with (LOCALES_DIR / code / "LC_MESSAGES" / "bot.mo").open("rb") as handle:
        compiled = read_mo(handle)
    assert {(_frozen(m.id), _frozen(m.string)) for m in compiled if m.id} == {
        (_frozen(m.id), _frozen(m.string)) for m in source if m.id
    }


def test_no_message_hides_inside_an_f_string() -> None:
    """pybabel cannot see a `_()` call inside an f-string, so its text would never be
    translated: every message must be a plain call."""
    offenders = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            with path.open("rb") as handle:
                for token in tokenize.tokenize(handle.readline):
                    if token.type != tokenize.STRING or not token.string[:2].lower().startswith(
                        ("f", "rf", "fr")
                    ):
                        continue
                    if re.search(r"(\._|ngettext)\(\s*['\"]", token.string):
                        offenders.append(f"{path.name}:{token.start[0]}")
    assert offenders == []
