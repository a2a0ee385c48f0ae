"""The Bot API emulator answers as Telegram does, errors included; its HTTP server paces
each chat as Telegram does and can be slow on demand."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.devtools.emulator import ApiError, BotApiEmulator, EmulatorRequest, FakeUser
from bot.devtools.emulator_server import BotApiServer, ChatPace, FloodControl

USER = FakeUser(id=42, first_name="Kofi")


@pytest.fixture
async def bot() -> Bot:
    emulator = BotApiEmulator()
    emulator.user_message(USER, "/start")  # the chat exists once the user wrote
    bot = Bot(
        "1:T", request=EmulatorRequest(emulator), get_updates_request=EmulatorRequest(emulator)
    )
    await bot.initialize()
    return bot


def emulator_of(bot: Bot) -> BotApiEmulator:
    request = bot.request
    assert isinstance(request, EmulatorRequest)
    return request.emulator


async def test_messages_are_stored_with_html_removed(bot: Bot) -> None:
    """HTML parse mode is applied: the stored text is what the user reads."""
    message = await bot.send_message(42, "<b>Hi</b> &amp; welcome", parse_mode="HTML")
    assert message.text == "Hi & welcome" and message.chat.id == 42


async def test_formatting_comes_back_as_entities(bot: Bot) -> None:
    """As Telegram does: offsets in UTF-16 units (an emoji counts two), nested entities,
    links with their address, and empty tags dropped."""
    message = await bot.send_message(
        42,
        '🌊 <b>Floods <i>and</i> cities</b><b></b>: <a href="https://example.org/x">join</a>',
        parse_mode="HTML",
    )
    assert message.text == "🌊 Floods and cities: join"
    found = [(e.type, e.offset, e.length, e.url) for e in message.entities]
    assert found == [
        ("bold", 3, 17, None),
        ("italic", 10, 3, None),
        ("text_link", 22, 4, "https://example.org/x"),
    ]
    assert message.parse_entity(message.entities[0]) == "Floods and cities"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>open", "can't parse entities: Can't find end tag corresponding to start tag \"b\""),
        ("<div>x</div>", 'can\'t parse entities: Unsupported start tag "div" at byte offset 0'),
        ("x" * 4097, "too long"),
        ("   ", "empty"),
    ],
)
async def test_invalid_messages_are_refused_like_telegram(bot: Bot, text: str, error: str) -> None:
    """Bad HTML, too long or empty texts get Telegram's 400 answers."""
    with pytest.raises(BadRequest, match="(?i)" + re.escape(error)):
        await bot.send_message(42, text, parse_mode="HTML")


