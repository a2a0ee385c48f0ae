"""What each kind of campaign says to one user, in their language and time zone.

Rendered at the moment of sending, not of queueing: a reminder reads "in 1 hour" in the
reader's own words, and one that no longer concerns them (they cancelled, the event moved or
was cancelled) is skipped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from babel.dates import format_timedelta

from bot.clock import Clock
from bot.db import Database, from_db
from bot.db.outbox import Campaign
from bot.i18n import Catalogs, Translator
from bot.models import Event, User
from bot.services.delivery import Rendered
from bot.services.notices import calendar_file, confirmation_text, join_text, when_text
from bot.services.users import UserService

CHECKIN_PREFIX = "ci"  # ci:<event id>
RATE_PREFIX = "fb"  # fb:<event id>:<1..5>


class CampaignTexts:
    def __init__(
        self,
        db: Database,
        catalogs: Catalogs,
        users: UserService,
        clock: Clock,
        bot_username: str,
    ) -> None:
        self._db = db
        self._catalogs = catalogs
        self._users = users
        self._clock = clock
        self._bot_username = bot_username

    async def render(self, campaign: Campaign, user_id: int) -> Rendered | None:
        user = await self._db.users.get(user_id)
        if user is None or not user.is_active:
            return None
        t = self._catalogs.get(self._users.language_of(user))
        if campaign.kind == "broadcast":
            texts: dict[str, str] = campaign.payload.get("texts", {})
            text = texts.get(t.language) or texts.get("default", "")
            return Rendered(t.directed(text)) if text else None
        event = await self._db.events.by_id(campaign.event_id) if campaign.event_id else None
        if event is None:
            return None
        zone = self._users.timezone_of(user)
        if campaign.kind == "promotion":
            text = (
                t._("Good news: a seat is free for you.")
                + "\n\n"
                + confirmation_text(t, event, zone)
            )
            document = calendar_file(event, t, self._clock.now(), self._bot_username)
            return Rendered(t.directed(text), document=document)
        if campaign.kind == "cancelled":
            return Rendered(t.directed(self._cancelled(t, event, zone)))
        if campaign.kind == "moved":
            old = from_db(campaign.payload["old_starts_at"])
            return Rendered(t.directed(self._moved(t, event, zone, old)))
        if campaign.kind in ("reminder", "starting"):
            return await self._reminder(campaign, user, event, t, zone)
        if campaign.kind == "feedback":
            return await self._feedback(user, event, t)
        return None

    async def _feedback(self, user: User, event: Event, t: Translator) -> Rendered | None:
        if await self._db.attendance.feedback_of(event.event_id, user.user_id) is not None:
            return None  # they already answered
        title = f"<b>{escape(event.title_in(t.language))}</b>"
        text = t._(
            "Thank you for attending “{title}”. How useful was it for your work, from 1 "
            "(not at all) to 5 (very)?",
            title=title,
        )
        buttons = [[(str(n) + " ⭐", f"{RATE_PREFIX}:{event.event_id}:{n}") for n in range(1, 6)]]
        return Rendered(t.directed(text), buttons)

    async def _reminder(
        self, campaign: Campaign, user: User, event: Event, t: Translator, zone: str
    ) -> Rendered | None:
        now = self._clock.now()
        planned = from_db(campaign.payload["starts_at"])
        status = await self._db.registrations.status_of(event.event_id, user.user_id)
        if event.is_cancelled or planned != event.starts_at or status != "confirmed":
            return None  # cancelled, moved (its new reminders are queued) or they left
        title = f"<b>{escape(event.title_in(t.language))}</b>"
        if campaign.kind == "starting":
            if event.ends_at <= now:
                return None
            lines = [
                t._("“{title}” is starting now.", title=title),
                join_text(t, event),
                t._("Press the button to record your attendance."),
            ]
            button = [[(t._("I am here: check in"), f"{CHECKIN_PREFIX}:{event.event_id}")]]
            return Rendered(t.directed("\n".join(lines)), button)
        if event.starts_at <= now:
            return None
        soon = format_timedelta(event.starts_at - now, add_direction=True, locale=t.locale)
        lines = [
            t._("Reminder: “{title}” starts {soon}.", title=title, soon=soon),
            t._("When: {when}", when=when_text(t, event, zone)),
            join_text(t, event),
        ]
        return Rendered(t.directed("\n".join(lines)))

    @staticmethod
    def _cancelled(t: Translator, event: Event, zone: str) -> str:
        return (
            t._(
                "We are sorry: “{title}”, planned for {when}, has been cancelled.",
                title=f"<b>{escape(event.title_in(t.language))}</b>",
                when=t.when(event.starts_at, zone, "full"),
            )
            + "\n"
            + t._("Send /events to find another session.")
        )

    @staticmethod
    def _moved(t: Translator, event: Event, zone: str, old: datetime) -> str:
        return "\n".join(
            [
                t._("“{title}” has moved.", title=f"<b>{escape(event.title_in(t.language))}</b>"),
                t._("New time: {when}", when=when_text(t, event, zone)),
                t._("It was planned for {when}.", when=t.when(old, zone, "full")),
            ]
        )
