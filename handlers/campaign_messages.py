"""What each kind of campaign says to one person, in their language and time zone.

Written at the moment of sending, not of queueing: a reminder reads "in 1 hour" in the
reader's own words. Whether a message still concerns its reader is the delivery service's
rule (`bot.services.delivery.concerns`); this module only writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from babel.dates import format_timedelta

from bot.db import from_db
from bot.i18n import Catalogs, Translator
from bot.models import CampaignKind, Event, RegistrationStatus
from bot.services.calendar import calendar_file, first_reminder
from bot.services.certificate_printing import CertificatePrinter
from bot.services.delivery import Recipient, Rendered
from handlers.buttons import CheckInHere, Rate
from handlers.certificate_messages import certificate_caption, name_question, needs_name_check
from handlers.html import bold
from handlers.messages import confirmation_text, join_now_text, join_text, when_text
from handlers.ui import packed


def _title(t: Translator, event: Event) -> str:
    return bold(event.title_in(t.language))


class CampaignMessages:
    """The delivery worker's `Renderer`: HTML, buttons and calendar files.

    A notice that changes what a calendar shows (a move, a cancellation, a restored session)
    carries the event's calendar file as it stands, to those with a seat (those given one
    at sign-up): the notice is the file's caption, one message. `reminder_offsets`: the
    settings' defaults, for the alarm of events without reminders of their own."""

    def __init__(
        self,
        catalogs: Catalogs,
        bot_username: str,
        reminder_offsets: Sequence[timedelta] = (),
        printer: CertificatePrinter | None = None,
    ) -> None:
        self._catalogs = catalogs
        self._bot_username = bot_username
        self._default_offsets = tuple(int(o.total_seconds() // 60) for o in reminder_offsets)
        self._printer = printer

    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        campaign, event = recipient.campaign, recipient.event
        t = self._catalogs.get(recipient.language)
        if campaign.kind == CampaignKind.BROADCAST:
            texts: dict[str, str] = campaign.payload.get("texts", {})
            text = texts.get(t.language) or texts.get("default", "")
            return Rendered(t.directed(text)) if text else None
        if campaign.kind == CampaignKind.CERTIFICATE:
            return self._certificate(recipient, t)
        if event is None:
            return None
        zone = recipient.timezone
        if campaign.kind == CampaignKind.PROMOTION:
            text = (
                t._("Good news: a seat is free for you.")
                + "\n\n"
                + confirmation_text(t, event, zone)
            )
            return Rendered(t.directed(text), document=self._calendar(recipient, t, now))
        if campaign.kind == CampaignKind.CANCELLED:
            text = _cancelled(t, event, zone)
            about = t._("Open the attached file to remove the session from your calendar.")
            return self._with_calendar(recipient, t, now, text, about)
        if campaign.kind == CampaignKind.MOVED:
            old = from_db(campaign.payload["old_starts_at"])
            about = t._("Open the attached file to update the session in your calendar.")
            return self._with_calendar(recipient, t, now, _moved(t, event, zone, old), about)
        if campaign.kind == CampaignKind.RESTORED:
            text = _restored(t, event, zone, recipient.status)
            about = t._("Open the attached file to put the session back in your calendar.")
            return self._with_calendar(recipient, t, now, text, about)
        if campaign.kind == CampaignKind.STARTING:
            return _starting(t, event)
        if campaign.kind == CampaignKind.REMINDER:
            last = bool(campaign.payload.get("last", False))
            return Rendered(t.directed(_reminder(t, event, zone, now, last)))
        if campaign.kind == CampaignKind.FEEDBACK:
            return _feedback(t, event)
        return None

    def _certificate(self, recipient: Recipient, t: Translator) -> Rendered | None:
        """The holder's certificate as a PDF, or first the question whether the name it
        prints is spelled right (once, before their first certificate)."""
        certificate, subject = recipient.certificate, recipient.subject
        if certificate is None or subject is None or self._printer is None:
            return None
        if needs_name_check(recipient.user):
            text, rows = name_question(t, recipient.user, certificate, subject)
            return Rendered(t.directed(text), packed(rows))
        again = bool(recipient.campaign.payload.get("again", False))
        caption = certificate_caption(t, certificate, subject, news=not again)
        printer, zone, username = self._printer, recipient.timezone, self._bot_username
        return Rendered(
            t.directed(caption),
            make_document=lambda: printer.paper(t, certificate, subject, zone, username),
        )

    def _with_calendar(
        self, recipient: Recipient, t: Translator, now: datetime, text: str, about: str
    ) -> Rendered:
        """The notice, with the calendar file and `about` it for someone with a seat. A move
        whose session was cancelled since carries none: the cancellation's notice follows
        with the cancelling file."""
        assert recipient.event is not None
        cancelling = recipient.campaign.kind == CampaignKind.CANCELLED
        if (
            recipient.status != RegistrationStatus.CONFIRMED
            or recipient.event.is_cancelled != cancelling
        ):
            return Rendered(t.directed(text))
        document = self._calendar(recipient, t, now)
        return Rendered(t.directed(f"{text}\n\n{about}"), document=document)

    def _calendar(self, recipient: Recipient, t: Translator, now: datetime) -> tuple[str, bytes]:
        assert recipient.event is not None
        offsets = recipient.reminder_offsets or self._default_offsets
        return calendar_file(
            recipient.event, t.language, now, self._bot_username, alarm=first_reminder(offsets)
        )


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
        join_now_text(t, event),
        t._("Press the button to record your attendance."),
    ]
    button = [[(t._("I am here: check in"), CheckInHere(event.event_id).pack())]]
    return Rendered(t.directed("\n".join(lines)), button)


def _reminder(t: Translator, event: Event, zone: str, now: datetime, last: bool) -> str:
    """`last`: no reminder follows, so a missing link is not promised "before the start"."""
    soon = format_timedelta(event.starts_at - now, add_direction=True, locale=t.locale)
    link = (
        t._(
            "There is no join link yet: if the organizers add it, I will send it to you when the "
            "session starts."
        )
        if last and not event.join_url
        else join_text(t, event)
    )
    lines = [
        t._("Reminder: “{title}” starts {soon}.", title=_title(t, event), soon=soon),
        t._("When: {when}", when=when_text(t, event, zone)),
        link,
    ]
    return "\n".join(lines)


def _cancelled(t: Translator, event: Event, zone: str) -> str:
    return (
        t._(
            "We are sorry: “{title}”, planned for {when}, has been cancelled.",
            title=_title(t, event),
            when=t.when_zoned(event.starts_at, zone, "full"),
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
