"""Organizers added in chat: who may manage the whole programme or chosen events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import from_db, to_db


@dataclass(frozen=True)
class GrantRow:
    """One grant as an owner made it, with what the list shows beside it."""

    user_id: int
    event_id: int | None  # None: the whole programme
    event_code: str | None
    added_by: int
    added_at: datetime


class OrganizerRepository(Repository):
    def grants_of(self, user_id: int) -> list[int | None]:
        """The events `user_id` organizes (None among them: the whole programme)."""
        rows = self._all("SELECT event_id FROM organizers WHERE user_id = ?", (user_id,))
        return [row[0] for row in rows]

    def grant(self, user_id: int, event_id: int | None, added_by: int, now: datetime) -> bool:
        """Add one grant; False if it was there already."""
        cursor = self._run(
            """
            INSERT INTO organizers (user_id, event_id, added_by, added_at) VALUES (?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            (user_id, event_id, added_by, to_db(now)),
        )
        return cursor.rowcount > 0

    def revoke(self, user_id: int, event_ids: Iterable[int | None] | None = None) -> int:
        """Remove the named grants (every grant when `event_ids` is None); how many went."""
        if event_ids is None:
            return self._run("DELETE FROM organizers WHERE user_id = ?", (user_id,)).rowcount
        removed = 0
        for event_id in event_ids:
            removed += self._run(
                "DELETE FROM organizers WHERE user_id = ? AND COALESCE(event_id, 0) = ?",
                (user_id, event_id or 0),
            ).rowcount
        return removed

    def all_grants(self) -> list[GrantRow]:
        rows = self._all(
            """
            SELECT o.user_id, o.event_id, e.code, o.added_by, o.added_at
            FROM organizers o LEFT JOIN events e ON e.event_id = o.event_id
            ORDER BY o.user_id, o.event_id IS NOT NULL, e.starts_at, e.code
            """
        )
        return [GrantRow(row[0], row[1], row[2], row[3], from_db(row[4])) for row in rows]

    def organizer_ids(self) -> list[int]:
        return [int(row[0]) for row in self._all("SELECT DISTINCT user_id FROM organizers")]

    def codes_of(self, event_ids: Iterable[int]) -> list[str]:
        """The codes of these events, in the order they start."""
        rows = self._all(
            f"SELECT code FROM events WHERE {self._dialect.in_json_ids('event_id', '?')}"
            " ORDER BY starts_at, code",
            (json.dumps(sorted(event_ids)),),
        )
        return [str(row[0]) for row in rows]
