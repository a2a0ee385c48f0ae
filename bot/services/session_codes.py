"""Session codes as people type them: on any keyboard, in any script, with spaces and typos.

A code is read out in a webinar and typed on phones all over the world: a Chinese keyboard
gives full-width letters (Ｍ５ＥＭＰ７), a Russian or Greek one look-alike letters (М, Е, Р
are Cyrillic in "М5ЕМР7"), people add spaces or dashes and type in lower case. All of that
compares equal. Only a message that looks like a code (the length of one, from the code's
letters and digits) counts as an attempt, so "Merci, à bientôt !" or "is the link working?"
during a session never locks anyone out.
"""

from __future__ import annotations

import secrets
import unicodedata

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out loud safely
CODE_DIGITS = "23456789"
CODE_LENGTH = 6
MIN_CODE_LENGTH = 4
MAX_CODE_LENGTH = 12
NEW_CODE = "NEW"  # `/checkincode EVENT new`: replace the code with a fresh one
SEPARATORS = frozenset(" -_.\u00a0\u2010\u2011\u2012\u2013\u2014\u3000")

# Cyrillic and Greek capitals (and the small letters that look like Latin ones) that are
# drawn like Latin letters: what a code typed on another keyboard layout contains.
LOOK_ALIKES = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ү": "Y",
        "а": "a", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "в": "b",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x",
    }
)  # fmt: skip


def new_code() -> str:
    """A random code of CODE_LENGTH characters with at least two digits, so that an ordinary
    word of that length never looks like it."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if sum(ch in CODE_DIGITS for ch in code) >= 2:
            return code


def normalize_code(text: str) -> str:
    """The code as compared: compatibility forms folded (full-width to ASCII), look-alike
    letters to Latin, upper case, separators dropped. Other characters are kept, so a text
    that is not a code stays one."""
    folded = unicodedata.normalize("NFKC", text).translate(LOOK_ALIKES)
    kept = "".join(
        ch for ch in folded if ch not in SEPARATORS and unicodedata.category(ch)[0] != "C"
    )
    return kept.upper()[: MAX_CODE_LENGTH * 2]


def chosen_code(text: str) -> str | None:
    """An organizer's own code, as it will be compared; None when people could not type it
    reliably or an ordinary message could match it: 4 to 12 Latin letters and digits (after
    folding full-width and look-alike letters)."""
    code = normalize_code(text)
    if not (MIN_CODE_LENGTH <= len(code) <= MAX_CODE_LENGTH and code.isascii() and code.isalnum()):
        return None
    return code


def is_code_like(normalized: str, expected: str) -> bool:
    """Whether a normalized text could be a try at `expected` (normalized too): as long, ASCII
    letters and digits only, and with digits if the code has some."""
    if len(normalized) != len(expected) or not (normalized.isascii() and normalized.isalnum()):
        return False
    return any(ch.isdigit() for ch in normalized) or not any(ch.isdigit() for ch in expected)


def same_code(normalized: str, expected: str) -> bool:
    """Compared in constant time, as bytes (any text may come, not only ASCII)."""
    return secrets.compare_digest(normalized.encode(), expected.encode())
