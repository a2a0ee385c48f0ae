"""What /healthz says: whether this process can take Telegram's updates, and how its work goes.

`/healthz` answers 503 (so a load balancer or an orchestrator takes the process out or restarts
it) only for what this process cannot do: its database does not answer or is gone, or the bot
has stopped for good (database gone, token revoked). Work that waits is said in the body, not
with a 503: with several processes every one of them sees the same deliveries wait (Telegram
asked all to pause, say), and taking every replica out of the balancer would stop the bot
taking updates too. `/healthz/deliveries` answers 503 as well when deliveries wait and this
process's worker has not finished one for `STALLED_AFTER`: for a monitor to alert on. A long
backlog alone is not a fault: a broadcast to 100,000 people takes hours at Telegram's pace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

STALLED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Health:
    now: datetime
    database_error: str | None  # None: the database answered
    stopped: bool  # the bot stopped for good and is on its way out
    database_gone: bool = False  # dropped or emptied under the bot (it stops)
    due: int = 0  # deliveries due now and not sent
    oldest_waited: float = 0.0  # seconds
    last_finished: datetime | None = None  # by this process's worker
    worker_running: bool = False
    progress_at: datetime | None = None  # this process's worker last got anywhere
    unhandled: int = 0  # updates stored and not handled yet (by any process)
    oldest_unhandled: float = 0.0  # seconds since the oldest of them came

    @property
    def stalled(self) -> bool:
        """Deliveries are due and this process's worker has neither finished one nor found
        nothing to send for `STALLED_AFTER` (a retry moves a delivery's own time, so the
        age of the oldest due one cannot tell)."""
        if not self.worker_running or not self.due or self.progress_at is None:
            return False
        return self.now - self.progress_at > STALLED_AFTER

    @property
    def problems(self) -> list[str]:
        """What keeps this process from taking updates (503 at /healthz)."""
        found = []
        if self.database_gone:
            found.append(f"database gone: {self.database_error}")
        elif self.database_error is not None:
            found.append(f"database: {self.database_error}")
        if self.stopped:
            found.append("the bot has stopped (see its log)")
        return found

    @property
    def warnings(self) -> list[str]:
        """Work that waits longer than it should (said, not a 503 at /healthz)."""
        found = []
        if self.stalled:
            found.append("deliveries are due but this process sent none for five minutes")
        if self.unhandled and self.oldest_unhandled > STALLED_AFTER.total_seconds():
            found.append("updates have waited more than five minutes to be handled")
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def delivering(self) -> bool:
        """Healthy, and this process's deliveries go (503 at /healthz/deliveries if not)."""
        return self.healthy and not self.stalled

    def as_json(self) -> dict[str, Any]:
        status = "unhealthy" if self.problems else "degraded" if self.warnings else "ok"
        database = "ok" if self.database_error is None else "unreachable"
        return {
            "status": status,
            "problems": self.problems,
            "warnings": self.warnings,
            "database": "gone" if self.database_gone else database,
            "updates": {
                "stored_not_handled": self.unhandled,
                "oldest_waiting_seconds": round(self.oldest_unhandled, 1),
            },
            "deliveries": {
                "due": self.due,
                "oldest_due_seconds": round(self.oldest_waited, 1),
                "stalled": self.stalled,
                "last_sent_by_this_process": (
                    self.last_finished.isoformat(timespec="seconds") if self.last_finished else None
                ),
            },
        }
