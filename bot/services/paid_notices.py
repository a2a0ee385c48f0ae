"""Urgent notices faster than Telegram's 30 messages a second: its paid broadcasts.

A message sent with `allow_paid_broadcast` (Bot API `sendMessage`) may go at up to 1,000 a
second, ignoring the broadcasting limits, for 0.1 Telegram Star, taken from the bot's balance.
The operator sets the most all such notices may cost (PAID_BROADCAST_STARS); an organizer
cancelling a session is offered it, with its cost and what is left of the budget, and chooses.
The budget counts the messages of paid notices sent or still to send, so two organizers
choosing at once cannot spend it twice (the choice is checked again in the cancellation's own
unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.db import UnitOfWork

MESSAGES_PER_STAR = 10  # 0.1 Star a message (Bot API: allow_paid_broadcast)
PAID_PER_SECOND = 1_000  # Telegram's limit for paid broadcasts


def stars(messages: int) -> Decimal:
    return Decimal(messages) / MESSAGES_PER_STAR


@dataclass(frozen=True)
class PaidQuote:
    """What telling `messages` people at once would cost, and what the budget has left."""

    messages: int
    left_messages: int  # how many more messages the budget pays for

    @property
    def cost(self) -> Decimal:
        return stars(self.messages)

    @property
    def left(self) -> Decimal:
        return stars(self.left_messages)

    @property
    def affordable(self) -> bool:
        return 0 < self.messages <= self.left_messages


class PaidBudget:
    """The operator's budget for paid notices, in messages (0: paid notices are off)."""

    def __init__(self, stars_at_most: int) -> None:
        self._messages = stars_at_most * MESSAGES_PER_STAR

    @property
    def enabled(self) -> bool:
        return self._messages > 0

    def quote(self, uow: UnitOfWork, messages: int) -> PaidQuote:
        spent = uow.outbox.paid_messages()
        return PaidQuote(messages, max(self._messages - spent, 0))
