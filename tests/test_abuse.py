"""Hostile or careless users: floods, long and strange messages, forged buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import BotApplication
from bot.emulator import BotApiEmulator
from bot.services.event_fields import parse_offsets
from bot.services.problems import InputProblem
from handlers.flood import BURST, FloodGuard
from tests.conftest import ChatDriver, chat_as, texts

NOTICE = "You are sending messages faster than I can answer. I will answer again in a few seconds."


async def test_a_flood_is_cut_with_one_notice_and_others_are_unaffected(
    amina: ChatDriver, app: BotApplication, emulator: BotApiEmulator
) -> None:
    """Thirty messages at once: twenty answered, one notice, the rest dropped; another user is
    answered normally meanwhile; after a pause the flooder is answered again."""
    replies: list[str] = []
    for _ in range(30):
        replies += texts(await amina.send("/help", pace=timedelta(0)))
    assert len(replies) == 21
    assert replies.count(NOTICE) == 1
    other = chat_as(app, emulator, id=7777, first_name="Other", language_code="en")
    assert len(texts(await other.send("/help", pace=timedelta(0)))) == 1
    assert len(texts(await amina.send("/help", pace=timedelta(seconds=11)))) == 1


def test_the_flood_guard_remembers_only_the_active_crowd() -> None:
    """100,000 different users, 100 a second: the guard keeps about the last ten seconds of
    them, not everyone it ever met, and a flooder in that crowd stays held back."""
    guard = FloodGuard()
    start = datetime(2026, 11, 28, tzinfo=UTC)
    for _ in range(BURST):
        assert guard.admit(1, start)[0]
    assert guard.admit(1, start) == (False, True)
    for i in range(100_000):
        now = start + timedelta(milliseconds=10 * i)
        assert guard.admit(1_000_000 + i, now)[0]
        if i == 500:
            assert guard.admit(1, now) == (False, False)  # still flooding, already told
    assert len(guard._streams) <= 3 * 1_000


async def test_odd_texts_get_an_answer(amina: ChatDriver) -> None:
    """A 4,096-character message, control and zero-width characters, right-to-left overrides."""
    for text in (
        "x" * 4096,
        "\u200b\u200b",
        "\u202eevil\u202c",
        "\x00\x07bell",
        "🙂" * 500,
        "<b>not markup</b>",
        "/start " + "a" * 4000,
    ):
        replies = texts(await amina.send(text))
        assert replies, repr(text[:20])
        assert all(len(reply) <= 4096 for reply in replies)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=40))
def test_reminder_times_parse_or_explain(raw: str) -> None:
    """Whatever an organizer types after /reminders CODE, it parses or gets a clear problem."""
    minutes: list[int] = []
    problem: InputProblem | None = None
    try:
        minutes = parse_offsets(raw)
    except InputProblem as exc:
        problem = exc
    if problem is not None:
        assert problem.problem.message
    else:
        assert minutes == sorted(set(minutes), reverse=True)
        assert 1 <= len(minutes) <= 5
