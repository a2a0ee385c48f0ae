"""Calendar invitations (.ics) made with the icalendar library.

The UID is stable per event, so importing the file again after a change updates the entry in
the participant's calendar instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.models import Event

PRODUCT_ID = "-//City-to-city cooperation programme//Webinar bot//EN"


def event_calendar(
    event: Event,
    language: str,
    *,
    join_url: str | None,
    now: datetime,
    domain: str,
    sequence: int = 0,
) -> bytes:
    """One event as an iCalendar file; the join link only when the reader may have it.

    Hundreds of people register for the same session: the file is made once per event
    version, language and hour (its DTSTAMP, the time the file was made, is that hour).
    """
    return _calendar_file(
        event.code,
        event.starts_at,
        event.ends_at,
        event.title_in(language),
        event.description_in(language),
        event.is_cancelled,
        join_url,
        now.replace(minute=0, second=0, microsecond=0),
        domain,
        sequence,
    )


@lru_cache(maxsize=512)
def _calendar_file(
    code: str,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    description: str,
    cancelled: bool,
    join_url: str | None,
    stamp: datetime,
    domain: str,
    sequence: int,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"{code}@{domain}")  # stable: a new file updates the calendar entry
    entry.add("dtstamp", stamp)
    entry.add("dtstart", starts_at)
    entry.add("dtend", ends_at)
    entry.add("summary", title)
    if join_url:
        description = f"{description}\n\n{join_url}".strip()
        entry.add("url", join_url)
        entry.add("location", join_url)
    if description:
        entry.add("description", description)
    entry.add("sequence", sequence)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


def calendar_file(
    event: Event, language: str, now: datetime, bot_username: str, *, with_join_url: bool = True
) -> tuple[str, bytes]:
    """The .ics of an event; the join link only for someone who registered."""
    ics = event_calendar(
        event,
        language,
        join_url=(event.join_url or None) if with_join_url else None,
        now=now,
        domain=f"{bot_username}.t.me",
    )
    return f"{event.code}.ics", ics
