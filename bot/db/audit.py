"""The organizers' audit log: who changed the programme, and when."""

from __future__ import annotations

from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import to_db


class AuditLog(Repository):
    def record(self, admin_id: int, action: str, detail: str, now: datetime) -> None:
        """An entry in the caller's unit of work: it exists only if the change does."""
        self._run(
            "INSERT INTO admin_audit (admin_id, action, detail, created_at) VALUES (?, ?, ?, ?)",
            (admin_id, action, detail[:2000], to_db(now)),
        )
