"""What /healthz says: whether this process can do its work, and why not.

Unhealthy (503, so a load balancer or an orchestrator takes the process out or restarts it):
the database does not answer, the bot has stopped for good (database gone, token revoked),
or deliveries wait while this process's delivery worker has not finished one for
`STALLED_AFTER`. A long backlog alone is not a fault: a broadcast to 100,000 people takes
hours at Telegram's pace.
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
    due: int = 0  # deliveries due now and not sent
    oldest_waited: float = 0.0  # seconds
    last_finished: datetime | None = None  # by this process's worker
    worker_running: bool = False

    @property
    def stalled(self) -> bool:
        if not self.worker_running or not self.due:
            return False
        since = self.last_finished
        return self.oldest_waited > STALLED_AFTER.total_seconds() and (
            since is None or self.now - since > STALLED_AFTER
        )

    @property
    def problems(self) -> list[str]:
        found = []
        if self.database_error is not None:
            found.append(f"database: {self.database_error}")
        if self.stopped:
            found.append("the bot has stopped (see its log)")
        if self.stalled:
            found.append("deliveries are due but none was sent for five minutes")
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "problems": self.problems,
            "database": "ok" if self.database_error is None else "unreachable",
            "deliveries": {
                "due": self.due,
                "oldest_due_seconds": round(self.oldest_waited, 1),
                "last_sent_by_this_process": (
                    self.last_finished.isoformat(timespec="seconds") if self.last_finished else None
                ),
            },
        }
