"""What the bot remembers of a user between two updates, as one opaque value (see
`handlers.shared_sessions`): kept in the database when several processes serve the bot."""

from __future__ import annotations

from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import to_db


class SessionRepository(Repository):
    def get(self, user_id: int) -> bytes | None:
        row = self._one("SELECT state FROM user_sessions WHERE user_id = ?", (user_id,))
        return bytes(row[0]) if row else None

    def put(self, user_id: int, state: bytes, now: datetime) -> None:
        self._run(
            "INSERT INTO user_sessions (user_id, state, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state,"
            " updated_at = excluded.updated_at",
            (user_id, state, to_db(now)),
        )

    def delete(self, user_id: int) -> None:
        self._run("DELETE FROM user_sessions WHERE user_id = ?", (user_id,))

    def prune(self, before: datetime) -> int:
        """Sessions untouched since `before` go (a wizard left alone ends after 30 minutes)."""
        cursor = self._run("DELETE FROM user_sessions WHERE updated_at < ?", (to_db(before),))
        return cursor.rowcount
