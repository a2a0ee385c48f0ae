"""Validation of each field of an event, shared by the CSV import and the chat wizard."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError

from bot.i18n import N_, clean_user_text
from bot.problems import InputProblem
from bot.services.certificate_codes import VERIFY_PREFIX
from bot.topics import TOPICS

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_TITLE = 200
MAX_DESCRIPTION = 1500
MAX_URL = 500
MAX_DURATION_MINUTES = 24 * 60
MAX_CAPACITY = 1_000_000
EXAMPLE_START = "2026-12-03T14:00+03:00"
MAX_REQUIRED_SESSIONS = 10_000  # far above any course; keeps a typo's 30 digits out of SQLite
# A yes/no cell as organizers write it, in the six languages (after NFKC and case folding).
YES = frozenset({"yes", "y", "true", "1", "oui", "sí", "si", "نعم", "是", "да"})
NO = frozenset({"no", "n", "false", "0", "non", "لا", "否", "нет"})


def _limited(raw: str, limit: int, too_long: str) -> str:
    """A user's text normalized (NFC, no invisible controls), within `limit` characters."""
    text = unicodedata.normalize("NFC", clean_user_text(raw)).strip()
    if len(text) > limit:
        raise InputProblem(too_long, length=len(text), limit=limit)
    return text


def parse_title(raw: str) -> str:
    return _limited(
        raw, MAX_TITLE, N_("The title is {length} characters long; at most {limit} are allowed.")
    )


def parse_description(raw: str) -> str:
    return _limited(
        raw,
        MAX_DESCRIPTION,
        N_("The description is {length} characters long; at most {limit} are allowed."),
    )


def parse_code(raw: str) -> str:
    code = raw.strip()
    if not CODE_PATTERN.match(code):
        raise InputProblem(
            N_("“{value}” is not a valid code: use 1 to 40 letters, digits, - or _."),
            value=raw[:60],
        )
    check_not_reserved(code, raw)
    return code


def is_reserved(code: str) -> bool:
    """Whether a code is kept for the bot's own links: `/start verify-<code>` checks a
    certificate, so no event or course may be named so (in any case)."""
    return code.lower().startswith(VERIFY_PREFIX)


def check_not_reserved(code: str, raw: str) -> None:
    """The one rule of reserved codes for every place a code is chosen (the programme file,
    its courses, /newevent): InputProblem for a code that would read as a certificate check."""
    if is_reserved(code):
        raise InputProblem(
            N_(
                "“{value}” cannot be a code: codes beginning with {prefix} are kept for "
                "checking certificates."
            ),
            value=raw.strip()[:60],
            prefix=VERIFY_PREFIX,
        )


def parse_topic(raw: str) -> str:
    topic = raw.strip().lower()
    if topic not in TOPICS:
        raise InputProblem(
            N_("Unknown topic “{value}”. Valid topics: {topics}."),
            value=raw[:60],
            topics=", ".join(TOPICS),
        )
    return topic


def parse_start(raw: str, now: datetime, current: datetime | None = None) -> datetime:
    """An ISO 8601 date and time with its UTC offset, in the future (or the event's
    `current` start, unchanged: re-importing a programme whose first sessions have taken
    place must not fail on them); returned in UTC."""
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputProblem(
            N_("“{value}” is not a date and time such as {example}."),
            value=raw[:60],
            example=EXAMPLE_START,
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputProblem(
            N_("The time “{value}” has no UTC offset; write it like {example}."),
            value=raw[:60],
            example=EXAMPLE_START,
        )
    if current is not None and moment == current:
        return moment.astimezone(ZoneInfo("UTC"))
    return _future(moment, now, raw)


def parse_local_start(raw: str, zone: str, now: datetime) -> datetime:
    """A date and time typed as "2026-12-03 14:00" in the organizer's own time zone."""
    return _future(parse_local_time(raw, zone), now, raw)


def parse_local_time(raw: str, zone: str) -> datetime:
    """A date and time typed as "2026-12-03 14:00" in `zone`, past or future (in `zone`)."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:.h](\d{2})\s*", raw)
    if not match:
        raise InputProblem(
            N_("Please write the date and time as YYYY-MM-DD HH:MM, for example {example}."),
            example="2026-12-03 14:00",
        )
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))
    except ValueError:
        raise InputProblem(N_("“{value}” is not a date that exists."), value=raw[:60]) from None
    return moment


def _future(moment: datetime, now: datetime, raw: str) -> datetime:
    if moment <= now:
        raise InputProblem(N_("The start “{value}” is in the past."), value=raw[:60])
    if moment > now + timedelta(days=3 * 366):
        raise InputProblem(N_("The start “{value}” is more than three years away."), value=raw[:60])
    return moment.astimezone(ZoneInfo("UTC"))


def parse_duration(raw: str) -> int:
    text = raw.strip()
    if not text.isdecimal() or not 1 <= int(text) <= MAX_DURATION_MINUTES:
        raise InputProblem(
            N_("The duration must be a whole number of minutes from 1 to {limit}, not “{value}”."),
            limit=MAX_DURATION_MINUTES,
            value=raw[:60],
        )
    return int(text)


def parse_capacity(raw: str) -> int | None:
    """A number of seats, or None for no limit (an empty cell)."""
    text = raw.strip()
    if not text:
        return None
    if not text.isdecimal() or not 1 <= int(text) <= MAX_CAPACITY:
        raise InputProblem(
            N_(
                "The capacity must be a whole number of at least 1, or empty for no limit, "
                "not “{value}”."
            ),
            value=raw[:60],
        )
    return int(text)


def parse_min_attendance(raw: str) -> int | None:
    """Minutes in the session to count as present, or None (empty) for half the duration."""
    text = raw.strip()
    if not text:
        return None
    if not text.isdecimal() or int(text) > MAX_DURATION_MINUTES:
        raise InputProblem(
            N_(
                "The minimum attendance must be a whole number of minutes, or empty for half "
                "the duration, not “{value}”."
            ),
            value=raw[:60],
        )
    return int(text)


def parse_language(raw: str) -> str:
    """The language of delivery: any language code babel knows (pt, sw, hi...)."""
    text = raw.strip().lower().replace("_", "-")
    try:
        if not re.fullmatch(r"[a-z]{2,3}", text):
            raise ValueError(text)
        Locale.parse(text)
    except (ValueError, UnknownLocaleError):
        raise InputProblem(
            N_("“{value}” is not a language code such as en, fr or pt."), value=raw[:60]
        ) from None
    return text


def parse_url(raw: str) -> str:
    """A join link (http or https), or empty when it will be given later."""
    text = raw.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if (
        len(text) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in text)
        or any(ch in '<>"' for ch in text)  # never valid unescaped in a URL
    ):
        raise InputProblem(
            N_("“{value}” is not a complete web address: write it as https://…"), value=raw[:80]
        )
    return text


def parse_yes_no(raw: str, column: str, default: bool) -> bool:
    """A yes/no cell as written in any of the six languages (yes, oui, sí, نعم, 是, да; y/n,
    true/false, 1/0), in any case, full-width or not; `default` when empty."""
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise InputProblem(
        N_("The column {column} takes yes or no, not “{value}”."), column=column, value=raw[:60]
    )


def parse_required_sessions(raw: str) -> int | None:
    """How many of a course's sessions complete it, or None (empty) for all of them."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    if not text.isdecimal() or not 1 <= int(text) <= MAX_REQUIRED_SESSIONS:
        raise InputProblem(
            N_(
                "The number of sessions that completes a course must be a whole number of at "
                "least 1, or empty for all of them, not “{value}”."
            ),
            value=raw[:60],
        )
    return int(text)
