"""Texts shared by the chat screens and the messages the bot sends on its own initiative.

The registration confirmation reads the same whether the user just pressed Register or was
promoted from the waitlist hours later, so both are written here, once.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.models import Event
from handlers.html import plain


def when_text(t: Translator, event: Event, zone: str) -> str:
    """The start in the reader's zone, named once with its offset, for confirmations and
    reminders ("Monday, December 7, 2026, 3:00 PM · Nairobi (GMT+03:00)")."""
    return t.when_zoned(event.starts_at, zone, "full")


def join_text(t: Translator, event: Event) -> str:
    if event.join_url:
        return t._("Join link: {link}", link=plain(event.join_url))
    # Reminders and the "starting now" message carry the link as it stands when they go:
    # that much can be promised, whenever the organizers add it.
    return t._(
        "There is no join link yet: once the organizers add it, I will send it with the "
        "next reminder or when the session starts."
    )


def join_now_text(t: Translator, event: Event) -> str:
    """The join link once the session has begun; without one, no promise of it "before the
    session starts", which can no longer be kept."""
    if event.join_url:
        return join_text(t, event)
    return t._(
        "The organizers have not shared a join link yet; /my will show it as soon as they do."
    )


def confirmation_text(
    t: Translator, event: Event, zone: str, started: bool = False, again: bool = False
) -> str:
    """`started`: the session is on already (a late sign-up): the link now, or no promise.
    `again`: the seat was taken before (a second press, or the press redone after a crash
    whose first answer never left): the same details, so nobody is left without the time
    and the link."""
    title = f"<b>{plain(event.title_in(t.language))}</b>"
    head = (
        t._("You are already registered for “{title}”.", title=title)
        if again
        else t._("You are registered for “{title}”.", title=title)
    )
    return "\n".join(
        [
            head,
            t._("When: {when}", when=when_text(t, event, zone)),
            join_now_text(t, event) if started else join_text(t, event),
            "",
            t._("Open the calendar file to add the session to your calendar. To cancel, send /my."),
        ]
    )
