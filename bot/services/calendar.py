"""Calendar files (.ics, RFC 5545) made with the icalendar library.

An event is one calendar entry wherever its file is opened: the UID never changes, and the
SEQUENCE is the event's revision, which the database raises whenever the start, duration, a
title, the join link or the status changes. A calendar that has the entry replaces it with a
file of a higher SEQUENCE (RFC 5546, 2.1.4) instead of keeping the old time or adding a
second entry; at an equal SEQUENCE the later DTSTAMP wins, so DTSTAMP is never earlier than
the last change (LAST-MODIFIED).

A file opened from a chat is published (METHOD:PUBLISH, what calendar apps take from a file;
REQUEST would ask the reader to reply to an organizer who reads no e-mail). A cancelled
event's file is its cancellation (METHOD:CANCEL, STATUS:CANCELLED, the same UID, a higher
SEQUENCE), which removes the entry or marks it cancelled. RFC 5546 wants an ORGANIZER in
both: the bot, at its t.me address. A published event has no ATTENDEE, so its cancellation
names none either. Times are in UTC, which needs no VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as CalendarEvent

from bot.models import Event

PRODUCT_ID = "-//City-to-city cooperation programme//Webinar bot//EN"


def first_reminder(offsets: Sequence[int]) -> int | None:
    """When the calendar's alarm rings, in minutes before the start: at the bot's first
    reminder (the earliest, so the largest offset); None for an event without reminders."""
    return max((minutes for minutes in offsets if minutes > 0), default=None)


@dataclass(frozen=True)
class _Entry:
    """Everything one file says: hundreds of people get the same one, made once."""

    uid: str
    sequence: int
    cancelled: bool
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str
    join_url: str | None  # only for someone with a seat
    url: str  # the join link, else the event in the bot
    organizer: str
    organizer_name: str
    stamp: datetime
    last_modified: datetime | None
    alarm: int | None  # minutes before the start


def calendar_file(
    event: Event,
    language: str,
    now: datetime,
    bot_username: str,
    *,
    with_join_url: bool = True,
    alarm: int | None = None,
) -> tuple[str, bytes]:
    """The event's .ics as it stands now (its name and content): an entry to add or update,
    or its cancellation once it is cancelled. The join link only for someone with a seat;
    `alarm`: minutes before the start (see `first_reminder`)."""
    entry = _entry(event, language, now, bot_username, with_join_url, alarm)
    return f"{event.code}.ics", _ics((entry,))


def sessions_file(
    name: str,
    events: Sequence[Event],
    language: str,
    now: datetime,
    bot_username: str,
    alarms: Mapping[int, int | None],
) -> tuple[str, bytes]:
    """Several sessions in one file (`name`.ics): the seats a registration for a whole
    course gave, with their join links. Each entry is the one `calendar_file` writes for its
    session, the same UID and SEQUENCE, so a calendar that has one of them updates it rather
    than adding it twice, and a later file of one session updates its entry. One object of
    several VEVENTs, as RFC 5545 (3.4) allows and calendar exports write them; only sessions
    taking place (a cancellation goes in a file of its own). `alarms`: by event id."""
    assert not any(event.is_cancelled for event in events)
    entries = tuple(
        _entry(event, language, now, bot_username, True, alarms.get(event.event_id))
        for event in events
    )
    return f"{name}.ics", _ics(entries)


def _entry(
    event: Event,
    language: str,
    now: datetime,
    bot_username: str,
    with_join_url: bool,
    alarm: int | None,
) -> _Entry:
    join_url = (event.join_url or None) if with_join_url else None
    changed = event.updated_at.replace(microsecond=0) if event.updated_at else None
    stamp = now.astimezone(UTC).replace(second=0, microsecond=0)  # one file a minute at most
    return _Entry(
        uid=f"{event.code}@{bot_username}.t.me",  # stable: a new file updates the entry
        sequence=event.revision,
        cancelled=event.is_cancelled,
        starts_at=event.starts_at.astimezone(UTC),
        ends_at=event.ends_at.astimezone(UTC),
        title=event.title_in(language),
        description=event.description_in(language),
        join_url=join_url,
        url=join_url or f"https://t.me/{bot_username}?start={event.code}",
        organizer=f"https://t.me/{bot_username}",
        organizer_name=f"@{bot_username}",
        stamp=max(stamp, changed) if changed else stamp,
        last_modified=changed,
        alarm=alarm,
    )


@lru_cache(maxsize=512)
def _ics(entries: tuple[_Entry, ...]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if all(entry.cancelled for entry in entries) else "PUBLISH")
    for entry in entries:
        calendar.add_component(_component(entry))
    return bytes(calendar.to_ical())


def _component(entry: _Entry) -> CalendarEvent:
    event = CalendarEvent()
    event.add("uid", entry.uid)
    event.add("dtstamp", entry.stamp)
    event.add("sequence", entry.sequence)
    organizer = vCalAddress(entry.organizer)
    organizer.params["cn"] = entry.organizer_name
    event.add("organizer", organizer)
    event.add("dtstart", entry.starts_at)
    event.add("dtend", entry.ends_at)
    event.add("summary", entry.title)
    event.add("url", entry.url)
    if entry.last_modified is not None:
        event.add("last-modified", entry.last_modified)
    if entry.cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        description = entry.description
        if entry.join_url:
            description = f"{description}\n\n{entry.join_url}".strip()
            event.add("location", entry.join_url)
        if description:
            event.add("description", description)
        if entry.alarm is not None:  # a cancellation carries none (RFC 5546, 3.2.5)
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", entry.title)
            alarm.add("trigger", -timedelta(minutes=entry.alarm))
            event.add_component(alarm)
    return event
