"""The organizers' audit log: who changed the programme, and when."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.db.times import to_db


async def record(
    conn: aiosqlite.Connection, admin_id: int, action: str, detail: str, now: datetime
) -> None:
    """Write an entry inside the caller's unit of work, so it exists only if the change does."""
    await conn.execute(
        "INSERT INTO admin_audit (admin_id, action, detail, created_at) VALUES (?, ?, ?, ?)",
        (admin_id, action, detail[:2000], to_db(now)),
    )
