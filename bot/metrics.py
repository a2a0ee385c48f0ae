"""What an operator's Prometheus reads at /metrics: the bot's counters, one set per process.

The registry belongs to the running bot (no module-level state: a test process builds many
bots). Services see only `Observer`, the few events they report; the web layer renders the
registry. Names follow Prometheus' conventions (`_total` for counters, base units).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Series shown at 0 from the start (a rate over a series that appears only at its first event
# misses that event): the values each label takes.
DELIVERY_OUTCOMES = ("sent", "failed", "blocked", "skipped")
SIGN_UP_OUTCOMES = ("confirmed", "waitlisted")
WEBHOOK_REFUSALS = ("unauthorized", "too-large", "not-json", "not-an-update", "not-stored")

# From an update's arrival to the end of its handling: a reply comes within a second for
# most of them; a programme file or a report may take several.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Observer(Protocol):
    """What the domain reports as it happens (no-op unless the bot exports metrics)."""

    def delivery_finished(self, status: str) -> None: ...
    def signed_up(self, outcome: str) -> None: ...
    def paid_sent(self) -> None: ...
    def paid_refused(self) -> None: ...


class NoMetrics:
    def delivery_finished(self, status: str) -> None:
        return None

    def paid_sent(self) -> None:
        return None

    def paid_refused(self) -> None:
        return None

    def signed_up(self, outcome: str) -> None:
        return None


class Metrics:
    """`update_kinds`: the kinds of update the bot asks Telegram for (their series from 0)."""

    def __init__(self, update_kinds: Iterable[str] = ()) -> None:
        # No `_created` series: a timestamp per series doubles what is scraped and says
        # nothing a restart counter does not. The switch is prometheus_client's own (one per
        # process, the same for every registry), idempotent.
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
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
            "Seconds the oldest delivery due has waited since its campaign was queued (0 when "
            "none waits)",
            registry=r,
        )
        self.database_up = Gauge(
            "bot_database_up", "1 when the database answered the last check", registry=r
        )
        self.unhandled = Gauge(
            "bot_updates_waiting", "Updates stored and not handled yet (by any process)", registry=r
        )
        self.oldest_unhandled = Gauge(
            "bot_updates_oldest_waiting_seconds",
            "How long the oldest update not handled yet has waited (0 when none waits)",
            registry=r,
        )
        self.paid_messages = Counter(
            "bot_paid_messages",
            "Messages sent as Telegram's paid broadcasts (0.1 Star each; urgent notices)",
            registry=r,
        )
        self.paid_refusals = Counter(
            "bot_paid_broadcasts_refused",
            "Paid notices whose payment Telegram refused (the rest went at the usual pace)",
            registry=r,
        )
        self.webhook_refused = Counter(
            "bot_webhook_refused",
            "Posts to the webhook answered with an error, by reason (not-stored: Telegram "
            "sends the update again)",
            ["reason"],
            registry=r,
        )
        for counter, values in (
            (self.updates, update_kinds),
            (self.deliveries, DELIVERY_OUTCOMES),
            (self.registrations, SIGN_UP_OUTCOMES),
            (self.webhook_refused, WEBHOOK_REFUSALS),
        ):
            for value in values:
                counter.labels(value)

    def delivery_finished(self, status: str) -> None:
        self.deliveries.labels(status).inc()

    def signed_up(self, outcome: str) -> None:
        self.registrations.labels(outcome).inc()

    def paid_sent(self) -> None:
        self.paid_messages.inc()

    def paid_refused(self) -> None:
        self.paid_refusals.inc()

    def webhook_post_refused(self, reason: str) -> None:
        self.webhook_refused.labels(reason).inc()

    def update_handled(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind).inc()
        self.update_seconds.observe(seconds)

    def render(self) -> bytes:
        """The text exposition format, as Prometheus scrapes it."""
        return generate_latest(self.registry)
