"""What an organizer writes in Telegram becomes the HTML the Bot API expects ("Formatting
options", HTML style: every <, > and & that is not part of a tag or an HTML entity must be
replaced with the corresponding entity). Checked with the strict parser written from that
documentation (tests/test_telegram_html.py holds it to the documentation's examples)."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.formatting import FormattingError, organizer_html, parse_html


def as_rendered(typed: str) -> str:
    """python-telegram-bot's `Message.text_html` of a message without formatting: escaped."""
    return html.escape(typed)


@given(st.text(alphabet="<>&; 5/=\"'é中\n\u200f", max_size=60))
def test_text_that_cannot_be_markup_reaches_readers_exactly_as_typed(typed: str) -> None:
    """No letter after "<" and no entity name after "&": nothing is markup, so whatever the
    mix of <, > and &, readers see the very characters typed."""
    shown, entities = parse_html(organizer_html(as_rendered(typed)))
    assert shown == typed and entities == []


@pytest.mark.parametrize(
    ("typed", "shown", "bold"),
    [
        ("<b>Important</b>: Q&A <5 min", "Important: Q&A <5 min", "Important"),
        ("R&D &amp; <b>x > y</b>", "R&D & x > y", "x > y"),
        ("<b>Ёлка & 圣诞 <3</b>", "Ёлка & 圣诞 <3", "Ёлка & 圣诞 <3"),
    ],
)
def test_typed_tags_are_formatting_and_the_rest_is_text(typed: str, shown: str, bold: str) -> None:
    text, entities = parse_html(organizer_html(as_rendered(typed)))
    assert text == shown
    [entity] = entities
    assert entity["type"] == "bold"
    assert text[entity["offset"] : entity["offset"] + entity["length"]] == bold


def test_telegram_formatting_and_typed_tags_together() -> None:
    """Telegram's own bold (a tag python-telegram-bot wrote) around typed italic; code keeps
    what is inside it literal."""
    rendered = (
        "<b>" + html.escape("Read <i>this</i>") + "</b> <code>" + html.escape("<i>") + "</code>"
    )
    text, entities = parse_html(organizer_html(rendered))
    assert text == "Read this <i>"
    assert [e["type"] for e in entities] == ["bold", "italic", "code"]


@pytest.mark.parametrize("typed", ["<b>never closed", "<span>plain</span>", "a &nbsp; b", "<br>"])
def test_typed_markup_telegram_would_refuse_is_pointed_out(typed: str) -> None:
    with pytest.raises(FormattingError):
        parse_html(organizer_html(as_rendered(typed)))
