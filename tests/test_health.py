"""/healthz as a load balancer and a monitor read it: 503 only for what keeps this process from
taking updates (its database, a stop for good); deliveries that stall are said in the body,
and answered 503 at /healthz/deliveries, for a monitor to alert on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from bot.metrics import Metrics
from bot.web.health import Health
from bot.web.routes import build_web_app

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def ask(health: Health, path: str) -> httpx.Response:
    async def report() -> Health:
        return health

    app = build_web_app(report, Metrics())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return await client.get(path)


def stalled() -> Health:
    """A broadcast waits (Telegram asked every process to pause, say): due for ten minutes,
    nothing sent by this process for as long."""
    return Health(
        NOW,
        None,
        False,
        due=950,
        oldest_waited=600.0,
        last_finished=NOW - timedelta(minutes=10),
        worker_running=True,
        progress_at=NOW - timedelta(minutes=6),
        unhandled=2,
        oldest_unhandled=1.5,
    )


async def test_stalled_deliveries_keep_the_process_in_the_balancer_and_alert_a_monitor() -> None:
    answer = await ask(stalled(), "/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["problems"] == []
    assert body["warnings"] == ["deliveries are due but this process sent none for five minutes"]
    assert body["deliveries"]["stalled"] is True and body["deliveries"]["due"] == 950
    assert body["updates"] == {"stored_not_handled": 2, "oldest_waiting_seconds": 1.5}
    strict = await ask(stalled(), "/healthz/deliveries")
    assert strict.status_code == 503
    assert strict.json() == body


async def test_a_long_backlog_that_moves_is_healthy() -> None:
    moving = Health(
        NOW,
        None,
        False,
        due=90_000,
        oldest_waited=3_600.0,
        last_finished=NOW,
        worker_running=True,
        progress_at=NOW,
    )
    for path in ("/healthz", "/healthz/deliveries"):
        answer = await ask(moving, path)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"


async def test_updates_waiting_long_are_a_warning() -> None:
    slow = Health(NOW, None, False, unhandled=40, oldest_unhandled=400.0)
    answer = await ask(slow, "/healthz")
    assert answer.status_code == 200
    assert answer.json()["warnings"] == ["updates have waited more than five minutes to be handled"]


async def test_a_database_that_is_gone_or_unreachable_takes_the_process_out() -> None:
    gone = Health(NOW, "dropped or emptied under the bot", True, database_gone=True)
    answer = await ask(gone, "/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "gone"
    assert answer.json()["status"] == "unhealthy"
    down = Health(NOW, "OperationalError", False)
    answer = await ask(down, "/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "unreachable"
    assert answer.json()["problems"] == ["database: OperationalError"]
