"""Webhook mode end to end: `python -m bot` with WEBHOOK_URL, the emulator posting updates to
it as Telegram does (Bot API `setWebhook`: JSON body, secret header, posted again until
answered 2xx), /healthz and /metrics on the same server, a SIGKILL in a burst of presses,
and the way back to polling."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.devtools.emulator import ApiError, BotApiEmulator, FakeUser
from bot.devtools.emulator_server import BotApiServer, FloodControl
from handlers.buttons import Register
from tests.mini_apps import telegram_init_data
from tests.store import oracle
from tests.test_end_to_end import (
    ORGANIZER,
    Bot,
    answered_presses,
    programme_file,
    serving,
    with_profiles,
)

pytestmark = pytest.mark.end_to_end

SECRET = "s3cret-Token_for-tests"
PRESSES = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebhookBot:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/hook"

    @property
    def env(self) -> dict[str, str]:
        return {
            "WEBHOOK_URL": self.url,
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": f"127.0.0.1:{self.port}",
        }

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.get(f"http://127.0.0.1:{self.port}{path}")

    async def post(self, body: bytes, secret: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with httpx.AsyncClient() as client:
            return await client.post(self.url, content=body, headers=headers)


@pytest.fixture
async def hooked(tmp_path: Path, database_url: str) -> AsyncIterator[WebhookBot]:
    server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(30))
    async with serving(server, tmp_path, database_url) as running:
        yield WebhookBot(running)
    assert server.flood is not None and server.flood.refused == 0, "the bot exceeded 30/s"


async def test_webhook_mode_serves_the_journey_its_health_and_its_metrics(
    hooked: WebhookBot,
) -> None:
    bot = hooked.bot
    await bot.start(**hooked.env)
    [call] = [c for c in bot.emulator.calls if c.method == "setWebhook"]
    assert call.params["url"] == hooked.url
    assert call.params["secret_token"] == SECRET
    assert json.loads(call.params["allowed_updates"]) == ["message", "callback_query"]

    [hello] = await bot.say(ORGANIZER, "/start")
    assert hello["text"].startswith("Hello")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    bot.emulator.user_document(ORGANIZER, "programme.csv", programme_file(start))
    await bot.until(
        lambda: any("1 event added" in m.get("text", "") for m in bot.messages(ORGANIZER))
    )

    # Only Telegram knows the secret: anyone else's post is refused and handled by nobody.
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 4242, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    for secret in (None, "wrong", SECRET[:-1]):
        refused = await hooked.post(json.dumps(forged).encode(), secret)
        assert refused.status_code == 401
    assert (await hooked.post(b"not json", SECRET)).status_code == 400
    assert (await hooked.post(b"x" * 1_100_000, SECRET)).status_code == 413

    health = await hooked.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["database"] == "ok"
    assert health.json()["updates"] == {"stored_not_handled": 0, "oldest_waiting_seconds": 0.0}
    metrics = (await hooked.get("/metrics")).text
    assert 'bot_updates_total{kind="message"}' in metrics
    assert "bot_update_seconds_bucket" in metrics and "bot_delivery_backlog" in metrics
    # Every series from the start, at 0 until its first event; no `_created` timestamps.
    assert 'bot_updates_total{kind="callback_query"} 0.0' in metrics
    assert 'bot_deliveries_total{status="failed"} 0.0' in metrics
    assert 'bot_registrations_total{outcome="waitlisted"} 0.0' in metrics
    assert "_created" not in metrics
    assert 'bot_webhook_refused_total{reason="unauthorized"} 3.0' in metrics
    assert 'bot_webhook_refused_total{reason="not-json"} 1.0' in metrics
    assert 'bot_webhook_refused_total{reason="too-large"} 1.0' in metrics
    assert 'bot_webhook_refused_total{reason="not-stored"} 0.0' in metrics
    assert "bot_updates_waiting 0.0" in metrics

    assert await bot.stop(signal.SIGTERM) == 0
    assert not any(
        m["chat"]["id"] == 4242
        for m in bot.emulator.messages.values()
        if m["from"]["id"] == bot.emulator.bot_user["id"]
    )


async def test_sigkill_in_webhook_mode_loses_no_press_and_doubles_no_seat(
    hooked: WebhookBot,
) -> None:
    """Telegram posts each press until the bot answers 200, which it does once the update is
    stored: presses stored and not handled are handled after the restart, presses not stored
    come again."""
    bot = hooked.bot
    hooked.bot.server.flood = FloodControl(100_000)
    await bot.start(**hooked.env)
    start = datetime.now(UTC) + timedelta(days=5)
    bot.emulator.user_document(ORGANIZER, "programme.csv", programme_file(start))
    await bot.until(
        lambda: any("1 event added" in m.get("text", "") for m in bot.messages(ORGANIZER))
    )
    people = [
        FakeUser(id=50_000 + i, first_name=f"P{i}", language_code="en") for i in range(PRESSES)
    ]
    with_profiles(bot.database, people)

    def answered() -> set[str]:
        return answered_presses(bot.emulator)

    presses = [
        str(bot.emulator.user_presses(p, 1, Register("flood").pack())["callback_query"]["id"])
        for p in people
    ]
    await bot.until(lambda: len(answered() & set(presses)) >= 10)
    assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    assert len(answered() & set(presses)) < PRESSES
    await bot.start(**hooked.env)

    def registered() -> dict[int, int]:
        with oracle(bot.database) as conn:
            rows = conn.execute(
                "SELECT user_id, COUNT(*) FROM registrations GROUP BY user_id"
            ).fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    everyone = {p.id for p in people}
    # The presses the killed process had claimed are taken up when its claims lapse (15 s);
    # the database is looked at twice a second, not at each call the emulator answers.
    for _ in range(180):
        if set(presses) <= answered() and everyone <= set(registered()):
            break
        await asyncio.sleep(0.5)
    assert set(presses) <= answered() and everyone <= set(registered()), bot.folder
    assert set(registered().values()) == {1}
    assert bot.emulator.pending_updates() == 0  # Telegram holds nothing more for the bot
    assert await bot.stop(signal.SIGTERM) == 0
    with oracle(bot.database) as conn:
        left = conn.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
    assert left == (0,)


async def test_back_to_polling_deletes_the_webhook(hooked: WebhookBot) -> None:
    bot = hooked.bot
    await bot.start(**hooked.env)
    assert bot.emulator.webhook is not None
    assert await bot.stop(signal.SIGTERM) == 0
    # Telegram keeps what comes while the bot is down, for whoever asks next.
    bot.emulator.user_message(ORGANIZER, "/start")
    await bot.start()  # no WEBHOOK_URL: long polling
    assert bot.emulator.webhook is None
    assert any(c.method == "deleteWebhook" for c in bot.emulator.calls)
    await bot.until(
        lambda: any(m.get("text", "").startswith("Hello") for m in bot.messages(ORGANIZER))
    )
    assert await bot.stop(signal.SIGTERM) == 0


async def test_sigterm_in_the_middle_of_a_broadcast_ends_cleanly(hooked: WebhookBot) -> None:
    """SIGTERM while a broadcast is being sent (a restart, a deploy): the message in flight
    is finished, the process ends with 0, and the rest goes after the next start."""
    bot = hooked.bot
    people = [FakeUser(id=70_000 + i, first_name=f"R{i}") for i in range(60)]
    await bot.create_database()
    with_profiles(bot.database, people)
    await bot.start(**hooked.env)
    await bot.say(ORGANIZER, "/broadcast")
    await bot.press(ORGANIZER, "Everyone")
    await bot.say(ORGANIZER, "Rooms change tomorrow.")
    await bot.press(ORGANIZER, "Preview", replies=2)
    await bot.press(ORGANIZER, "Send")

    def received() -> list[int]:
        return [
            int(m["chat"]["id"])
            for m in bot.emulator.messages.values()
            if m.get("text") == "Rooms change tomorrow."
        ]

    await bot.until(lambda: len(received()) >= 10)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)  # and a second one at once (an impatient operator)
    assert await bot.stop(signal.SIGTERM) == 0
    assert "Traceback" not in (bot.folder / "bot.log").read_text(errors="replace")
    await bot.start(**hooked.env)
    await bot.until(lambda: len(set(received())) == len(people) + 1)
    assert len(received()) == len(set(received()))  # nobody twice
    assert await bot.stop(signal.SIGTERM) == 0


async def test_webhook_mode_waits_for_a_bot_api_unreachable_at_start(hooked: WebhookBot) -> None:
    """Started at boot before the network, or while Telegram is away: the process waits and
    tries again (as long polling does) instead of ending on a traceback; once the Bot API
    answers, it sets its webhook and serves."""
    bot = hooked.bot
    port = bot.server.port
    await bot.server.stop()
    tried = asyncio.Event()

    def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tried.set()
        writer.close()

    down = await asyncio.start_server(hang_up, "127.0.0.1", port)
    starting = asyncio.create_task(bot.start(**hooked.env))
    async with asyncio.timeout(30):
        await tried.wait()
    down.close()
    await down.wait_closed()
    await bot.server.start(port=port)
    await starting
    [hello] = await bot.say(ORGANIZER, "/start")
    assert hello["text"].startswith("Hello")
    log = (bot.folder / "bot.log").read_text(errors="replace")
    assert "Could not reach the Bot API at start" in log
    assert "Traceback" not in log
    assert await bot.stop(signal.SIGTERM) == 0


async def test_an_address_the_bot_cannot_listen_on_is_said_in_one_line(hooked: WebhookBot) -> None:
    """WEBHOOK_LISTEN on a port another program holds: the process ends with exit code 2 (a
    setting to fix) and one line saying so, not a traceback."""
    bot = hooked.bot
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", hooked.port))
        taken.listen()
        code = await bot.ends_by_itself(**hooked.env)
    log = (bot.folder / "bot.log").read_text(errors="replace")
    assert code == 2, log[-2000:]
    assert f"Not started: cannot listen on 127.0.0.1:{hooked.port}" in log
    assert "Traceback" not in log


async def test_a_webhook_telegram_refuses_stops_the_bot_with_what_to_fix(
    hooked: WebhookBot,
) -> None:
    """Telegram refuses the webhook (a URL it will not post to): the process ends with exit
    code 3 (starting again would not help) and says which URL and why, in one line."""
    bot = hooked.bot
    refusal = ApiError(400, "Bad Request: bad webhook: IP address 10.0.0.1 is reserved")
    bot.emulator.fail_next("setWebhook", refusal)
    code = await bot.ends_by_itself(**hooked.env)
    log = (bot.folder / "bot.log").read_text(errors="replace")
    assert code == 3, log[-2000:]
    assert f"Telegram refused the webhook {hooked.url}: " in log
    assert "10.0.0.1 is reserved" in log
    assert "Could not reach" not in log  # a refusal is not retried
    assert "Traceback" not in log


async def test_webhook_mode_serves_the_mini_app_on_the_same_server(hooked: WebhookBot) -> None:
    bot = hooked.bot
    await bot.start(**hooked.env, WEB_APP_URL="https://bot.example.org")
    page = await hooked.get("/app/form?lang=fr")
    assert page.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.text
    user = {"id": 4343, "first_name": "Amina", "language_code": "fr"}
    signed = telegram_init_data(user, datetime.now(UTC), token=bot.env["BOT_TOKEN"])
    async with httpx.AsyncClient() as client:
        me = await client.get(
            f"http://127.0.0.1:{hooked.port}/app/api/me", headers={"Authorization": "tma " + signed}
        )
    assert me.status_code == 200
    assert me.json()["language"] == "fr" and me.json()["profile"] is None
    assert (await hooked.get("/app/api/me")).status_code == 401
    assert await bot.stop(signal.SIGTERM) == 0
