"""Telegram's HTML formatting, checked before a text is sent to thousands of people.

The same rules as the Bot API's HTML parse mode: only its tags, properly nested and closed.
The Bot API emulator uses this checker too, so tests meet the errors Telegram would give.
"""

from __future__ import annotations

from html.parser import HTMLParser

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
    """The text would be refused by Telegram; the message says why, as Telegram would."""


class _HtmlToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise FormattingError(f'unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise FormattingError(f'unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees; FormattingError if Telegram would refuse the markup."""
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    if parser.stack:
        raise FormattingError(f'unclosed tag "{parser.stack[-1]}"')
    return "".join(parser.parts)
