"""Small immutable values that the database layer returns and the services pass around."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

# Han ideographs, kana and Hangul: scripts whose names are written family name first.
_EAST_ASIAN_NAME = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+"
)


class RegistrationStatus(StrEnum):
    """A user's place for an event; stored as this text in `registrations.status`."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = frozenset({RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED})


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AudienceKind(StrEnum):
    """Who a campaign goes to; the outbox turns each into a query of user ids."""

    EVERYONE = "everyone"
    REGISTRANTS = "registrants"  # an event's confirmed registrants
    WAITLIST = "waitlist"
    SIGNED_UP = "signed-up"  # confirmed or waitlisted
    LANGUAGE = "language"
    TOPIC = "topic"  # signed up for any event of a topic
    ATTENDEES = "attendees"  # marked present at a session (an `attendance` row)
    NO_SHOWS = "no-shows"  # confirmed for a session, not marked present
    UNASKED_ATTENDEES = "unasked-attendees"  # attended, not yet asked for feedback
    USER = "user"


class CampaignKind(StrEnum):
    """What a campaign says; each kind is rendered at sending time in the reader's terms."""

    BROADCAST = "broadcast"
    REMINDER = "reminder"
    STARTING = "starting"
    FEEDBACK = "feedback"
    PROMOTION = "promotion"
    CANCELLED = "cancelled"
    MOVED = "moved"
    RESTORED = "restored"  # a cancelled session takes place after all
    CERTIFICATE = "certificate"  # each recipient's own certificate, as a PDF


class CampaignStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """One message to one user: `sent` only once Telegram accepted it."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the user blocked the bot: never retried
    SKIPPED = "skipped"  # no longer concerns them, or the campaign was stopped


@dataclass(frozen=True)
class Contact:
    """Who wrote to the bot, as Telegram describes them; the edge turns an update into this."""

    user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Profile:
    """What a participant tells about themselves to register, with their consent."""

    full_name: str
    country: str  # ISO 3166-1 alpha-2
    city: str
    organization: str = ""
    role: str = ""
    email: str = ""


@dataclass(frozen=True)
class User:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    telegram_language: str | None
    language: str | None
    timezone: str | None
    is_active: bool
    created_at: datetime
    last_seen_at: datetime
    profile: Profile | None = None  # None until the user consented and completed it
    certificate_name: str | None = None  # as confirmed for printing on certificates

    @property
    def printed_name(self) -> str:
        """The name a certificate prints: as confirmed, else as given in the profile, else
        as Telegram has it."""
        given = self.profile.full_name if self.profile else ""
        return self.certificate_name or given or self.display_name

    @property
    def display_name(self) -> str:
        """The name as its script writes it: Chinese, Japanese and Korean names put the family
        name first, without a space (Telegram's first "伟" and last "王" make 王伟)."""
        first, last = self.first_name.strip(), (self.last_name or "").strip()
        if first and last and _EAST_ASIAN_NAME.fullmatch(first + last):
            return last + first
        return " ".join(part for part in (first, last) if part)


@dataclass(frozen=True)
class EventText:
    title: str
    description: str = ""


class InLanguages:
    """Texts kept per language (an event's, a course's), with a default for the others."""

    title: str
    description: str
    texts: dict[str, EventText]

    def title_in(self, language: str) -> str:
        """The title in `language`, else the default title."""
        text = self.texts.get(language)
        return text.title if text and text.title else self.title

    def description_in(self, language: str) -> str:
        text = self.texts.get(language)
        return text.description if text and text.description else self.description


@dataclass(frozen=True)
class EventDraft:
    """A validated event as an organizer describes it, before it is stored."""

    code: str
    topic: str
    starts_at: datetime
    duration_minutes: int
    capacity: int | None
    language: str
    join_url: str
    title: str
    description: str
    texts: dict[str, EventText]
    min_attendance_minutes: int | None = None  # None: half the duration

    def as_event(self, event_id: int = 0, status: str = EventStatus.SCHEDULED) -> Event:
        """The event this draft would become: for previews before saving."""
        return Event(
            event_id=event_id,
            code=self.code,
            topic=self.topic,
            starts_at=self.starts_at,
            duration_minutes=self.duration_minutes,
            capacity=self.capacity,
            language=self.language,
            join_url=self.join_url,
            title=self.title,
            description=self.description,
            status=status,
            texts=dict(self.texts),
            min_attendance_minutes=self.min_attendance_minutes,
        )


@dataclass(frozen=True)
class Event(InLanguages):
    event_id: int
    code: str
    topic: str
    starts_at: datetime
    duration_minutes: int
    capacity: int | None
    language: str
    join_url: str
    title: str
    description: str
    status: str
    texts: dict[str, EventText]
    min_attendance_minutes: int | None = None  # None: half the duration
    # When it last changed (None for an event not stored yet): a question asked before then
    # is out of date. Not part of what the event is: two reads of one state are equal.
    updated_at: datetime | None = field(default=None, compare=False)
    # The version its calendar files carry (their SEQUENCE): raised by the database whenever
    # the start, duration, a title, the join link or the status changes.
    revision: int = field(default=0, compare=False)
    course_id: int | None = None  # the course it is a session of, if any
    certificate: bool = False  # a certificate of attendance of its own (a single event)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def attendance_minutes(self) -> int:
        """How long someone must have been in the session to count as present."""
        if self.min_attendance_minutes is not None:
            return self.min_attendance_minutes
        return (self.duration_minutes + 1) // 2

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED


@dataclass(frozen=True)
class EventListing:
    """An event with how many seats are taken, as lists and cards show it."""

    event: Event
    confirmed: int

    @property
    def seats_left(self) -> int | None:
        """None when the event has no seat limit."""
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.confirmed, 0)


