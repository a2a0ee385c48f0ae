"""Answers kept for a moment: the screens everyone asks for, read once a second under load.

The programme's list pages and topic counts are the same for every participant. When hundreds
browse at once, reading them from the database for each one costs most of an `/events`
answer (the page's events, their texts in every language, their seat counts), while a page a
second old is what any web page shows too. Changes made through this process show at once (a
sign-up here revises the seat count of the pages kept; a change to the programme clears them);
changes made elsewhere (the command line, another process) show within `max_age`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
KEYS_BEFORE_SWEEP = 256  # keys are few (a topic and a page): old ones are swept now and then


class Recent(Generic[K, V]):
    """Values by key, each answered for `max_age` after it was read."""

    def __init__(self, max_age: timedelta) -> None:
        self._max_age = max_age
        self._kept: dict[K, tuple[datetime, V]] = {}

    def get(self, key: K, now: datetime) -> V | None:
        found = self._kept.get(key)
        if found is None:
            return None
        read_at, value = found
        if not read_at <= now < read_at + self._max_age:  # too old, or the clock went back
            del self._kept[key]
            return None
        return value

    def put(self, key: K, value: V, now: datetime) -> None:
        if len(self._kept) >= KEYS_BEFORE_SWEEP:
            self._forget_old(now)
        self._kept[key] = (now, value)

    def _forget_old(self, now: datetime) -> None:
        self._kept = {
            key: (at, value)
            for key, (at, value) in self._kept.items()
            if at <= now < at + self._max_age
        }

    def revise(self, change: Callable[[V], V]) -> None:
        """Bring every kept value up to date with a change made here (its age is kept)."""
        self._kept = {key: (at, change(value)) for key, (at, value) in self._kept.items()}

    def clear(self) -> None:
        self._kept.clear()
