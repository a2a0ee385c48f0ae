"""The narrow way out that services use to message someone, whatever carries the message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

Buttons = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data or https link)


class Outcome(Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot; do not write again until they do
    FAILED = "failed"  # Telegram refused this message for good (bad request, chat gone)
    RETRY = "retry"  # flood control, a server or network error: try again later
    BUSY = "busy"  # this chat is being answered right now: try it again after `retry_after`


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    retry_after: float | None = None  # seconds to wait: Telegram's (429), or the chat's (busy)
    error: str | None = None
    # Sent as a paid broadcast, Telegram refused (balance, or not allowed to this bot), and the
    # message was then sent (or tried) at the usual pace: the campaign's next ones go unpaid.
    paid_refused: bool = False


class Sender(Protocol):
    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
        paid: bool = False,
    ) -> Result:
        """Deliver an HTML `text` (and optionally a file) to one chat; `paid`: as a paid
        broadcast (see `bot.services.paid_notices`)."""
        ...

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()) -> Result:
        """Replace the text of a message the bot sent (a progress report)."""
        ...

    async def post(self, chat_id: int, text: str) -> int | None:
        """A new message on an organizer's screen (a report); its id, None if not sent."""
        ...
