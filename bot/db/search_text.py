"""What an organizer's search of registrants compares with: text folded the same way on both
sides, in Python, so SQLite and PostgreSQL find the same people."""

from __future__ import annotations

import unicodedata

# Letters whose accent is part of the letter in Unicode (no combining mark to drop), as
# people type them without it: "lukasz" for "Łukasz", "oster" for "Øster", "dang" for "Đặng".
_PLAIN_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ŀ": "l",
    }
)


def fold(text: str | None) -> str | None:
    """NFKC, case folding, then accents and other combining marks dropped: "ＡＭＩＮＡ",
    "Amina" and "amina" compare equal, as do "ВЕРА" and "вера", and "jose" finds "José"
    (organizers type on phones, often without accents)."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    bare = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare).translate(_PLAIN_LETTERS)


def search_text(full_name: str | None, email: str | None) -> str | None:
    """The stored search column of a profile: its name and email, folded, a line each."""
    if full_name is None and email is None:
        return None
    return fold(f"{full_name or ''}\n{email or ''}")
