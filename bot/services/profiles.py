"""Participant profiles: checking each answer, and storing them only with consent."""

from __future__ import annotations

import re
import unicodedata

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.i18n import N_, clean_user_text
from bot.models import Profile
from bot.problems import InputProblem
from bot.services.timezones import is_known_zone

FIELDS = ("full_name", "country", "city", "organization", "role", "email")
OPTIONAL = frozenset({"organization", "role", "email"})
LIMITS = {
    "full_name": 100,
    "country": 100,
    "city": 100,
    "organization": 150,
    "role": 100,
    "email": 254,
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


# Characters by Unicode's category letters or symbols that show nothing (Hangul fillers, the
# Braille blank), used to fake a blank name.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _readable(text: str) -> bool:
    """At least one visible letter or digit: a lone accent, a Braille blank or a filler is
    not a name."""
    return any(unicodedata.category(ch)[0] in "LN" and ch not in _FILLERS for ch in text)


def _visible(text: str) -> bool:
    """Something shows: a symbol or emoji at least, not only marks, joiners and blanks."""
    return any(unicodedata.category(ch)[0] in "LNSP" and ch not in _FILLERS for ch in text)


def parse_text(field: str, raw: str) -> str:
    """A name, city, organization or role: cleaned of invisible characters, within limits."""
    text = " ".join(unicodedata.normalize("NFC", clean_user_text(raw)).split())
    if _visible(text) and not _readable(text) and field not in OPTIONAL:
        raise InputProblem(N_("Please answer in words: letters or digits, not only symbols."))
    if not _readable(text):
        text = ""
    if not text and field not in OPTIONAL:
        raise InputProblem(N_("Please type an answer."))
    if field == "full_name" and not any(unicodedata.category(ch).startswith("L") for ch in text):
        # It is printed on certificates: "12345" is not a name.
        raise InputProblem(N_("Please write your name in letters."))
    if len(text) > LIMITS[field]:
        raise InputProblem(
            N_("That is {length} characters long; at most {limit} are allowed."),
            length=len(text),
            limit=LIMITS[field],
        )
    return text


def parse_email(raw: str) -> str:
    """An address as typed, full-width forms (a Chinese or Japanese keyboard's ＠ and ．)
    folded to their ordinary letters, as IDNA's mapping does for domains."""
    text = unicodedata.normalize("NFKC", clean_user_text(raw)).strip()
    if len(text) > LIMITS["email"] or not _EMAIL.match(text) or text.endswith("."):
        raise InputProblem(
            N_("“{value}” does not look like an email address, such as name@example.org."),
            value=text[:80],
        )
    return text


class ProfileService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def save(self, user_id: int, profile: Profile, timezone: str) -> None:
        """Store the profile and the moment of consent; only called once consent was given."""
        if not is_known_zone(timezone):
            raise ValueError(timezone)
        await self._db.write(
            lambda u: u.users.save_profile(user_id, profile, timezone, self._clock.now())
        )

    async def change(self, user_id: int, field: str, value: str) -> None:
        """One answer changed from /profile (consent was given when the profile was made)."""
        if field not in FIELDS:
            raise ValueError(field)
        await self._db.write(lambda u: u.users.set_profile_field(user_id, field, value))

    async def move(self, user_id: int, country: str, city: str, timezone: str) -> None:
        """A new country from /profile, with the city and time zone that go with it, stored
        together: the profile never names a city of one country in another."""
        if not is_known_zone(timezone):
            raise ValueError(timezone)

        def work(unit: UnitOfWork) -> None:
            unit.users.set_profile_field(user_id, "country", country)
            unit.users.set_profile_field(user_id, "city", city)
            unit.users.set_timezone(user_id, timezone)

        await self._db.write(work)
