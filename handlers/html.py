"""The HTML of our messages: what is escaped, and how.

Three kinds of text meet in a message: our own (translated) text, which may quote anything
and is escaped; a person's own words (a name, a city, a query), which are also isolated so
a right-to-left name cannot reorder the sentence around it; and our markup (bold titles).
"""

from __future__ import annotations

from html import escape

from bot.i18n import isolate


def plain(text: str) -> str:
    """Text shown as written, never as markup (our texts, event titles, file names)."""
    return escape(text, quote=False)


def user_text(text: str) -> str:
    """A person's own words, made safe to embed in our HTML and isolated in direction."""
    return escape(isolate(text), quote=False)


def bold(text: str) -> str:
    return f"<b>{plain(text)}</b>"
