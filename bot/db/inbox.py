"""Updates stored on arrival and marked done once handled (see migration 0008)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import from_db, to_db


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

    def waiting(self) -> tuple[int, datetime | None]:
        """How many updates are stored and not handled, and when the oldest came."""
        row = self._one(
            "SELECT COUNT(*), MIN(received_at) FROM inbox WHERE done_at IS NULL AND payload != ''"
        )
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), from_db(row[1])

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

    # -- claims: several processes on one inbox (webhook mode, see migration 0017) ---------

    def claim_next(
        self, user_id: int | None, owner: str, now: datetime, until: datetime
    ) -> list[Arrival]:
        """The user's oldest update not handled, claimed for `owner` until `until`; none
        while another of theirs is claimed (by anyone, lease not over): their updates go one
        at a time, in order. An update without a user is claimed on its own (`user_id` None
        then claims nothing: see `claim_orphans`)."""
        if user_id is None:
            return []
        rows = self._all(
            "SELECT update_id, payload, claimed_until FROM inbox"
            " WHERE user_id = ? AND done_at IS NULL AND payload != '' ORDER BY update_id",
            (user_id,),
        )
        stamp = to_db(now)
        if not rows or any(r[2] is not None and r[2] > stamp for r in rows):
            return []
        first = rows[0]
        self._claim([int(first[0])], owner, until)
        return [Arrival(int(first[0]), user_id, str(first[1]))]

    def claim_orphans(
        self, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Arrival]:
        """Updates nobody handles: each user's oldest not handled whose user has no live
        claim (its process died, or nobody claimed it), and updates without a user."""
        rows = self._all(
            "SELECT update_id, user_id, payload, claimed_until FROM inbox"
            " WHERE done_at IS NULL AND payload != '' ORDER BY update_id LIMIT ?",
            (limit * 10,),
        )
        stamp = to_db(now)
        busy = {r[1] for r in rows if r[1] is not None and r[3] is not None and r[3] > stamp}
        seen: set[int] = set()
        claimed: list[Arrival] = []
        for update_id, user_id, payload, claimed_until in rows:
            live = claimed_until is not None and claimed_until > stamp
            if user_id is None:
                if not live:
                    claimed.append(Arrival(int(update_id), None, str(payload)))
            elif user_id not in busy and user_id not in seen:
                claimed.append(Arrival(int(update_id), int(user_id), str(payload)))
            if user_id is not None:
                seen.add(int(user_id))
            if len(claimed) >= limit:
                break
        self._claim([a.update_id for a in claimed], owner, until)
        return claimed

    def renew(self, update_ids: Sequence[int], owner: str, until: datetime) -> None:
        """The leases of updates still being handled by `owner`, extended."""
        self._run_many(
            "UPDATE inbox SET claimed_until = ? WHERE update_id = ? AND claimed_by = ?"
            " AND done_at IS NULL",
            [(to_db(until), update_id, owner) for update_id in update_ids],
        )

    def release(self, owner: str) -> None:
        """A process stopping gives back what it claimed and did not handle."""
        self._run(
            "UPDATE inbox SET claimed_by = NULL, claimed_until = NULL"
            " WHERE claimed_by = ? AND done_at IS NULL",
            (owner,),
        )

    def _claim(self, update_ids: Sequence[int], owner: str, until: datetime) -> None:
        self._run_many(
            "UPDATE inbox SET claimed_by = ?, claimed_until = ? WHERE update_id = ?",
            [(owner, to_db(until), update_id) for update_id in update_ids],
        )
