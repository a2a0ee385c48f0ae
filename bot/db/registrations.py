"""Registrations: who signed up for which event, confirmed or waitlisted."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.db.core import Database


class RegistrationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def status_of(self, event_id: int, user_id: int) -> str | None:
        """'confirmed', 'waitlisted' or 'cancelled'; None if the user never signed up."""
        row = await self._db.fetch_one(
            "SELECT status FROM registrations WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        )
        return str(row[0]) if row else None
