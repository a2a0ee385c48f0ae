"""Calendar invitations (.ics) made with the icalendar library.

The UID is stable per event, so importing the file again after a change updates the entry in
the participant's calendar instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.models import Event

PRODUCT_ID = "-//City-to-city cooperation programme//Webinar bot//EN"


def event_uid(event: Event, domain: str) -> str:
    return f"{event.code}@{domain}"


def event_calendar(
    event: Event,
    language: str,
    *,
    join_url: str | None,
    now: datetime,
    domain: str,
    sequence: int = 0,
) -> bytes:
    """One event as an iCalendar file; the join link only when the reader may have it."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", event_uid(event, domain))
    entry.add("dtstamp", now)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title_in(language))
    description = event.description_in(language)
    if join_url:
        description = f"{description}\n\n{join_url}".strip()
        entry.add("url", join_url)
        entry.add("location", join_url)
    if description:
        entry.add("description", description)
    entry.add("sequence", sequence)
    entry.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
