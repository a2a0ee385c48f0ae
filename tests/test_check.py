"""`python -m bot check` against the emulator: what is fine, what to fix, and its exit code."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.checkup import check
from bot.config import Listen, Settings, Webhook
from bot.db import open_database
from bot.devtools.emulator import ApiError, BotApiEmulator
from bot.devtools.emulator_server import BotApiServer

TOKEN = "123456:CHECK"
HOOK = Webhook("https://bot.example.org/telegram", "s3cret", Listen("127.0.0.1", 0))


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    running = BotApiServer(BotApiEmulator())
    await running.start()
    yield running
    await running.stop()


def settings_for(server: BotApiServer, tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        bot_token=TOKEN,
        database_path=tmp_path / "bot.sqlite3",
        database_url=database_url,
        telegram_api_url=server.base_url,
    )


async def run_check(settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await check(settings, out)
    return code, out.getvalue()


async def test_a_ready_deployment_is_all_set(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(server, tmp_path, database_url)
    await (await open_database(settings.database_path, database_url)).close()
    code, said = await run_check(settings)
    assert code == 0, said
    assert "Mode: long polling" in said
    assert "up to date" in said
    assert "the bot is @webinar_demo_bot" in said
    assert said.endswith("All set.\n")


async def test_a_database_not_created_yet_is_fine_and_a_refused_token_is_not(
    server: BotApiServer, tmp_path: Path
) -> None:
    settings = settings_for(server, tmp_path, "")
    server.emulator.fail_next("getMe", ApiError(401, "Unauthorized"))
    code, said = await run_check(settings)
    assert code == 1
    assert "does not exist yet; the bot creates it at start" in said
    assert "FIX  Bot token: the Bot API refuses it" in said
    assert "@BotFather" in said and TOKEN not in said


async def test_webhook_mode_before_and_after_the_webhook_is_set(
    server: BotApiServer, tmp_path: Path, database_url: str
) -> None:
    settings = replace(
        settings_for(server, tmp_path, database_url),
        webhook=HOOK,
        metrics_listen=Listen("127.0.0.1", 9100),
    )
    code, said = await run_check(settings)
    assert code == 0, said
    assert "Webhook: not set yet; the bot sets it when it starts" in said
    # said, not counted as a fault: the operator may be scraping the wrong port
    assert "NOTE METRICS_LISTEN (127.0.0.1:9100) is not used in webhook mode" in said
    on_sqlite = "NOTE Webhook mode on a SQLite file: one process only"
    assert (on_sqlite in said) is (not database_url)
    await server.emulator.handle("setWebhook", {"url": "https://other.example.org/x"})
    code, said = await run_check(settings)
    assert code == 1
    assert "not to WEBHOOK_URL" in said and "Another deployment" in said
    await server.emulator.handle("deleteWebhook", {})


async def test_a_port_in_use_and_an_unreachable_database_are_reported(
    server: BotApiServer, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = replace(
            settings_for(server, tmp_path, ""),
            database_url="postgresql://bot:not-the-password@127.0.0.1:9/none",
            metrics_listen=Listen("127.0.0.1", port),
        )
        code, said = await run_check(settings)
    assert code == 1
    assert f"FIX  METRICS_LISTEN: cannot listen on 127.0.0.1:{port}" in said
    assert "FIX  Database: PostgreSQL database none on 127.0.0.1:9" in said
    assert "not-the-password" not in said


async def test_the_running_bot_on_its_own_port_is_not_a_problem(
    server: BotApiServer, tmp_path: Path
) -> None:
    """`check` run beside the running bot: its address is taken, by the bot itself, which
    answers /healthz there."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "problems": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    running = HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        port = running.server_address[1]
        settings = replace(
            settings_for(server, tmp_path, ""), metrics_listen=Listen("127.0.0.1", int(port))
        )
        code, said = await run_check(settings)
    finally:
        running.shutdown()
        running.server_close()
    assert code == 0, said
    assert f"METRICS_LISTEN: 127.0.0.1:{port} is this bot's, running (healthy)" in said
