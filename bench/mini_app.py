"""Issue 18's figures for the Mini App.

1. Page weight: the registration form as a phone downloads it (the page in each language,
   its stylesheet and scripts; Telegram's own telegram-web-app.js not counted), raw and
   gzip-compressed as a reverse proxy serves it. Budget: under 100 KB.
2. API answers with 100,000 registrations (5,000 for the large webinar, the rest over 50
   other events; then all 100,000 for one): each call timed from a client in another thread
   over 127.0.0.1 to the bot's own web server, signed initData checked as always. Budget:
   under 20 ms at the median.
3. Bot API sends of a first sign-up: through the form (the card, then the confirmation) and
   through the chat's questions, counted at the emulated Bot API.

    python -m bench.mini_app [--runs 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import hmac
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.harness import NOW, Bench, running_bot
from bench.registrants import seed
from bot.config import Listen, WebApp
from bot.devtools.emulator import FakeUser

TOKEN = "1:BENCH"
PASSES = ((100_000, 5_000), (100_000, 100_000))
ORGANIZER = 1  # the harness's admin


def init_data(user: dict[str, Any]) -> str:
    """Signed as Telegram signs it (Bot API documentation, "Validating data received via
    the Mini App")."""
    fields = {"auth_date": str(int(NOW.timestamp())), "user": json.dumps(user)}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    key = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def page_weight(base: str) -> list[str]:
    lines = []
    with httpx.Client(base_url=base) as client:
        for language in ("en", "ar", "zh", "ru"):
            page = client.get("/app/form", params={"event": "ev-0", "lang": language})
            assets = re.findall(r'(?:src|href)="(static/[^"]+)"', page.text)
            bodies = [page.content] + [client.get(f"/app/{a}").content for a in assets]
            raw = sum(len(b) for b in bodies)
            packed = sum(len(gzip.compress(b, 6)) for b in bodies)
            lines.append(
                f"form ({language}): {raw / 1024:.1f} KB raw, {packed / 1024:.1f} KB gzip "
                f"({len(assets)} assets) {'OK' if raw < 100 * 1024 else 'OVER BUDGET'}"
            )
    return lines


CASES: list[tuple[str, str, str, dict[str, Any] | None, bool]] = [
    # name, method, path, body, as the organizer
    ("me", "GET", "api/me", None, False),
    ("check a country (Кения)", "POST", "api/check", {"field": "country", "value": "Кения"}, False),
    ("check an email", "POST", "api/check", {"field": "email", "value": "a@example.org"}, False),
    ("cities starting 'Nai'", "POST", "api/cities", {"text": "Nai", "country": "Kenya"}, False),
    ("zones (Brazil, Manaus)", "POST", "api/zones", {"country": "Brazil", "city": "Manaus"}, False),
    ("events with counts", "GET", "api/admin/events", None, True),
    (
        "registrants, the event opened (with the filters' choices)",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0"},
        True,
    ),
    (
        "registrants, next page",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0", "page": 1, "choices": False},
        True,
    ),
    (
        "registrants, a page far down",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0", "page": 60, "choices": False},
        True,
    ),
    (
        "registrants, search 'diallo 4242'",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0", "search": "diallo 4242", "choices": False},
        True,
    ),
    (
        "registrants, sorted by name",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0", "sort": "name", "choices": False},
        True,
    ),
    (
        "registrants, country KE",
        "POST",
        "api/admin/registrants",
        {"event": "ev-0", "country": "KE", "choices": False},
        True,
    ),
    (
        "attendance marked",
        "POST",
        "api/admin/attendance",
        {"event": "ev-0", "user": 1_000_000, "present": True},
        True,
    ),
]


def timings(base: str, runs: int, cases: list[Any]) -> list[str]:
    participant = {"Authorization": "tma " + init_data({"id": 777, "first_name": "Ana"})}
    organizer = {"Authorization": "tma " + init_data({"id": ORGANIZER, "first_name": "Olga"})}
    lines = []
    with httpx.Client(base_url=base + "/app/") as client:
        for name, method, path, body, as_organizer in cases:
            headers = organizer if as_organizer else participant
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                answer = client.request(method, path, json=body, headers=headers)
                seconds.append(time.perf_counter() - started)
                assert answer.status_code == 200, (name, answer.status_code, answer.text[:200])
            ordered = sorted(seconds)
            median = statistics.median(ordered) * 1000
            p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
            verdict = "OK" if median < 20 else "OVER BUDGET"
            lines.append(f"{name}: median {median:.2f} ms, p95 {p95:.2f} ms {verdict}")
    return lines


def sends(bench: Bench, mark: int) -> tuple[int, int]:
    calls = bench.emulator.calls[mark:]
    return sum(1 for c in calls if c.method.startswith(("send", "edit"))), len(calls)


async def first_sign_ups(bench: Bench, base: str) -> list[str]:
    """A newcomer through the form, another through the chat's questions."""
    form_user = FakeUser(id=5_000_001, first_name="Amina", language_code="en")
    mark = len(bench.emulator.calls)
    await bench.deliver(bench.emulator.user_message(form_user, "/start ev-1"))
    body = {
        "event": "ev-1",
        "consent": True,
        "answers": {
            "full_name": "Amina Diallo",
            "country": "Kenya",
            "city": "Nairobi",
            "organization": "Kenya Red Cross",
            "role": "",
            "email": "amina@example.org",
            "timezone": "",
        },
    }
    signed = {"Authorization": "tma " + init_data({"id": form_user.id, "first_name": "Amina"})}

    def post() -> httpx.Response:
        with httpx.Client(base_url=base + "/app/") as client:
            return client.post("api/register", json=body, headers=signed)

    answer = await asyncio.to_thread(post)
    assert answer.json()["outcome"] == "confirmed", answer.text
    form_sends, form_calls = sends(bench, mark)

    chat_user = FakeUser(id=5_000_002, first_name="Bilal", language_code="en")
    mark = len(bench.emulator.calls)
    emulator = bench.emulator
    await bench.deliver(emulator.user_message(chat_user, "/start ev-2"))
    for step in (
        "press:Answer in the chat",
        "press:Use",
        "Kenya",
        "Nairobi",
        "Red Crescent",
        "press:Skip",
        "bilal@example.org",
    ):
        if step.startswith("press:"):
            message = _last_with_buttons(bench, chat_user.id)
            data = next(
                b["callback_data"]
                for row in message["reply_markup"]["inline_keyboard"]
                for b in row
                if b["text"].startswith(step.removeprefix("press:")) and "callback_data" in b
            )
            await bench.deliver(emulator.user_presses(chat_user, message["message_id"], data))
        else:
            await bench.deliver(emulator.user_message(chat_user, step))
    chat_sends, chat_calls = sends(bench, mark)
    return [
        f"first sign-up through the form: {form_sends} messages sent or edited "
        f"({form_calls} Bot API calls) {'OK' if form_sends <= 3 else 'OVER BUDGET'}",
        f"first sign-up through the chat's questions: {chat_sends} messages sent or edited "
        f"({chat_calls} Bot API calls)",
    ]


def _last_with_buttons(bench: Bench, chat_id: int) -> dict[str, Any]:
    found = [
        m
        for (chat, _), m in sorted(bench.emulator.messages.items())
        if chat == chat_id and m.get("reply_markup")
    ]
    return found[-1]


async def main(runs: int = 100) -> None:
    web_app = WebApp("https://bench.example.org", Listen("127.0.0.1", 0))
    for people, big in PASSES:
        with tempfile.TemporaryDirectory() as folder:
            async with running_bot(Path(folder), web_app=web_app) as bench:
                seed(Path(folder) / "bench.sqlite3", people, big)
                base = f"http://127.0.0.1:{bench.app.web_servers[0].port}"
                print(f"-- {people:,} registrations, {big:,} for the large webinar", flush=True)
                if big < people:
                    for line in await asyncio.to_thread(page_weight, base):
                        print(line, flush=True)
                for line in await asyncio.to_thread(timings, base, runs, CASES):
                    print(line, flush=True)
                if big < people:
                    for line in await first_sign_ups(bench, base):
                        print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    asyncio.run(main(parser.parse_args().runs))