@dataclass(frozen=True)
class EventView:
    """An event as one person sees it: its seats, their place, whether they can sign up."""

    listing: EventListing
    status: RegistrationStatus | None
    position: int | None  # on the waitlist, 1 = next in line
    is_open: bool  # before the start: places can be taken, given up, waited for
    in_progress: bool = False  # the session is running now
    checked_in: bool = False  # the viewer is marked present
    course: CoursePlace | None = None  # the course it is a session of, if any

    @property
    def event(self) -> Event:
        return self.listing.event

    @property
    def single_sign_up(self) -> bool:
        """Whether one may register for this session alone (a course may ask for the whole
        course instead)."""
        return self.course is None or self.course.course.single_sessions


def page_count(total: int, size: int) -> int:
    """Pages of `size` that `total` items fill: at least one, an empty list being one page."""
    return max(1, -(-total // size))


@dataclass(frozen=True)
class Page:
    listings: list[EventListing]
    page: int
    pages: int
    total: int
    courses: dict[int, Course] = field(default_factory=dict)  # of its sessions, by id


@dataclass(frozen=True)
class Registration:
    """A user's place for an event: confirmed, or waiting at `position` (1 = next in line)."""

    event: Event
    status: str
    registered_at: datetime
    position: int | None = None
    attended: bool = False  # marked present (checked in, by hand or from a report)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class Audience:
    """Who a campaign goes to: everyone, an event's registrants, waitlist, attendees or
    no-shows, a language, the people signed up for a topic, or one user."""

    kind: AudienceKind
    value: str | int | None = None

    def describe(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, described: str) -> Audience | None:
        """The audience `describe` wrote (None if it is not one): event and user audiences
        carry an id, languages and topics a code."""
        kind_text, _, value = described.partition(":")
        try:
            kind = AudienceKind(kind_text)
        except ValueError:
            return None
        if not value:
            return cls(kind)
        if kind in (AudienceKind.LANGUAGE, AudienceKind.TOPIC):
            return cls(kind, value)
        return cls(kind, int(value)) if value.isdigit() else None


@dataclass(frozen=True)
class Course(InLanguages):
    """Sessions grouped under a code, and what completes them: attending at least
    `required_sessions` of them (None: all of those not cancelled)."""

    course_id: int
    code: str
    title: str
    description: str
    texts: dict[str, EventText]
    required_sessions: int | None = None
    single_sessions: bool = True  # participants may register for one session of it
    certificate: bool = True  # completing it earns a certificate

    def required_of(self, sessions: int) -> int:
        """How many of its `sessions` (those taking place) complete it: the rule, never
        more than there are (a session cancelled does not make it impossible)."""
        wanted = self.required_sessions
        return sessions if wanted is None else min(wanted, sessions)


@dataclass(frozen=True)
class CoursePlace:
    """Where a session stands in its course: its number among the course's sessions that
    take place, soonest first (None: it is cancelled), of how many."""

    course: Course
    number: int | None
    sessions: int


@dataclass(frozen=True)
class CourseProgress:
    """Where one participant stands in a course: its sessions (soonest first, cancelled ones
    left out) and those they attended."""

    course: Course
    sessions: tuple[Event, ...]
    attended: frozenset[int]  # event ids

    @property
    def required(self) -> int:
        return self.course.required_of(len(self.sessions))

    @property
    def attended_count(self) -> int:
        return sum(1 for event in self.sessions if event.event_id in self.attended)

    @property
    def completed(self) -> bool:
        return self.required > 0 and self.attended_count >= self.required

    @property
    def to_go(self) -> int:
        return max(self.required - self.attended_count, 0)


@dataclass(frozen=True)
class Certificate:
    """A certificate as issued: what it certifies, as printed, and whether it stands."""

    certificate_id: int
    code: str
    user_id: int | None
    course_id: int | None
    event_id: int | None
    holder_name: str
    first_day: datetime
    last_day: datetime
    minutes: int
    sessions: int
    issued_at: datetime
    issued_by: int | None = None
    reason: str = ""
    revoked_at: datetime | None = None
    withdrawn_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.revoked_at is None and self.withdrawn_at is None
