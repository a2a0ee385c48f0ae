"""Which card opened the Mini App's form, per person: after a registration through the form,
that card is shown as it now stands (registered, on the waitlist) instead of still offering
Register, which would invite a second registration.

Kept in the process for a day (Telegram's initData is accepted that long) and forgotten for
idle people as `ForgetfulDict` forgets them. With several processes, the one handling the
form may not be the one that sent the card: the card then stays as it was (the confirmation
in the chat says everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.forgetful import ForgetfulDict

KEPT = timedelta(days=1)


@dataclass(frozen=True)
class FormCard:
    kind: str  # "event" or "course"
    code: str
    message_id: int
    shown_at: datetime


class FormCards:
    def __init__(self) -> None:
        self._cards: ForgetfulDict[int, FormCard] = ForgetfulDict(
            lambda card, now: now - card.shown_at > KEPT
        )

    def shown(self, user_id: int, card: FormCard) -> None:
        self._cards[user_id] = card
        self._cards.forget_idle(card.shown_at)

    def take(self, user_id: int, kind: str, code: str, now: datetime) -> int | None:
        """The message id of the card of this event (or course) shown to `user_id` with the
        form's button, if it is the latest card they were shown and not a day old."""
        card = self._cards.get(user_id)
        if card is None or (card.kind, card.code.lower()) != (kind, code.lower()):
            return None
        if now - card.shown_at > KEPT:
            return None
        return card.message_id
