"""Telegram's HTML formatting, checked before a text is sent to thousands of people.

The rules are `bot.telegram_html`'s (the Bot API documentation's, strictly); this module only
puts each refusal into words an organizer can act on, in their language.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.i18n import N_
from bot.problems import Problem
from bot.telegram_html import HtmlError, Reason, parse, utf16_length

__all__ = [
    "Entity",
    "FormattingError",
    "html_to_text",
    "organizer_html",
    "parse_html",
    "utf16_length",
]

Entity = dict[str, Any]  # as in the Bot API's JSON: type, offset, length, url...

# What to tell an organizer for each refusal; {tag}, {inner} and {outer} are shown as "<b>".
PROBLEMS: dict[Reason, str] = {
    Reason.UNSUPPORTED_TAG: N_("{tag} is not a tag Telegram allows"),
    Reason.BARE_LESS_THAN: N_(
        "a “<” that does not start a tag must be written &lt; (near “{excerpt}”)"
    ),
    Reason.BARE_GREATER_THAN: N_(
        "a “>” that does not end a tag must be written &gt; (near “{excerpt}”)"
    ),
    Reason.BARE_AMPERSAND: N_("a “&” must be written &amp; (near “{excerpt}”)"),
    Reason.UNSUPPORTED_ENTITY: N_(
        "{entity} is not a character Telegram knows; type the character itself"
    ),
    Reason.BAD_TAG: N_("the tag {tag} is not written correctly"),
    Reason.MISSING_ATTRIBUTE: N_("{tag} needs {attribute}"),
    Reason.EMPTY_EMOJI: N_("{tag} needs an emoji inside it"),
    Reason.LANGUAGE_OUTSIDE_PRE: N_(
        "a language can be given only to a <code> directly inside <pre>"
    ),
    Reason.NESTING: N_("{inner} cannot be placed inside {outer}"),
    Reason.UNEXPECTED_END_TAG: N_("{tag} closes a tag that is not open"),
    Reason.MISNESTED: N_("{tag} is closed before {inner}, which was opened inside it"),
    Reason.UNCLOSED_TAG: N_("{tag} is never closed"),
}


class FormattingError(ValueError):
    """The text would be refused by Telegram. `str()` says why as Telegram would (in
    English, for logs); `problem` says it to an organizer, in their language; `error` is the
    parser's refusal with its machine-readable reason."""

    def __init__(self, error: HtmlError) -> None:
        super().__init__(str(error))
        self.error = error
        self.problem = Problem(PROBLEMS[error.reason], _values(error))


def _values(error: HtmlError) -> dict[str, str]:
    if error.reason is Reason.NESTING:
        return {"inner": f"<{error.tag}>", "outer": f"<{error.other_tag}>"}
    if error.reason is Reason.MISNESTED:
        return {"tag": f"</{error.tag}>", "inner": f"<{error.other_tag}>"}
    if error.reason is Reason.UNEXPECTED_END_TAG:
        return {"tag": f"</{error.tag}>"}
    return {
        "tag": f"<{error.tag}>",
        "entity": error.tag,
        "attribute": error.attribute,
        "excerpt": error.excerpt,
    }


def parse_html(html: str) -> tuple[str, list[Entity]]:
    """The text a reader sees and its entities (bold, links...), ordered as Telegram returns
    them; FormattingError if Telegram would refuse the markup."""
    try:
        formatted = parse(html)
    except HtmlError as exc:
        raise FormattingError(exc) from None
    return formatted.text, [entity.to_json() for entity in formatted.entities]


def html_to_text(html: str) -> str:
    """The text a reader sees; FormattingError if Telegram would refuse the markup."""
    return parse_html(html)[0]


# In what an organizer typed: a tag (a letter right after "<", then up to ">") or a character
# reference. Anything else with <, > or & is text, which Telegram wants escaped.
_TYPED_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)
# In python-telegram-bot's `Message.text_html`: every "<" starts a tag it wrote, since the
# text itself comes escaped.
_RENDERED_TAG = re.compile(r"(<[^<>]*>)")
_LITERAL_TAGS = re.compile(r"<(/?)(code|pre)\b", re.IGNORECASE)


def organizer_html(rendered: str) -> str:
    """The HTML to send for a message an organizer wrote in Telegram, from its rendering by
    python-telegram-bot (`Message.text_html`: the formatting they applied with Telegram's
    own tools, as tags, and their text escaped).

    The text between those tags is what they typed, and they were told they may type HTML:
    it is taken as HTML, so a typed <b> is bold even when the message also holds a link,
    a mention or Telegram bold; what cannot be markup ("Q&A: <5 minutes", "R&D") is escaped
    for them, as the Bot API requires of every <, > and & outside tags. Text inside code and
    pre stays literal. Typed markup that Telegram would refuse is left for `parse_html` to
    point out."""
    out: list[str] = []
    literal = 0  # depth of <code> and <pre>: their text is shown as typed
    for piece in _RENDERED_TAG.split(rendered):
        if _RENDERED_TAG.fullmatch(piece):
            out.append(piece)
            tag = _LITERAL_TAGS.match(piece)
            if tag:
                literal += -1 if tag.group(1) else 1
        elif literal > 0:
            out.append(piece)
        else:
            out.append(_typed_as_html(html.unescape(piece)))
    return "".join(out)


def _typed_as_html(typed: str) -> str:
    """Tags and character references kept; every other <, > and & escaped."""
    out: list[str] = []
    position = 0
    for markup in _TYPED_MARKUP.finditer(typed):
        out.append(html.escape(typed[position : markup.start()], quote=False))
        out.append(markup.group())
        position = markup.end()
    out.append(html.escape(typed[position:], quote=False))
    return "".join(out)