async def test_oversized_button_data_and_unknown_chats_are_refused(bot: Bot) -> None:
    """Callback data over 64 bytes and chats that never wrote are refused."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(42, "x", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(43, "x")


async def test_an_unchanged_edit_is_refused(bot: Bot) -> None:
    """Editing a message to the same content is a 400, as on Telegram."""
    message = await bot.send_message(42, "same")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=42, message_id=message.message_id)
    edited = await bot.edit_message_text("new", chat_id=42, message_id=message.message_id)
    assert not isinstance(edited, bool) and edited.text == "new"


async def test_failures_on_demand(bot: Bot) -> None:
    """429 with retry_after and 403 can be injected for the next call."""
    emulator = emulator_of(bot)
    emulator.fail_next(
        "sendMessage", ApiError(429, "Too Many Requests: retry after 3", {"retry_after": 3})
    )
    emulator.fail_next("sendMessage", ApiError(403, "Forbidden: bot was blocked by the user"))
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "x")
    with pytest.raises(Forbidden):
        await bot.send_message(42, "x")
    assert (await bot.send_message(42, "x")).text == "x"


async def test_updates_are_queued_and_confirmed_by_offset(bot: Bot) -> None:
    """getUpdates returns queued updates until a later offset confirms them."""
    emulator = emulator_of(bot)
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start"]
    emulator.user_presses(USER, 1, "lang:fr")
    assert emulator.pending_updates() == 2  # the first is not confirmed yet
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.callback_query.data for u in updates if u.callback_query] == ["lang:fr"]
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert not emulator.has_pending_updates() and emulator.pending_updates() == 0


async def test_documents_round_trip(bot: Bot) -> None:
    """A sent document is stored; a user's upload can be fetched back with getFile."""
    sent = await bot.send_document(42, b"a,b\n1,2\n", filename="x.csv")
    assert sent.document is not None and sent.document.file_name == "x.csv"
    emulator = emulator_of(bot)
    update = emulator.user_document(USER, "programme.csv", b"code,title\nX,Y\n")
    file = await bot.get_file(update["message"]["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"code,title\nX,Y\n"


async def test_unknown_methods_are_refused_and_recorded(bot: Bot) -> None:
    """A method the emulator does not implement fails loudly, so tests notice it."""
    with pytest.raises(Exception, match="Not Found"):
        await bot.send_dice(42)
    assert emulator_of(bot).unsupported == ["sendDice"]


class Ticking:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_chat_pace_allows_a_burst_of_three_then_one_a_second() -> None:
    """The per-chat rule: 3 in any second, N + 3 in any N seconds; the bot's own pace (a burst
    of 3, then one a second) is never refused, a faster one is, in its own chat only."""
    clock = Ticking()
    pace = ChatPace(now=clock)
    assert [pace.admit(42) for _ in range(3)] == [None, None, None]
    wait = pace.admit(42)
    assert wait is not None and 0 < wait <= 1
    assert pace.admit(43) is None  # another chat is not affected
    for _ in range(60):  # then one a second, for a minute
        clock.now += 1.0
        assert pace.admit(42) is None
    for _ in range(20):  # two a second: fine for a while, refused once over N + 3 in N s
        clock.now += 0.5
        pace.admit(42)
    figures = pace.figures(per_chat=True)
    assert figures["chats_over_pace"] == 1 and figures["refused"] == pace.over[42] > 1
    assert figures["worst"]["chat"] == 42
    assert figures["per_chat"]["43"] == {"sent": 1, "over_pace": 0}
    assert figures["busiest_second"] == {"chat": 42, "messages": 3}


def test_chat_pace_without_refusing_only_counts() -> None:
    clock = Ticking()
    pace = ChatPace(now=clock, refuse=False)
    assert [pace.admit(42) for _ in range(5)] == [None] * 5
    assert pace.figures()["over_pace"] == 2 and pace.figures()["refused"] == 0
    assert pace.sent[42] == 5


@pytest.fixture
async def served() -> AsyncIterator[tuple[BotApiServer, Bot]]:
    emulator = BotApiEmulator(open_chats=True)
    server = BotApiServer(emulator, FloodControl(30), ChatPace())
    await server.start()
    bot = Bot("1:T", base_url=server.base_url)
    await bot.initialize()
    yield server, bot
    await bot.shutdown()
    await server.stop()


async def test_the_server_refuses_a_fourth_message_in_one_second_to_a_chat(
    served: tuple[BotApiServer, Bot],
) -> None:
    """Over HTTP: the chat's fourth message within a second gets a 429 (not delivered), and
    /stats says which chat went over its pace."""
    server, bot = served
    for _ in range(3):
        await bot.send_message(42, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(42, "x")
    await bot.send_message(43, "x")
    assert len(server.emulator.sent_to(42)) == 3 + 1  # the refused call is recorded as made
    assert sum(1 for (chat, _) in server.emulator.messages if chat == 42) == 3  # not received
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/stats?per_chat=1")
    pace = answer.json()["chat_pace"]
    assert pace["refused"] == 1 and pace["chats_over_pace"] == 1
    assert pace["worst"]["chat"] == 42 and pace["worst"]["limit"] == "3 in 1 s"
    assert pace["per_chat"]["43"] == {"sent": 1, "over_pace": 0}


async def test_a_slow_answer_comes_late_but_the_message_is_there_at_once(
    served: tuple[BotApiServer, Bot],
) -> None:
    """`delays`: the message is stored when the request arrives; only the answer waits."""
    server, bot = served
    server.delays["sendMessage"] = 0.5
    started = time.monotonic()
    sending = asyncio.create_task(bot.send_message(42, "slow"))
    async with asyncio.timeout(5):
        await server.emulator.wait_until(lambda: bool(server.emulator.sent_to(42)))
    assert not sending.done() and time.monotonic() - started < 0.5
    message = await sending
    assert message.text == "slow" and time.monotonic() - started >= 0.5
    assert (await bot.get_me()).is_bot  # other methods answer at once
