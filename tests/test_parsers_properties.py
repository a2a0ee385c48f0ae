"""Property-based tests: no input makes a parser raise anything but its own explanation."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.problems import InputProblem
from bot.services import event_fields, profiles
from bot.services.container import Directories
from bot.topics import TOPICS
from handlers.buttons import EventList, parse_button
from tests.conftest import ANY_CHARACTER, ChatDriver

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PARSERS: list[Callable[[str], object]] = [
    event_fields.parse_code,
    event_fields.parse_topic,
    event_fields.parse_duration,
    event_fields.parse_capacity,
    event_fields.parse_language,
    event_fields.parse_url,
    event_fields.parse_title,
    event_fields.parse_description,
    profiles.parse_email,
    lambda raw: event_fields.parse_start(raw, NOW),
    lambda raw: event_fields.parse_local_start(raw, "Asia/Kolkata", NOW),
    lambda raw: profiles.parse_text("full_name", raw),
]


@settings(deadline=None)
@given(st.text(ANY_CHARACTER, max_size=120), st.sampled_from(range(len(PARSERS))))
def test_field_parsers_accept_or_explain(raw: str, which: int) -> None:
    """Dates, codes, URLs, emails, numbers...: a value, or an InputProblem with a message."""
    explained = ""
    try:
        PARSERS[which](raw)
    except InputProblem as problem:
        explained = problem.problem.message
        assert explained


@settings(deadline=None)
@given(
    st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2029, 1, 1)),  # noqa: DTZ001 (naive bounds, as hypothesis wants)
    st.sampled_from(["+00:00", "+03:00", "-05:30", "Z"]),
)
def test_starts_with_an_offset_are_read_as_the_same_moment(moment: datetime, offset: str) -> None:
    """Any ISO 8601 start with an offset is stored as that very moment in UTC."""
    raw = moment.replace(microsecond=0).isoformat() + offset
    parsed = event_fields.parse_start(raw, NOW)
    assert parsed.tzinfo is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert parsed == datetime.fromisoformat(raw.replace("Z", "+00:00"))


@settings(deadline=None)
@given(st.text(ANY_CHARACTER, max_size=80))
def test_country_matching_never_raises(directories: Directories, raw: str) -> None:
    """Whatever is typed as a country gives a real country, candidates, or nothing."""
    countries = directories.countries
    match = countries.match(raw)
    assert match.exact is None or countries.is_country(match.exact)
    assert all(countries.is_country(code) for code in match.candidates)


@given(st.text(ANY_CHARACTER, max_size=10))
def test_topic_keys_from_buttons(raw: str) -> None:
    """A forged topic key makes a list button unreadable, a real one names a topic."""
    button = parse_button(f"ev:l:{raw}:0")
    assert button is None or isinstance(button, EventList)
    assert button is None or button.topic is None or button.topic in TOPICS


NASTY = [
    "",
    " ",
    "\x00",
    "\u202e",
    "\u200b" * 10,
    "x" * 4096,
    "🙂" * 100,
    "<b>",
    "&amp;",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%n",
    "\\",
    "\n\n\n",
    "١٢٣",
    "ـــ",
]


async def test_random_messages_and_buttons_never_crash_a_handler(
    amina: ChatDriver, organizer: ChatDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Random and hostile texts, commands and button data, for a participant and an
    organizer, at every step: no handler raises."""
    rng = random.Random(2026)
    prefixes = [
        "",
        "/start ",
        "/events",
        "/timezone",
        "/newevent",
        "/editevent ",
        "/reminders ",
        "/checkin ",
        "/stats ",
        "/broadcast",
        "/export ",
        "/attendance ",
    ]
    datas = [
        "lang:",
        "tz:",
        "ev:l:",
        "ev:c:",
        "ev:i:",
        "rg:r:",
        "rg:x:",
        "rg:y:",
        "pf:",
        "pe:",
        "nw:",
        "ed:",
        "cx:yes:",
        "bc:",
        "ci:",
        "fb:",
        "at:",
        "fm:",
    ]
    await organizer.settle(language="en")
    with caplog.at_level(logging.ERROR):
        for _ in range(150):
            for chat in (amina, organizer):
                noise = rng.choice(NASTY) + "".join(
                    chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(0, 12))
                )
                await chat.send(rng.choice(prefixes) + noise)
                data = (rng.choice(datas) + noise).encode()[:64].decode(errors="ignore")
                if data:
                    await chat.press(data, message_id=1)
    errors = [r for r in caplog.records if "Error while handling an update" in r.message]
    assert errors == [], errors[0].exc_text if errors else ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (
            "ａｍｉｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ",
            "amina@example.org",
        ),  # a Chinese keyboard's full width
        ("\u200famina@example.org\u200e", "amina@example.org"),  # marks an RTL keyboard adds
        (" li.wei@城市.中国 ", "li.wei@城市.中国"),  # an internationalized domain stays as typed
    ],
)
def test_emails_are_read_as_typed_on_any_keyboard(typed: str, stored: str) -> None:
    assert profiles.parse_email(typed) == stored


@pytest.mark.parametrize(
    "typed", ["amina@example", "amina@@example.org", "ａｍｉｎａ＠", "a b@c.d"]
)
def test_what_is_not_an_email_is_explained(typed: str) -> None:
    with pytest.raises(InputProblem):
        profiles.parse_email(typed)
