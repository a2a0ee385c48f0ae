"""The catalogs: complete, faithful to the placeholders, in step with the code, and read by the
bot as their sources say."""

from __future__ import annotations

import ast
import os
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import (
    SOURCE_LANGUAGE,
    SOURCE_LOCALES_DIR,
    SUPPORTED_LANGUAGES,
    Catalogs,
    load_catalog,
)

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def read_catalog(code: str) -> Catalog:
    with (SOURCE_LOCALES_DIR / code / "LC_MESSAGES" / "bot.po").open("rb") as handle:
        return read_po(handle, locale=code)


@cache  # the code does not change during a run: extract it once for every language
def code_messages() -> frozenset[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    keywords = {"_": None, "ngettext": (1, 2), "N_": None}
    for folder in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder,
            keywords=keywords,
            # the Mini App's pages (bot/web/templates) are Jinja templates
            method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
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


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_bot_reads_what_the_sources_say(code: str) -> None:
    """Every translation the bot loads, compiled or from a newer source, is the .po's."""
    translations = Catalogs().get(code).translations
    for message in read_catalog(code):
        if message.id and isinstance(message.id, str) and not message.fuzzy:
            assert translations.gettext(message.id) == message.string, message.id


def _catalog_files(root: Path, text: str, suffix: str) -> Path:
    catalog = Catalog(locale="fr")
    catalog.add("Hello", text)
    path = root / "fr" / "LC_MESSAGES" / f"bot{suffix}"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        (write_mo if suffix == ".mo" else write_po)(handle, catalog)
    return path


def test_an_installed_package_reads_its_compiled_catalog(tmp_path: Path) -> None:
    """Installed from a wheel there are no sources: the build's .mo is read."""
    _catalog_files(tmp_path / "compiled", "Bonjour (compiled)", ".mo")
    found = load_catalog("fr", tmp_path / "compiled", tmp_path / "absent")
    assert found.gettext("Hello") == "Bonjour (compiled)"


def test_a_source_newer_than_its_compiled_catalog_wins(tmp_path: Path) -> None:
    """A .po edited after the last build is what the bot says, without a rebuild."""
    mo = _catalog_files(tmp_path / "compiled", "Bonjour (old)", ".mo")
    po = _catalog_files(tmp_path / "source", "Bonjour (new)", ".po")
    os.utime(mo, ns=(1_000_000_000, 1_000_000_000))
    assert load_catalog("fr", mo.parents[2], po.parents[2]).gettext("Hello") == "Bonjour (new)"
    os.utime(po, ns=(1_000_000_000, 1_000_000_000))
    os.utime(mo, ns=(2_000_000_000, 2_000_000_000))
    assert load_catalog("fr", mo.parents[2], po.parents[2]).gettext("Hello") == "Bonjour (old)"


def test_a_missing_catalog_says_how_to_get_it(tmp_path: Path) -> None:
    """Neither compiled nor source: the error names the fix (English alone needs none)."""
    with pytest.raises(FileNotFoundError, match=r"pip install \."):
        load_catalog("fr", tmp_path, tmp_path)
    assert load_catalog("en", tmp_path, tmp_path).gettext("Hello") == "Hello"


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


def _literal(node: ast.expr) -> str | None:
    """A string literal, or adjacent literals ("a " "b"), as Python joins them."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_every_message_call_in_the_code_is_in_the_catalog() -> None:
    """Read with Python's own parser rather than pybabel's extractor, which does not see a
    call nested in another call's arguments (its text would stay English in every language):
    each `_("…")`, `N_("…")` and `ngettext("…", "…")` of the code is in the template."""
    with (SOURCE_LOCALES_DIR / "bot.pot").open("rb") as handle:
        ids = catalog_ids(read_po(handle))
    missing = []
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("_", "N_"):
                    message: str | tuple[str, str] | None = _literal(node.args[0])
                elif name == "ngettext" and len(node.args) >= 2:
                    singular, plural = _literal(node.args[0]), _literal(node.args[1])
                    message = (singular, plural) if singular and plural else None
                else:
                    continue
                if message is not None and message not in ids:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []
