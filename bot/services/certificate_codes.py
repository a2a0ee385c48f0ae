"""The codes printed on certificates and typed (or scanned) to verify them.

Eight characters of Crockford's base 32 (digits and capitals without I, L, O and U), written
as two groups of four ("7KQ2-M9XD"): 40 random bits, so guessing a valid code among even a
million issued takes about a million tries; read aloud or retyped, the letters people confuse
are read as the digits they look like.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH: Final = 8
VERIFY_PREFIX: Final = "verify-"  # the deep link's start parameter: verify-7KQ2M9XD
_LOOK_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def read_code(typed: str) -> str | None:
    """A code as someone typed it (any case, with or without the dash, full-width, O for 0)
    in its printed form; None when it cannot be one."""
    text = unicodedata.normalize("NFKC", "".join(typed.split())).replace("-", "")
    text = text.upper().translate(_LOOK_ALIKE)
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return f"{text[:4]}-{text[4:]}"


def verify_parameter(code: str) -> str:
    """The deep link's start parameter for `code` (Telegram allows letters, digits, _ and -)."""
    return VERIFY_PREFIX + code.replace("-", "")


def verification_request(parameter: str) -> str | None:
    """What a /start parameter asks to verify, as typed, if it is a verification link."""
    if not parameter.lower().startswith(VERIFY_PREFIX):
        return None
    return parameter[len(VERIFY_PREFIX) :]


def as_verification(typed: str) -> str:
    """What someone typed to check a certificate (its code, or its link's end) as the
    link's start parameter."""
    return typed if verification_request(typed) is not None else VERIFY_PREFIX + typed


def code_of_parameter(parameter: str) -> str | None:
    """The certificate code a /start parameter names, if it is a verification link."""
    requested = verification_request(parameter)
    return read_code(requested) if requested is not None else None
