"""Messages the bot sends on its own initiative, and texts shared with the chat screens.

The registration confirmation reads the same whether the user just pressed Register or was
promoted from the waitlist hours later, so both are written here, once.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.clock import Clock
from bot.db import Database
from bot.i18n import Catalogs, Translator
from bot.models import Event
from bot.services.calendar import event_calendar
from bot.services.registrations import Promotion
from bot.services.sender import Sender
from bot.services.users import UserService


def when_text(t: Translator, event: Event, zone: str) -> str:
    """The start in the reader's zone (named) and in UTC, for confirmations and reminders."""
    return t._(
        "{local} ({zone}), that is {utc} UTC",
        local=t.when(event.starts_at, zone, "full"),
        zone=t.timezone_label(zone, event.starts_at),
        utc=t.when(event.starts_at, "UTC"),
    )


def join_text(t: Translator, event: Event) -> str:
    if event.join_url:
        return t._("Join link: {link}", link=escape(event.join_url))
    return t._("The join link will be sent to you before the session starts.")


def confirmation_text(t: Translator, event: Event, zone: str) -> str:
    title = escape(event.title_in(t.language))
    return "\n".join(
        [
            t._("You are registered for “{title}”.", title=f"<b>{title}</b>"),
            t._("When: {when}", when=when_text(t, event, zone)),
            join_text(t, event),
            "",
            t._("Add it to your calendar with the file below. To cancel, send /my."),
        ]
    )


def calendar_file(
    event: Event, t: Translator, now: datetime, bot_username: str, *, with_join_url: bool = True
) -> tuple[str, bytes]:
    """The .ics of an event; the join link only for someone who registered."""
    ics = event_calendar(
        event,
        t.language,
        join_url=(event.join_url or None) if with_join_url else None,
        now=now,
        domain=f"{bot_username}.t.me",
    )
    return f"{event.code}.ics", ics


class Notices:
    def __init__(
        self,
        db: Database,
        catalogs: Catalogs,
        users: UserService,
        sender: Sender,
        clock: Clock,
        bot_username: str,
    ) -> None:
        self._db = db
        self._catalogs = catalogs
        self._users = users
        self._sender = sender
        self._clock = clock
        self._bot_username = bot_username

    async def promoted(self, promotions: list[Promotion]) -> None:
        """Tell each person who got a seat from the waitlist, in their language and zone."""
        for promotion in promotions:
            user = await self._db.users.get(promotion.user_id)
            event = await self._db.events.by_code(promotion.event_code)
            if user is None or event is None or not user.is_active:
                continue
            t = self._catalogs.get(self._users.language_of(user))
            zone = self._users.timezone_of(user)
            text = (
                t._("Good news: a seat is free for you.")
                + "\n\n"
                + confirmation_text(t, event, zone)
            )
            await self._sender.send(
                user.user_id,
                t.directed(text),
                document=calendar_file(event, t, self._clock.now(), self._bot_username),
            )
