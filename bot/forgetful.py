"""Per-user memory that forgets idle users.

The flood guard and the delivery worker remember something about each user they met (recent
message times, the last message sent). With hundreds of thousands of users, remembering all
of them would grow for the life of the process; only those active in the last seconds
matter. The map is swept once it has doubled since its last sweep, so the cost of sweeping
stays proportional to the work done, and the map stays about the size of the active crowd.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ForgetfulDict(Generic[K, V]):
    def __init__(self, is_idle: Callable[[V, datetime], bool], floor: int = 1_000) -> None:
        self._items: dict[K, V] = {}
        self._is_idle = is_idle
        self._floor = floor
        self._sweep_above = floor

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def setdefault(self, key: K, make: Callable[[], V]) -> V:
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = make()
        return found

    def __setitem__(self, key: K, value: V) -> None:
        self._items[key] = value

    def forget_idle(self, now: datetime) -> None:
        if len(self._items) > self._sweep_above:
            self._items = {k: v for k, v in self._items.items() if not self._is_idle(v, now)}
            self._sweep_above = max(self._floor, 2 * len(self._items))
