"""Updates stored on arrival and marked done once handled (see migration 0008)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import to_db


@dataclass(frozen=True)
class Arrival:
    """An update as it came: its id, its sender (None for updates without one), its JSON."""

    update_id: int
    user_id: int | None
    payload: str


class InboxRepository(Repository):
    def store(self, updates: Sequence[Arrival], now: datetime) -> set[int]:
        """Store the updates not stored before; returns their ids (a redelivery is not new)."""
        new: set[int] = set()
        for arrival in updates:
            cursor = self._run(
                "INSERT INTO inbox (update_id, user_id, payload, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (arrival.update_id, arrival.user_id, arrival.payload, to_db(now)),
            )
            if cursor.rowcount == 1:
                new.add(arrival.update_id)
        return new

    def pending(self) -> list[tuple[int, str]]:
        rows = self._all(
            "SELECT update_id, payload FROM inbox WHERE done_at IS NULL AND payload != ''"
            " ORDER BY update_id"
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    def finish(self, update_ids: Sequence[int], now: datetime) -> None:
        """Handled: only the id stays, to recognise a redelivery; what the update said and
        who sent it are no longer needed."""
        self._run_many(
            "UPDATE inbox SET done_at = ?, payload = '', user_id = NULL"
            " WHERE update_id = ? AND done_at IS NULL",
            [(to_db(now), update_id) for update_id in update_ids],
        )

    def prune(self, before: datetime) -> None:
        """Done updates older than `before` go: they are only needed to recognise a
        redelivery, which comes within seconds."""
        self._run("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (to_db(before),))
