"""Event codes: the one /newevent proposes, and the one an organizer types instead.

A code is in every deep link and organizer command (`/editevent CODE`), so it should read as
what it names: whole words of the title, never a word cut in two
("urban-flood-resilience-c-879950" was). A title in Arabic, Chinese or Cyrillic has no Latin
words: its topic and month stand in ("drr-2027-03"). A typed code is taken as people type it,
on any keyboard: full-width letters folded, in lower case.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

from bot.i18n import N_
from bot.problems import InputProblem
from bot.services.event_fields import CODE_PATTERN, check_not_reserved, is_reserved

# Event codes an organizer is offered: whole words of the title, never a word cut in two.
MAX_PROPOSED_CODE = 35  # room for "-99" (or a 4-letter tail) within CODE_PATTERN's 40
MIN_CODE_LETTERS = 3  # fewer ASCII letters than this (a title in Arabic or Chinese): no slug
# Latin letters that do not decompose into an ASCII letter and a mark.
LATIN_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}
)
# Small words: left out when the whole title does not fit, and never a code's last word
# ("early-warning-for" reads as cut).
SMALL_WORDS = frozenset(
    {
        *("a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"),
        *("with", "au", "aux", "avec", "d", "de", "des", "du", "en", "et", "l", "la", "le"),
        *("les", "pour", "sur", "un", "une", "con", "del", "el", "las", "los", "para", "por"),
        "y",
    }
)
# A topic in a code, for titles without Latin words ("drr-2027-03").
TOPIC_CODES = {
    "disaster-risk-reduction": "drr",
    "public-health": "health",
    "climate-change": "climate",
    "food-security": "food",
    "e-commerce": "ecommerce",
    "digital-innovation": "digital",
    "sustainable-tourism": "tourism",
}


def _ascii_word(word: str) -> str | None:
    """A word in ASCII letters and digits (accents dropped, ß as ss), or None when it is not
    written in Latin letters: such a word is left out whole, never in part."""
    bare = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", word.lower().translate(LATIN_LETTERS))
        if not unicodedata.combining(ch)
    )
    return bare if bare.isascii() and bare.isalnum() else None


def _fitting(words: list[str]) -> list[str]:
    """The first words that fit in a code, without small words at the end."""
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > MAX_PROPOSED_CODE:
            break
        kept.append(word)
    while kept and kept[-1] in SMALL_WORDS:
        kept.pop()
    return kept


def title_slug(title: str) -> str:
    """Whole words of the title, in order, as many as fit (without its small words when it
    is too long: "resilience-urbaine-face-inondations"); "" when it has too few Latin
    letters to make a readable code (a title in Arabic or Chinese)."""
    found = (_ascii_word(word) for word in re.findall(r"[^\W_]+", title))
    words = [word for word in found if word is not None]
    if len("-".join(words)) > MAX_PROPOSED_CODE:
        words = [word for word in words if word not in SMALL_WORDS]
    slug = "-".join(_fitting(words))
    return slug if sum(ch.isalpha() for ch in slug) >= MIN_CODE_LETTERS else ""


def code_base(title: str, topic: str, month: datetime) -> str:
    """What a new event's code is made of: the title's words, else its topic and the month
    of its start ("drr-2027-03"); never a code kept for the bot's own links ("Verify your
    data" is "verify-your-data", which would read as a certificate check)."""
    slug = title_slug(title)
    if slug and not is_reserved(slug):
        return slug
    return f"{TOPIC_CODES.get(topic, 'event')}-{month:%Y-%m}"


def unique_code(base: str, taken: set[str]) -> str:
    """`base`, or `base` with "-2", "-3"... when an event has it (`taken`: in lower case)."""
    for number in range(1, 100):
        code = base if number == 1 else f"{base}-{number}"
        if code not in taken:
            return code
    return f"{base}-{secrets.token_hex(2)}"


def typed_code(raw: str) -> str:
    """An organizer's own code as they typed it, on any keyboard: full-width letters folded,
    lower case; CODE_PATTERN's rule and no reserved prefix (`check_not_reserved`), or
    InputProblem."""
    code = unicodedata.normalize("NFKC", raw).strip().lower()
    if not CODE_PATTERN.match(code):
        raise InputProblem(
            N_("“{value}” is not a valid code: use 1 to 40 letters, digits, - or _."),
            value=raw[:60],
        )
    check_not_reserved(code, raw)
    return code
