"""A user who floods the bot is answered at a sane rate; the rest is dropped with one notice.

Each user may send a burst of a few updates, then about one a second; beyond that, updates are
dropped until they slow down, and they are told once per flood: a flood ends when nothing of
theirs was dropped for a whole window. Other users are unaffected:
the counters are per user, and a dropped update costs a dictionary lookup.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from bot.forgetful import ForgetfulDict

BURST = 20
WINDOW = timedelta(seconds=10)
SLOW_AFTER = 10  # updates in the window beyond which replies wait for everyone else's


class Admission(Enum):
    ANSWER = "answer"
    DROP = "drop"  # still flooding, and already told
    DROP_AND_WARN = "drop-and-warn"  # the first update over the limit: tell them once


@dataclass
class _Stream:
    times: deque[datetime] = field(default_factory=deque)
    warned: bool = False  # told of this flood already
    dropped_at: datetime | None = None  # the flood's latest update dropped


class FloodGuard:
    def __init__(self, burst: int = BURST, window: timedelta = WINDOW) -> None:
        self._burst = burst
        self._window = window
        self._streams: ForgetfulDict[int, _Stream] = ForgetfulDict(self._is_quiet)

    @property
    def remembered(self) -> int:
        """How many users the guard keeps counters for now: about those of the last window."""
        return len(self._streams)

    def _is_quiet(self, stream: _Stream, now: datetime) -> bool:
        seen = [stream.times[-1]] if stream.times else []
        latest = max([*seen, stream.dropped_at] if stream.dropped_at else seen, default=None)
        return latest is None or now - latest >= self._window

    def is_flooding(self, user_id: int) -> bool:
        """More than a person chatting sends (half the burst in the window, counted at the
        last admission): their replies come after everyone else's."""
        stream = self._streams.get(user_id)
        return stream is not None and len(stream.times) > SLOW_AFTER

    def note(self, user_id: int, now: datetime) -> None:
        """An update dropped before its turn (a flood's backlog): it counts all the same."""
        stream = self._streams.setdefault(user_id, _Stream)
        self._count(stream, now)
        stream.dropped_at = max(now, stream.dropped_at or now)

    def _count(self, stream: _Stream, now: datetime) -> bool:
        while stream.times and now - stream.times[0] >= self._window:
            stream.times.popleft()
        if len(stream.times) < self._burst:
            stream.times.append(now)
            return True
        return False

    def admit(self, user_id: int, now: datetime) -> Admission:
        stream = self._streams.setdefault(user_id, _Stream)
        if self._count(stream, now):
            if stream.dropped_at is None or now - stream.dropped_at >= self._window:
                stream.warned = False  # the flood is over: a new one gets its own notice
            self._streams.forget_idle(now)
            return Admission.ANSWER
        stream.dropped_at = max(now, stream.dropped_at or now)
        if stream.warned:
            return Admission.DROP
        stream.warned = True
        return Admission.DROP_AND_WARN
