"""Telegram's HTML parse mode, written from the Bot API documentation ("Formatting options",
"HTML style"), strictly: what the documentation forbids is refused.

Why not Python's `html.parser`: it is lenient by design (a bare "<", "&nbsp;", a `<span>`
without its class all pass), and leniency is exactly what must not pass here: the bot's own
messages and the organizers' broadcasts are checked with this before Telegram sees them, and the
Bot API emulator answers with it, so a message Telegram would refuse fails in the tests first.

`parse(html)` returns the text a reader sees and its entities (offsets and lengths in UTF-16
code units, ordered as Telegram returns them), or raises `HtmlError` with Telegram's wording
("Unsupported start tag "x" at byte offset N") and a machine-readable `Reason`.

Where the documentation is stricter than Telegram's server, this module follows the
documentation: a "&" or ">" that is not part of an entity or a tag, a named entity other than
the four supported, a language on a standalone `<code>`, and the documented nesting
restrictions are refused, although the server keeps the first three as literal text and
quietly drops the language or the nested entity. A text accepted here is therefore accepted by
Telegram and shows as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

__all__ = ["Entity", "Formatted", "HtmlError", "Reason", "parse", "utf16_length"]


class Reason(StrEnum):
    """Why a text was refused, for a program to explain (the message is Telegram's)."""

    UNSUPPORTED_TAG = "unsupported_tag"  # <div>, <br>, <!-- -->
    BARE_LESS_THAN = "bare_less_than"  # "<5 minutes": a "<" that starts no tag
    BARE_GREATER_THAN = "bare_greater_than"  # "-> here": a ">" outside a tag
    BARE_AMPERSAND = "bare_ampersand"  # "Q&A": a "&" that starts no entity
    UNSUPPORTED_ENTITY = "unsupported_entity"  # &nbsp;, &#0;
    BAD_TAG = "bad_tag"  # a tag that is not written correctly: <a href=>, "<b" at the end
    MISSING_ATTRIBUTE = "missing_attribute"  # <span> without class="tg-spoiler", <a> without href
    EMPTY_EMOJI = "empty_emoji"  # <tg-emoji emoji-id="…"></tg-emoji>
    LANGUAGE_OUTSIDE_PRE = "language_outside_pre"  # <code class="language-x"> not in <pre>
    NESTING = "nesting"  # <code> inside <b>, a quotation inside a quotation
    UNEXPECTED_END_TAG = "unexpected_end_tag"  # </b> with no <b> open
    MISNESTED = "misnested"  # <b><i>…</b></i>
    UNCLOSED_TAG = "unclosed_tag"  # <b> never closed


class HtmlError(ValueError):
    """Telegram would refuse the text. `str()` is Telegram's description ("Can't parse
    entities: …"); `detail` is the part after "Can't parse entities: ", `reason` and the
    other fields say what and where for a program."""

    def __init__(
        self,
        reason: Reason,
        detail: str,
        *,
        tag: str = "",
        other_tag: str = "",
        attribute: str = "",
        excerpt: str = "",
        byte_offset: int | None = None,
    ) -> None:
        super().__init__(f"Can't parse entities: {detail}")
        self.reason = reason
        self.detail = detail
        self.tag = tag  # the tag concerned, without brackets ("b"), or the entity ("&nbsp;")
        self.other_tag = other_tag  # the enclosing tag for NESTING, the inner one for MISNESTED
        self.attribute = attribute  # what a tag lacks, e.g. 'class="tg-spoiler"'
        self.excerpt = excerpt  # the text around the problem, to find it in a long message
        self.byte_offset = byte_offset


@dataclass(frozen=True)
class Entity:
    """A MessageEntity as the Bot API returns it; offsets and lengths in UTF-16 units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None  # text_mention: the Bot API returns the whole user
    unix_time: int | None = None
    date_time_format: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The Bot API's JSON shape (a text_mention carries `user` with its id only)."""
        data: dict[str, Any] = {"type": self.type, "offset": self.offset, "length": self.length}
        for key in ("url", "language", "custom_emoji_id", "unix_time", "date_time_format"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.user_id is not None:
            data["user"] = {"id": self.user_id}
        return data


@dataclass(frozen=True)
class Formatted:
    text: str
    entities: tuple[Entity, ...]


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


# The documented tags and the entity each makes ("a" is decided by its href, "pre" may take
# its language from a nested "code").
ENTITY_OF_TAG: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
FORMATTING: Final = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
QUOTATIONS: Final = frozenset({"blockquote", "expandable_blockquote"})
CODE: Final = frozenset({"pre", "code"})
# Telegram's order for entities with the same offset and length (TDLib's type priorities).
PRIORITY: Final = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "date_time": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
SPACE: Final = " \t\r\n\v\f"
DATE_TIME_FORMAT: Final = re.compile(r"r|w?[dD]?[tT]?")
MENTION: Final = re.compile(r"tg://user\?id=([0-9]{1,20})")
_PLAIN: Final = re.compile(r"[^<>&]+")
_NAME: Final = re.compile(r"[A-Za-z]+")
_DECIMAL: Final = re.compile(r"[0-9]+")
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_TOKEN: Final = re.compile(r"[A-Za-z0-9.-]*")


def nesting_allowed(outer: str, inner: str) -> bool:
    """The documented restrictions: formatting entities may contain and be part of anything
    but pre and code; quotations may not be nested; all other entities may not contain each
    other (a quotation holds any other entity)."""
    if outer in QUOTATIONS and inner in QUOTATIONS:
        return False
    if outer in FORMATTING:
        return inner not in CODE
    if inner in FORMATTING:
        return outer not in CODE
    return outer in QUOTATIONS


@dataclass
class _Open:
    """A start tag waiting for its end tag."""

    tag: str
    entity: Entity  # offset set, length still 0
    begin: int  # index of "<" in the source, for error offsets
    code_child: Entity | None = None  # <pre><code class="language-…">: the nested code


class _Parser:
    def __init__(self, html: str) -> None:
        self.html = html
        self.pos = 0
        self.parts: list[str] = []
        self.units = 0  # UTF-16 units of text so far
        self.open: list[_Open] = []
        self.entities: list[Entity] = []

    # -- errors -------------------------------------------------------------------------------

    def _excerpt(self, index: int) -> str:
        """A few whole words around `index`, to find the problem in a long message."""
        start, end = max(0, index - 20), min(len(self.html), index + 21)
        before, after = self.html[start:index], self.html[index:end]
        if start and " " in before:
            before = before[before.index(" ") + 1 :]
        if end < len(self.html) and " " in after.rstrip():
            after = after[: after.rstrip().rindex(" ")]
        shown = " ".join((before + after).split())
        return ("…" if start else "") + shown + ("…" if end < len(self.html) else "")

    def _fail(
        self, reason: Reason, detail: str, index: int, *, where: bool = True, **fields: str
    ) -> HtmlError:
        """The refusal of the text at `index`; Telegram's detail ends with where it is."""
        at = len(self.html[:index].encode("utf-8", "surrogatepass"))
        if where:
            detail = f"{detail} at byte offset {at}"
        excerpt = self._excerpt(index)
        return HtmlError(reason, detail, excerpt=excerpt, byte_offset=at, **fields)

    # -- text -------------------------------------------------------------------------------

    def _add_text(self, text: str) -> None:
        self.parts.append(text)
        self.units += utf16_length(text)

    def _reference(self, start: int, *, in_attribute: bool = False) -> tuple[str, int] | None:
        """The character the entity at `start` ("&amp;", "&#x1F30A;") stands for, and where it
        ends. A "&" that starts no entity is refused, except inside an attribute value (it is
        part of a tag there): then None, and the "&" is kept as it is."""
        html = self.html
        numeric = html.startswith("&#", start)
        hexadecimal = numeric and html[start + 2 : start + 3] in ("x", "X")
        first = start + 2 + hexadecimal if numeric else start + 1
        pattern = (_HEX if hexadecimal else _DECIMAL) if numeric else _NAME
        name = pattern.match(html, first)
        if name is None or not html.startswith(";", name.end()):
            if in_attribute:
                return None
            detail = 'Character "&" must be replaced with "&amp;"'
            raise self._fail(Reason.BARE_AMPERSAND, detail, start, tag="&")
        written = html[start : name.end() + 1]
        if numeric:
            code = int(name.group(), 16 if hexadecimal else 10)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), name.end() + 1
            detail = f'Invalid numeric HTML entity "{written}"'
        elif name.group() in NAMED_ENTITIES:
            return NAMED_ENTITIES[name.group()], name.end() + 1
        elif in_attribute:
            return None
        else:
            detail = f'Unsupported HTML entity "{written}"'
        raise self._fail(Reason.UNSUPPORTED_ENTITY, detail, start, tag=written)

    # -- tags -------------------------------------------------------------------------------

    def _skip_space(self) -> None:
        while self.pos < len(self.html) and self.html[self.pos] in SPACE:
            self.pos += 1

    def _skip_word(self, stops: str = ">") -> None:
        while (
            self.pos < len(self.html)
            and self.html[self.pos] not in SPACE
            and self.html[self.pos] not in stops
        ):
            self.pos += 1

    def _peek(self) -> str:
        return self.html[self.pos] if self.pos < len(self.html) else ""

    def _start_tag(self, begin: int) -> None:
        self.pos = begin + 1
        self._skip_word()
        raw_name = self.html[begin + 1 : self.pos]
        tag = raw_name.lower()
        looks_like_tag = raw_name[:1].isascii() and (raw_name[:1].isalpha() or raw_name[:1] == "!")
        known = tag in ENTITY_OF_TAG
        if not looks_like_tag:
            reason = Reason.BARE_LESS_THAN
        else:
            reason = Reason.BAD_TAG if known else Reason.UNSUPPORTED_TAG
        if self.pos >= len(self.html):
            raise self._fail(reason, "Unclosed start tag", begin, tag=tag)
        if not known:
            raise self._fail(reason, f'Unsupported start tag "{tag}"', begin, tag=tag)
        attributes = self._attributes(tag, begin)
        self.pos += 1  # ">"
        self._open(tag, attributes, begin)

    def _attributes(self, tag: str, begin: int) -> dict[str, str | None]:
        """The attributes up to the tag's ">" (left at `self.pos`), read as Telegram does."""
        attributes: dict[str, str | None] = {}
        while True:
            self._skip_space()
            if self.pos >= len(self.html):
                raise self._fail(Reason.BAD_TAG, "Unclosed start tag", begin, tag=tag)
            if self.html[self.pos] == ">":
                return attributes
            name_start = self.pos
            self._skip_word("=>")
            name = self.html[name_start : self.pos]
            if not name:
                detail = f'Empty attribute name in the tag "{tag}"'
                raise self._fail(Reason.BAD_TAG, detail, begin, tag=tag)
            self._skip_space()
            if self._peek() != "=":
                if tag == "blockquote" and name == "expandable":
                    attributes[name] = None
                    continue
                detail = f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                raise self._fail(Reason.BAD_TAG, detail, begin, tag=tag)
            self.pos += 1
            self._skip_space()
            attributes[name] = self._attribute_value(tag, begin)

    def _attribute_value(self, tag: str, begin: int) -> str:
        html = self.html
        quote = self._peek()
        if not quote:
            raise self._fail(Reason.BAD_TAG, f'Unclosed start tag "{tag}"', begin, tag=tag)
        if quote not in "'\"":  # a name token: letters, digits, periods, hyphens
            token = _TOKEN.match(html, self.pos)
            assert token is not None  # the pattern matches the empty string
            self.pos = token.end()
            after = self._peek()
            if not after or (after not in SPACE and after != ">"):
                detail = "Unexpected end of name token"
                raise self._fail(Reason.BAD_TAG, detail, token.start(), tag=tag)
            return token.group().lower()
        self.pos += 1
        value: list[str] = []
        while self.pos < len(html) and html[self.pos] != quote:
            if html[self.pos] == "&" and (found := self._reference(self.pos, in_attribute=True)):
                value.append(found[0])
                self.pos = found[1]
            else:
                value.append(html[self.pos])
                self.pos += 1
        if self.pos >= len(html):
            raise self._fail(Reason.BAD_TAG, "Unclosed start tag", begin, tag=tag)
        self.pos += 1
        return "".join(value)

    def _entity_of(self, tag: str, attributes: dict[str, str | None], begin: int) -> Entity:
        """The entity a start tag opens, once its documented attributes are checked."""

        def missing(attribute: str, detail: str, where: bool = True) -> HtmlError:
            return self._fail(
                Reason.MISSING_ATTRIBUTE, detail, begin, where=where, tag=tag, attribute=attribute
            )

        entity = Entity(ENTITY_OF_TAG[tag], self.units, 0)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise missing('class="tg-spoiler"', 'Tag "span" must have class "tg-spoiler"')
        if tag == "a":
            href = (attributes.get("href") or "").strip()
            if not href:
                raise missing("href", 'Tag "a" must have attribute "href"')
            mention = MENTION.fullmatch(href)
            if mention:
                return replace(entity, type="text_mention", user_id=int(mention.group(1)))
            return replace(entity, url=href)
        if tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id") or ""
            if not emoji_id.isascii() or not emoji_id.isdigit() or int(emoji_id) == 0:
                raise missing("emoji-id", "Invalid custom emoji identifier specified", False)
            return replace(entity, custom_emoji_id=emoji_id)
        if tag == "tg-time":
            unix = attributes.get("unix") or ""
            if not unix.isascii() or not unix.isdigit():
                raise missing("unix", 'Tag "tg-time" must have attribute "unix"')
            form = attributes.get("format")
            if form is not None and not DATE_TIME_FORMAT.fullmatch(form):
                detail = f'Invalid date-time format "{form}"'
                raise self._fail(Reason.BAD_TAG, detail, begin, tag=tag)
            return replace(entity, unix_time=int(unix), date_time_format=form)
        css = attributes.get("class") or ""
        if tag == "code" and css.startswith("language-") and css != "language-":
            if not self.open or self.open[-1].tag != "pre":
                detail = 'Programming language can\'t be specified for standalone "code" tag'
                raise self._fail(Reason.LANGUAGE_OUTSIDE_PRE, detail, begin, tag=tag)
            return replace(entity, language=css.removeprefix("language-"))
        if tag == "blockquote" and "expandable" in attributes:
            return replace(entity, type="expandable_blockquote")
        return entity

    def _open(self, tag: str, attributes: dict[str, str | None], begin: int) -> None:
        entity = self._entity_of(tag, attributes, begin)
        for outer in self.open:
            if outer is self.open[-1] and outer.tag == "pre" and tag == "code":
                continue  # <pre><code>: allowed as the whole of the pre, checked when it ends
            if not nesting_allowed(outer.entity.type, entity.type):
                detail = f'Tag "{tag}" can\'t be nested in tag "{outer.tag}"'
                raise self._fail(Reason.NESTING, detail, begin, tag=tag, other_tag=outer.tag)
        self.open.append(_Open(tag, entity, begin))

    def _end_tag(self, begin: int) -> None:
        self.pos = begin + 2
        self._skip_word()
        name = self.html[begin + 2 : self.pos]
        self._skip_space()
        if self._peek() != ">":
            raise self._fail(Reason.BAD_TAG, "Unclosed end tag", begin, tag=name)
        self.pos += 1
        if not self.open:
            raise self._fail(Reason.UNEXPECTED_END_TAG, "Unexpected end tag", begin, tag=name)
        current = self.open.pop()
        if name != current.tag:
            at = len(self.html[:begin].encode("utf-8", "surrogatepass"))
            detail = (
                f'Unmatched end tag at byte offset {at}, expected "</{current.tag}>", '
                f'found "</{name}>"'
            )
            misnested = any(o.tag == name for o in self.open)
            reason = Reason.MISNESTED if misnested else Reason.UNEXPECTED_END_TAG
            raise self._fail(reason, detail, begin, where=False, tag=name, other_tag=current.tag)
        self._close(current)

    def _close(self, closing: _Open) -> None:
        entity = replace(closing.entity, length=self.units - closing.entity.offset)
        if closing.tag == "tg-emoji" and entity.length == 0:
            detail = 'Tag "tg-emoji" must contain an emoji'
            raise self._fail(Reason.EMPTY_EMOJI, detail, closing.begin, tag="tg-emoji")
        code = closing.code_child
        if code is not None:  # the pre takes the language of the code that fills it
            if (code.offset, code.length) != (entity.offset, entity.length):
                detail = 'Tag "code" can\'t be nested in tag "pre"'
                raise self._fail(Reason.NESTING, detail, closing.begin, tag="code", other_tag="pre")
            self.entities.remove(code)
            entity = replace(entity, language=code.language)
        if entity.length == 0:
            return  # Telegram drops empty entities
        parent = self.open[-1] if self.open else None
        if parent is not None and parent.tag == "pre" and closing.tag == "code":
            parent.code_child = entity
        elif entity.type in FORMATTING and any(o.entity.type == entity.type for o in self.open):
            return  # bold inside bold is one bold for Telegram
        self.entities.append(entity)

    # -- the whole text -----------------------------------------------------------------------

    def run(self) -> Formatted:
        html = self.html
        while self.pos < len(html):
            char = html[self.pos]
            if char == "<" and html.startswith("</", self.pos):
                self._end_tag(self.pos)
            elif char == "<":
                self._start_tag(self.pos)
            elif char == "&":
                found = self._reference(self.pos)
                assert found is not None  # outside attributes, a bad entity raises
                self._add_text(found[0])
                self.pos = found[1]
            elif char == ">":
                detail = 'Character ">" must be replaced with "&gt;"'
                raise self._fail(Reason.BARE_GREATER_THAN, detail, self.pos, tag=">")
            else:
                plain = _PLAIN.match(html, self.pos)
                assert plain is not None
                self._add_text(plain.group())
                self.pos = plain.end()
        if self.open:
            last = self.open[-1]
            detail = f'Can\'t find end tag corresponding to start tag "{last.tag}"'
            raise self._fail(Reason.UNCLOSED_TAG, detail, last.begin, where=False, tag=last.tag)
        ordered = sorted(self.entities, key=lambda e: (e.offset, -e.length, PRIORITY[e.type]))
        return Formatted("".join(self.parts), tuple(ordered))


def parse(html: str) -> Formatted:
    """The text and entities Telegram makes of `html` in HTML parse mode; HtmlError if the
    documentation says Telegram refuses it."""
    return _Parser(html).run()
