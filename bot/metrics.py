"""What an operator's Prometheus reads at /metrics: the bot's counters, one set per process.

The registry belongs to the running bot (no module-level state: a test process builds many
bots). Services see only `Observer`, the few events they report; the web layer renders the
registry. Names follow Prometheus' conventions (`_total` for counters, base units).
"""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# From an update's arrival to the end of its handling: a reply comes within a second for
# most of them; a programme file or a report may take several.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Observer(Protocol):
    """What the domain reports as it happens (no-op unless the bot exports metrics)."""

    def delivery_finished(self, status: str) -> None: ...
    def signed_up(self, outcome: str) -> None: ...


class NoMetrics:
    def delivery_finished(self, status: str) -> None:
        return None

    def signed_up(self, outcome: str) -> None:
        return None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "bot_updates", "Updates from Telegram handled, by kind", ["kind"], registry=r
        )
        self.update_seconds = Histogram(
            "bot_update_seconds",
            "Seconds from an update's arrival to the end of its handling",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "bot_deliveries",
            "Deliveries (broadcasts, reminders, notices, certificates) finished, by outcome",
            ["status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "bot_telegram_rate_limited", "Bot API calls Telegram answered with 429", registry=r
        )
        self.registrations = Counter(
            "bot_registrations",
            "Sign-ups, by outcome (confirmed, waitlisted)",
            ["outcome"],
            registry=r,
        )
        self.backlog = Gauge(
            "bot_delivery_backlog", "Deliveries due now and not yet sent", registry=r
        )
        self.oldest_due = Gauge(
            "bot_delivery_oldest_due_seconds",
            "How long the oldest delivery due has waited (0 when none waits)",
            registry=r,
        )
        self.database_up = Gauge(
            "bot_database_up", "1 when the database answered the last check", registry=r
        )

    def delivery_finished(self, status: str) -> None:
        self.deliveries.labels(status).inc()

    def signed_up(self, outcome: str) -> None:
        self.registrations.labels(outcome).inc()

    def update_handled(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind).inc()
        self.update_seconds.observe(seconds)

    def render(self) -> bytes:
        """The text exposition format, as Prometheus scrapes it."""
        return generate_latest(self.registry)
