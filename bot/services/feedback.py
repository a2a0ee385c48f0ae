"""Feedback after a session: a rating from 1 to 5 and an optional comment, from attendees.

One answer per person and event, which they can change for a week after the session.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from enum import Enum

from bot.clock import Clock
from bot.db import Database
from bot.i18n import clean_user_text

CHANGEABLE_FOR = timedelta(days=7)
MAX_COMMENT = 1000


class Rating(Enum):
    SAVED = "saved"
    CHANGED = "changed"
    NOT_ATTENDED = "not-attended"
    TOO_LATE = "too-late"
    NO_EVENT = "no-event"


class FeedbackService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def rate(self, user_id: int, event_id: int, rating: int) -> Rating:
        event = await self._db.read(lambda u: u.events.by_id(event_id))
        if event is None or not 1 <= rating <= 5:
            return Rating.NO_EVENT
        now = self._clock.now()
        if now > event.ends_at + CHANGEABLE_FOR:
            return Rating.TOO_LATE
        if not await self._db.read(lambda u: u.attendance.attended(event_id, user_id)):
            return Rating.NOT_ATTENDED
        before = await self._db.read(lambda u: u.attendance.feedback_of(event_id, user_id))
        await self._db.write(lambda u: u.attendance.save_rating(event_id, user_id, rating, now))
        return Rating.CHANGED if before else Rating.SAVED

    async def comment(self, user_id: int, event_id: int, text: str) -> bool:
        """Attach a comment to the user's rating; False if they have not rated."""
        comment = unicodedata.normalize("NFC", clean_user_text(text)).strip()[:MAX_COMMENT]
        event = await self._db.read(lambda u: u.events.by_id(event_id))
        if event is None or self._clock.now() > event.ends_at + CHANGEABLE_FOR:
            return False
        return await self._db.write(
            lambda u: u.attendance.save_comment(event_id, user_id, comment, self._clock.now())
        )
