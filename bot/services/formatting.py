"""Telegram's HTML formatting, checked before a text is sent to thousands of people.

The same rules as the Bot API's HTML parse mode: only its tags, properly nested and closed.
The Bot API emulator uses this checker too, so tests meet the errors Telegram would give.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from bot.i18n import N_
from bot.problems import Problem

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)


class FormattingError(ValueError):
    """The text would be refused by Telegram. `str()` says why as Telegram would (in
    English, for the emulator); `problem` says it to an organizer, in their language."""

    def __init__(self, telegram: str, reason: str, tag: str) -> None:
        super().__init__(f'{telegram} "{tag}"')
        self.problem = Problem(reason, {"tag": f"<{tag}>"})


# Telegram's message entity for each tag of its HTML parse mode.
ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

Entity = dict[str, Any]  # as in the Bot API's JSON: type, offset, length, url


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _HtmlToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[Entity] = []
        self.units = 0  # UTF-16 units of text so far (HTMLParser owns `offset`)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise FormattingError(
                "unsupported start tag", N_("{tag} is not a tag Telegram allows"), tag
            )
        self.stack.append((tag, self.units, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise FormattingError(
                "unmatched end tag", N_("{tag} closes a tag that is not open"), tag
            )
        _, start, attrs = self.stack.pop()
        if self.units == start:
            return  # Telegram drops empty entities
        entity: Entity = {"type": ENTITY_TYPES[tag], "offset": start, "length": self.units - start}
        if tag == "a":
            entity["url"] = attrs.get("href") or ""
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.units += utf16_length(data)


def parse_html(html: str) -> tuple[str, list[Entity]]:
    """The text a reader sees and its entities (bold, links...), ordered by offset as
    Telegram returns them; FormattingError if Telegram would refuse the markup."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    if parser.stack:
        raise FormattingError("unclosed tag", N_("{tag} is never closed"), parser.stack[-1][0])
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def html_to_text(html: str) -> str:
    """The text a reader sees; FormattingError if Telegram would refuse the markup."""
    return parse_html(html)[0]
