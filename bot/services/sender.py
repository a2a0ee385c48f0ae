"""The narrow way out that services use to message someone, whatever carries the message."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Protocol

Buttons = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data or https link)


class Outcome(Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot; do not write again until they do
    FAILED = "failed"


class Sender(Protocol):
    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
    ) -> Outcome:
        """Deliver an HTML `text` (and optionally a file) to one chat."""
        ...
