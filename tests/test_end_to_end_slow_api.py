"""End to end with a slow Telegram: `python -m bot` as a process against the Bot API emulator,
every message it sends answered only after 6 s (the message arrives at once, the answer is
late, as on Telegram's bad days). Nothing is sent twice, a participant's reply comes once, and
the organizer gets a definite answer about what was sent.

The delivery worker keeps several copies in flight (bot.services.delivery.SENDS_IN_FLIGHT),
so the broadcast is paced by the send scheduler, not by Telegram's answers: 20 recipients and
the organizer take about five slow answers (30 s: three rounds of copies, the organizer's own
copy after their progress edits, the summary), not 21 (two minutes, one copy at a time).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import to_db
from bot.devtools.emulator import BotApiEmulator, FakeUser, html_to_text
from bot.devtools.emulator_server import SENDING_METHODS, BotApiServer, ChatPace, FloodControl
from tests.store import oracle
from tests.test_end_to_end import ORGANIZER, Bot, serving

pytestmark = pytest.mark.end_to_end

SLOW = 6.0  # seconds before each answer to a sending call
RECIPIENTS = [FakeUser(id=40_000 + i, first_name=f"R{i}") for i in range(20)]
NEWS = "The afternoon session moves to 15:00."


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[Bot]:
    """The bot on a database with RECIPIENTS, against an emulator that watches Telegram's
    limits overall and in each chat."""
    server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(30), ChatPace())
    async with serving(server, tmp_path, database_url) as running:
        await running.create_database()
        now = to_db(datetime.now(UTC))
        with oracle(running.database) as conn:
            conn.executemany(
                "INSERT INTO users (user_id, first_name, language, created_at, last_seen_at)"
                " VALUES (?, ?, 'en', ?, ?)",
                [(user.id, user.first_name, now, now) for user in RECIPIENTS],
            )
        yield running


async def until(bot: Bot, predicate: Callable[[], bool], seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await bot.emulator.wait_until(predicate)
    except TimeoutError:
        texts = [m.get("text") for m in bot.messages(ORGANIZER)]
        raise AssertionError(f"not within {seconds:g} s; the organizer sees {texts}") from None


async def test_a_six_second_api_sends_nothing_twice_and_the_organizer_gets_the_summary(
    bot: Bot,
) -> None:
    await bot.start()
    await bot.say(ORGANIZER, "/broadcast")
    await bot.press(ORGANIZER, "Everyone")
    await bot.say(ORGANIZER, NEWS)
    await bot.press(ORGANIZER, "Preview", replies=2)

    bot.server.delays.update(dict.fromkeys(SENDING_METHODS, SLOW))
    sent_before = len(bot.emulator.calls)
    pressed = time.monotonic()
    [progress] = await bot.press(ORGANIZER, "Send")
    assert progress["text"].startswith("Broadcast #1 · sending"), progress["text"]
    participant = RECIPIENTS[0]
    bot.emulator.user_message(participant, "/help")  # while the broadcast goes out

    def summary() -> str | None:
        texts = (m.get("text", "") for m in bot.messages(ORGANIZER))
        return next((t for t in texts if t.startswith("Broadcast #1 · finished")), None)

    # eight copies in flight, each answered after SLOW: a few rounds, and a margin
    await until(bot, lambda: summary() is not None, 10 * SLOW)
    took = time.monotonic() - pressed
    assert SLOW <= took <= 7 * SLOW, took  # the answers really were slow; not one at a time
    print(f"{len(RECIPIENTS) + 1} copies with every answer {SLOW:g} s late: {took:.1f} s")
    assert f"\nSent: {len(RECIPIENTS) + 1}\nBlocked the bot: 0\nFailed: 0" in str(summary())

    calls = bot.emulator.calls[sent_before:]
    copies = Counter(
        call.params["chat_id"]
        for call in calls
        if call.method == "sendMessage" and html_to_text(call.params["text"]) == NEWS
    )
    assert copies == Counter({user.id: 1 for user in [*RECIPIENTS, ORGANIZER]})
    presses = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(presses) == 1  # Send was answered, once
    replies = [
        call
        for call in calls
        if call.params.get("chat_id") == participant.id
        and html_to_text(call.params["text"]) != NEWS
    ]
    assert len(replies) == 1 and "Commands:" in html_to_text(replies[0].params["text"])
    with oracle(bot.database) as conn:
        statuses = conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        assert dict(statuses.fetchall()) == {"sent": len(RECIPIENTS) + 1}
    assert bot.server.stats()["refused"] == 0
    assert bot.server.stats()["chat_pace"]["over_pace"] == 0
