"""What each kind of campaign says to one person, in their language and time zone.

Written at the moment of sending, not of queueing: a reminder reads "in 1 hour" in the
reader's own words. Whether a message still concerns its reader is the delivery service's
rule (`bot.services.delivery.concerns`); this module only writes it.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_timedelta

from bot.db import from_db
from bot.i18n import Catalogs, Translator
from bot.models import CampaignKind, Event, RegistrationStatus
from bot.services.calendar import calendar_file
from bot.services.delivery import Recipient, Rendered
from handlers.buttons import CheckInHere, Rate
from handlers.html import bold
from handlers.messages import confirmation_text, join_text, when_text


def _title(t: Translator, event: Event) -> str:
    return bold(event.title_in(t.language))


class CampaignMessages:
    """The delivery worker's `Renderer`: HTML, buttons and calendar files."""

    def __init__(self, catalogs: Catalogs, bot_username: str) -> None:
        self._catalogs = catalogs
        self._bot_username = bot_username

    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        campaign, event = recipient.campaign, recipient.event
        t = self._catalogs.get(recipient.language)
        if campaign.kind == CampaignKind.BROADCAST:
            texts: dict[str, str] = campaign.payload.get("texts", {})
            text = texts.get(t.language) or texts.get("default", "")
            return Rendered(t.directed(text)) if text else None
        if event is None:
            return None
        zone = recipient.timezone
        if campaign.kind == CampaignKind.PROMOTION:
            text = (
                t._("Good news: a seat is free for you.")
                + "\n\n"
                + confirmation_text(t, event, zone)
            )
            document = calendar_file(event, t.language, now, self._bot_username)
            return Rendered(t.directed(text), document=document)
        if campaign.kind == CampaignKind.CANCELLED:
            return Rendered(t.directed(_cancelled(t, event, zone)))
        if campaign.kind == CampaignKind.MOVED:
            old = from_db(campaign.payload["old_starts_at"])
            return Rendered(t.directed(_moved(t, event, zone, old)))
        if campaign.kind == CampaignKind.RESTORED:
            return Rendered(t.directed(_restored(t, event, zone, recipient.status)))
        if campaign.kind == CampaignKind.STARTING:
            return _starting(t, event)
        if campaign.kind == CampaignKind.REMINDER:
            return Rendered(t.directed(_reminder(t, event, zone, now)))
        if campaign.kind == CampaignKind.FEEDBACK:
            return _feedback(t, event)
        return None


def _feedback(t: Translator, event: Event) -> Rendered:
    text = t._(
        "Thank you for attending “{title}”. How useful was it for your work, from 1 "
        "(not at all) to 5 (very)?",
        title=_title(t, event),
    )
    buttons = [[(f"{n} ⭐", Rate(event.event_id, n).pack()) for n in range(1, 6)]]
    return Rendered(t.directed(text), buttons)


def _starting(t: Translator, event: Event) -> Rendered:
    lines = [
        t._("“{title}” is starting now.", title=_title(t, event)),
        join_text(t, event),
        t._("Press the button to record your attendance."),
    ]
    button = [[(t._("I am here: check in"), CheckInHere(event.event_id).pack())]]
    return Rendered(t.directed("\n".join(lines)), button)


def _reminder(t: Translator, event: Event, zone: str, now: datetime) -> str:
    soon = format_timedelta(event.starts_at - now, add_direction=True, locale=t.locale)
    lines = [
        t._("Reminder: “{title}” starts {soon}.", title=_title(t, event), soon=soon),
        t._("When: {when}", when=when_text(t, event, zone)),
        join_text(t, event),
    ]
    return "\n".join(lines)


def _cancelled(t: Translator, event: Event, zone: str) -> str:
    return (
        t._(
            "We are sorry: “{title}”, planned for {when}, has been cancelled.",
            title=_title(t, event),
            when=t.when(event.starts_at, zone, "full"),
        )
        + "\n"
        + t._("Send /events to find another session.")
    )


def _moved(t: Translator, event: Event, zone: str, old: datetime) -> str:
    return "\n".join(
        [
            t._("“{title}” has moved.", title=_title(t, event)),
            t._("New time: {when}", when=when_text(t, event, zone)),
            t._("It was planned for {when}.", when=t.when(old, zone, "full")),
        ]
    )


def _restored(t: Translator, event: Event, zone: str, status: RegistrationStatus | None) -> str:
    """A cancelled session takes place after all: when, and that the place is kept."""
    kept = (
        t._("Your place on the waitlist is kept.")
        if status == RegistrationStatus.WAITLISTED
        else t._("Your seat is kept.")
    )
    return "\n".join(
        [
            t._("Good news: “{title}” takes place after all.", title=_title(t, event)),
            t._("When: {when}", when=when_text(t, event, zone)),
            kept,
        ]
    )
