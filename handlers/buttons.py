"""Button data, typed: what each kind of button says when pressed, written and read in one place.

Telegram hands a button's `callback_data` back verbatim (at most 64 bytes), and anyone can
forge it. Each kind of button is a small frozen dataclass whose `WIRE` spells its layout: fixed
words and typed `Part`s, joined by ":". `pack()` writes it; `parse_button()` reads any data back
to the one kind it names, or returns None for anything the bot never wrote (unknown words, a
part too many or too few, numbers out of range, codes an event cannot have). The layouts are
the ones buttons already in people's chats carry, so they keep working after an upgrade.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, get_args

from bot.i18n import SUPPORTED_LANGUAGES
from bot.models import AudienceKind
from bot.services.event_fields import CODE_PATTERN
from bot.topics import TOPIC_SLUGS

MAX_DATA_BYTES = 64  # Telegram's limit for callback_data
PARSED_KEPT = 4096
SEP = ":"
MAX_ID = 2**63 - 1  # SQLite's largest integer: ids of events, users and campaigns
MAX_PAGE = 999_999  # far beyond any list, and page x page size stays a small integer
ALL_TOPICS = "-"  # the topic part of a list of every topic
CHECKIN_PREFIX = "ci"  # ci:<event id>; bot.services.campaign_texts writes it too, for now
RATE_PREFIX = "fb"  # fb:<event id>:<1..5>; likewise

T = TypeVar("T")


@dataclass(frozen=True)
class Part(Generic[T]):
    """One typed value in button data."""

    read: Callable[[str], T]  # raises ValueError for any text `write` never produces
    write: Callable[[T], str]
    widest: T  # the value written longest: what the 64-byte budget is checked against


def number(low: int, high: int) -> Part[int]:
    """A whole number from `low` to `high`, in plain ASCII digits without leading zeros."""
    digits = len(str(high))

    def read(text: str) -> int:
        if not (0 < len(text) <= digits and text.isascii() and text.isdigit()):
            raise ValueError(text)
        if text[0] == "0" and text != "0":
            raise ValueError(text)
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return Part(read, str, high)


def matching(pattern: re.Pattern[str], widest: str) -> Part[str]:
    """Text that matches `pattern` from its first character to its last."""

    def read(text: str) -> str:
        if not pattern.fullmatch(text):
            raise ValueError(text)
        return text

    return Part(read, str, widest)


def one_of(values: Sequence[str]) -> Part[Any]:
    """One of a few fixed words (a Literal field)."""
    allowed = frozenset(values)

    def read(text: str) -> str:
        if text not in allowed:
            raise ValueError(text)
        return text

    return Part(read, str, max(values, key=len))


_TOPIC_INDEX = number(0, len(TOPIC_SLUGS) - 1)


def _read_topic(text: str) -> str:
    return TOPIC_SLUGS[_TOPIC_INDEX.read(text)]


def _write_topic(slug: str) -> str:
    return str(TOPIC_SLUGS.index(slug))


def _read_topic_or_all(text: str) -> str | None:
    return None if text == ALL_TOPICS else _read_topic(text)


def _write_topic_or_all(slug: str | None) -> str:
    return ALL_TOPICS if slug is None else _write_topic(slug)


ID = number(0, MAX_ID)
PAGE = number(0, MAX_PAGE)
MOMENT = number(0, 9_999_999_999)  # a time in seconds since 1970, until the year 2286
RATING = number(1, 5)
CODE = matching(CODE_PATTERN, "x" * 40)  # 40: the longest code CODE_PATTERN allows
LANGUAGE = one_of(SUPPORTED_LANGUAGES)
ZONE = matching(re.compile(r"(?=.{1,50}$)[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}"), "x" * 50)
COUNTRY = matching(re.compile(r"[A-Z]{2}"), "ZZ")
TOPIC = Part(_read_topic, _write_topic, TOPIC_SLUGS[-1])  # the topic's index in TOPIC_SLUGS
TOPIC_OR_ALL: Part[str | None] = Part(_read_topic_or_all, _write_topic_or_all, TOPIC_SLUGS[-1])

Wire = tuple[str | Part[Any], ...]
_KINDS: dict[str, list[type[ButtonData]]] = {}  # by the first word of their data


@dataclass(frozen=True)
class ButtonData:
    """What a button sends when pressed. Subclasses are frozen dataclasses whose fields are
    the `Part`s of their `WIRE`, in order; a value that could not travel is refused at once."""

    WIRE: ClassVar[Wire]
    PARTS: ClassVar[tuple[Part[Any], ...]] = ()  # the `Part`s of WIRE, found once per kind
    NAMES: ClassVar[tuple[str, ...]] = ()  # the fields that carry them, in the same order

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.PARTS = tuple(part for part in cls.WIRE if isinstance(part, Part))
        cls.NAMES = tuple(inspect.get_annotations(cls))  # a dataclass's fields, in order
        head = cls.WIRE[0]
        assert isinstance(head, str), f"{cls.__name__}: data starts with a fixed word"
        assert all(SEP not in word for word in cls.WIRE if isinstance(word, str))
        assert len(cls.NAMES) == len(cls.PARTS), cls.__name__
        widest = [word if isinstance(word, str) else word.write(word.widest) for word in cls.WIRE]
        assert len(SEP.join(widest).encode()) <= MAX_DATA_BYTES, cls.__name__
        _KINDS.setdefault(head, []).append(cls)

    def __post_init__(self) -> None:
        for part, value in zip(self.PARTS, self._values(), strict=True):
            try:
                travels = part.read(part.write(value)) == value
            except ValueError:
                travels = False
            if not travels:
                raise ValueError(f"{type(self).__name__} cannot carry {value!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.NAMES)

    def pack(self) -> str:
        """The callback_data of a button of this kind."""
        values = iter(self._values())
        data = SEP.join(
            word if isinstance(word, str) else word.write(next(values)) for word in self.WIRE
        )
        assert len(data.encode()) <= MAX_DATA_BYTES, data
        return data

    @classmethod
    def unpack(cls, words: Sequence[str]) -> Self | None:
        """This kind of button from data already split at ":"; None if it is not one."""
        if len(words) != len(cls.WIRE):
            return None
        values: list[Any] = []
        try:
            for text, expected in zip(words, cls.WIRE, strict=True):
                if isinstance(expected, Part):
                    values.append(expected.read(text))
                elif text != expected:
                    return None
            return cls(*values)
        except ValueError:
            return None

    @classmethod
    def matches(cls, data: object) -> bool:
        """python-telegram-bot's `pattern` for presses of this kind of button."""
        return isinstance(data, str) and isinstance(parse_button(data), cls)


@functools.lru_cache(maxsize=PARSED_KEPT)
def parse_button(data: str) -> ButtonData | None:
    """The button that `data` names, or None for data the bot never wrote. Read once per
    distinct data (every handler's pattern asks, and the same buttons are pressed by many):
    the answer is a frozen value that depends on the data alone."""
    words = data.split(SEP)
    for kind in _KINDS.get(words[0], ()):
        found = kind.unpack(words)
        if found is not None:
            return found
    return None


def kinds() -> list[type[ButtonData]]:
    """Every kind of button, for tests and checks."""
    return [kind for group in _KINDS.values() for kind in group]


# Fixed sets of words some buttons carry.
ProfileAction = Literal["tg", "skip", "back", "yes", "no"]
ProfileField = Literal["full_name", "country", "city", "organization", "role", "email"]
EventField = Literal[
    "title",
    "topic",
    "starts_at",
    "duration_minutes",
    "capacity",
    "language",
    "join_url",
    "description",
    "min_attendance_minutes",
]
# The audiences an organizer picks from (the others are the bot's own, for reminders).
AUDIENCE_KINDS = tuple(
    str(kind)
    for kind in (
        AudienceKind.EVERYONE,
        AudienceKind.REGISTRANTS,
        AudienceKind.WAITLIST,
        AudienceKind.LANGUAGE,
        AudienceKind.TOPIC,
        AudienceKind.ATTENDEES,
        AudienceKind.NO_SHOWS,
    )
)
YesNo = Literal["yes", "no"]
Presence = Literal["present", "absent"]


# The programme: /events and the event card.


@dataclass(frozen=True)
class EventList(ButtonData):
    """A page of upcoming events, of one topic (a slug) or of all (None)."""

    topic: str | None
    page: int
    WIRE = ("ev", "l", TOPIC_OR_ALL, PAGE)


@dataclass(frozen=True)
class EventCard(ButtonData):
    """An event's card, opened from a page of the list it goes back to."""

    code: str
    topic: str | None
    page: int
    WIRE = ("ev", "c", CODE, TOPIC_OR_ALL, PAGE)

    @property
    def back(self) -> EventList:
        return EventList(self.topic, self.page)


@dataclass(frozen=True)
class TopicsMenu(ButtonData):
    """The topic filter."""

    WIRE = ("ev", "t")


@dataclass(frozen=True)
class CalendarFile(ButtonData):
    """An event's .ics file."""

    code: str
    WIRE = ("ev", "i", CODE)


# Registrations.


@dataclass(frozen=True)
class Register(ButtonData):
    """Sign up (or join the waitlist); starts the profile questions for a first registration."""

    code: str
    WIRE = ("rg", "r", CODE)


@dataclass(frozen=True)
class CancelRegistration(ButtonData):
    """Give a place up: only asks whether they are sure."""

    code: str
    WIRE = ("rg", "x", CODE)


@dataclass(frozen=True)
class ConfirmCancelRegistration(ButtonData):
    """Yes, give the place up."""

    code: str
    WIRE = ("rg", "y", CODE)


@dataclass(frozen=True)
class KeepRegistration(ButtonData):
    """No, keep the place: as older questions wrote it, without the event (see
    KeepThisRegistration)."""

    WIRE = ("rg", "n")


@dataclass(frozen=True)
class KeepThisRegistration(ButtonData):
    """No, keep the place: it names the event, so a press after the place was given up
    elsewhere can say so instead of "unchanged"."""

    code: str
    WIRE = ("rg", "k", CODE)


# Training courses (issue 16): a course's card, and registering for all its sessions at once.
# Course codes and event codes share deep links, so a course's code is a code as events have.


@dataclass(frozen=True)
class CourseCard(ButtonData):
    """A course's card: its sessions, what completes it, where the viewer stands."""

    code: str
    WIRE = ("co", "c", CODE)


@dataclass(frozen=True)
class RegisterCourse(ButtonData):
    """Register for every session of the course still to come; starts the profile questions
    for a first registration."""

    code: str
    WIRE = ("co", "r", CODE)


@dataclass(frozen=True)
class CancelCourse(ButtonData):
    """Give up every place of the course still to come: only asks whether they are sure
    (No is KeepRegistration)."""

    code: str
    WIRE = ("co", "x", CODE)


@dataclass(frozen=True)
class ConfirmCancelCourse(ButtonData):
    """Yes, give up the course's places."""

    code: str
    WIRE = ("co", "y", CODE)


# Language, time zone, personal data.


@dataclass(frozen=True)
class ChooseLanguage(ButtonData):
    language: str
    WIRE = ("lang", LANGUAGE)


@dataclass(frozen=True)
class ChooseZone(ButtonData):
    """A time zone found for what the user typed; the zone database says if it exists."""

    zone: str
    WIRE = ("tz", ZONE)


@dataclass(frozen=True)
class ForgetMe(ButtonData):
    """The answer to "Delete everything?"."""

    answer: YesNo
    WIRE = ("fm", one_of(get_args(YesNo)))


# The profile questions and /profile.


@dataclass(frozen=True)
class ProfileStep(ButtonData):
    """Use the Telegram name, skip, go back, agree or disagree: on the question open now."""

    action: ProfileAction
    WIRE = ("pf", one_of(get_args(ProfileAction)))


@dataclass(frozen=True)
class ProfileCountry(ButtonData):
    """One of the countries that what the user typed could mean (ISO code)."""

    country: str
    WIRE = ("pf", "cc", COUNTRY)


@dataclass(frozen=True)
class ProfileZone(ButtonData):
    zone: str
    WIRE = ("pf", "tz", ZONE)


@dataclass(frozen=True)
class EditProfile(ButtonData):
    """Change one answer of the profile."""

    field: ProfileField
    WIRE = ("pe", one_of(get_args(ProfileField)))


# /newevent.


@dataclass(frozen=True)
class NewEventTopic(ButtonData):
    topic: str
    WIRE = ("nw", "topic", TOPIC)


@dataclass(frozen=True)
class NewEventNoLimit(ButtonData):
    WIRE = ("nw", "cap", "none")


@dataclass(frozen=True)
class NewEventLanguage(ButtonData):
    language: str
    WIRE = ("nw", "lang", LANGUAGE)


@dataclass(frozen=True)
class NewEventNoLink(ButtonData):
    WIRE = ("nw", "link", "none")


@dataclass(frozen=True)
class NewEventNoDescription(ButtonData):
    WIRE = ("nw", "desc", "none")


@dataclass(frozen=True)
class NewEventSave(ButtonData):
    WIRE = ("nw", "save")


@dataclass(frozen=True)
class NewEventDiscard(ButtonData):
    WIRE = ("nw", "discard")


# /editevent and /cancelevent.


@dataclass(frozen=True)
class EditEventField(ButtonData):
    field: EventField
    WIRE = ("ed", "f", one_of(get_args(EventField)))


@dataclass(frozen=True)
class EditEventTopic(ButtonData):
    topic: str
    WIRE = ("ed", "topic", TOPIC)


@dataclass(frozen=True)
class EditEventLanguage(ButtonData):
    language: str
    WIRE = ("ed", "lang", LANGUAGE)


@dataclass(frozen=True)
class EditEventNoLimit(ButtonData):
    WIRE = ("ed", "cap", "none")


@dataclass(frozen=True)
class EditEventNoLink(ButtonData):
    WIRE = ("ed", "link", "none")


@dataclass(frozen=True)
class EditEventHalfMinimum(ButtonData):
    """Present after half the session, the rule when an event sets none."""

    WIRE = ("ed", "min", "half")


@dataclass(frozen=True)
class CancelEvent(ButtonData):
    """Yes, cancel the event: the layout of questions asked before they carried their time
    (such a Yes asks for /cancelevent again)."""

    code: str
    WIRE = ("cx", "yes", CODE)


@dataclass(frozen=True)
class CancelEventAsked(ButtonData):
    """Yes, cancel the event (its registrants are told), unless it changed since `asked`
    (seconds since 1970: when the question was asked)."""

    code: str
    asked: int
    WIRE = ("cx", "yes", CODE, MOMENT)


@dataclass(frozen=True)
class CancelEventPaid(ButtonData):
    """Yes, cancel the event and tell its registrants at once with a paid broadcast (within
    the operator's budget), unless it changed since `asked`."""

    code: str
    asked: int
    WIRE = ("cx", "paid", CODE, MOMENT)


@dataclass(frozen=True)
class KeepEvent(ButtonData):
    """No, keep it: as older questions wrote it, without the event (see KeepThisEvent)."""

    WIRE = ("cx", "no")


@dataclass(frozen=True)
class KeepThisEvent(ButtonData):
    """No, keep the event: it names the event, so a press after someone cancelled it anyway
    can say so instead of "not cancelled"."""

    code: str
    WIRE = ("cx", "no", CODE)


# /broadcast and /broadcasts.


@dataclass(frozen=True)
class BroadcastAudience(ButtonData):
    kind: str
    WIRE = ("bc", "a", one_of(AUDIENCE_KINDS))


@dataclass(frozen=True)
class BroadcastLanguage(ButtonData):
    """The audience "people who read one language": which one."""

    language: str
    WIRE = ("bc", "l", LANGUAGE)


@dataclass(frozen=True)
class BroadcastTopic(ButtonData):
    """The audience "people signed up for a topic": which one."""

    topic: str
    WIRE = ("bc", "t", TOPIC)


@dataclass(frozen=True)
class BroadcastVersion(ButtonData):
    """Add (or replace) the message's version in this language."""

    language: str
    WIRE = ("bc", "v", LANGUAGE)


@dataclass(frozen=True)
class BroadcastPreview(ButtonData):
    WIRE = ("bc", "preview")


@dataclass(frozen=True)
class BroadcastSend(ButtonData):
    WIRE = ("bc", "send")


@dataclass(frozen=True)
class BroadcastDiscard(ButtonData):
    WIRE = ("bc", "discard")


@dataclass(frozen=True)
class StopBroadcast(ButtonData):
    campaign_id: int
    WIRE = ("bc", "x", ID)


# Check-in, feedback and the attendance list.


@dataclass(frozen=True)
class CheckInHere(ButtonData):
    """The "I am here" button under the message sent when a session starts."""

    event_id: int
    WIRE = (CHECKIN_PREFIX, ID)


@dataclass(frozen=True)
class Rate(ButtonData):
    """A rating from 1 to 5 stars, under the feedback request after a session."""

    event_id: int
    rating: int
    WIRE = (RATE_PREFIX, ID, RATING)


@dataclass(frozen=True)
class ToggleAttendance(ButtonData):
    """Mark someone present or absent, whichever they are not now: as older attendance lists
    wrote their buttons (see MarkAttendance)."""

    event_id: int
    user_id: int
    page: int
    WIRE = ("at", ID, ID, PAGE)


@dataclass(frozen=True)
class MarkAttendance(ButtonData):
    """Mark someone present or absent, on a page of the attendance list. The button says
    which, as the list showed the opposite: after a check-in or another organizer's mark in
    the meantime, an old button leaves the mark as it is instead of undoing it."""

    event_id: int
    user_id: int
    page: int
    presence: Presence
    WIRE = ("at", ID, ID, PAGE, one_of(get_args(Presence)))


@dataclass(frozen=True)
class RosterPage(ButtonData):
    """Another page of the attendance list."""

    event_id: int
    page: int
    WIRE = ("at", ID, "p", PAGE)


@dataclass(frozen=True)
class ConfirmAttendee(ButtonData):
    """From a report's review list: this registrant is the person the report shows. As older
    review lists wrote it, without the report (see ConfirmReportAttendee)."""

    event_id: int
    user_id: int
    WIRE = ("ar", ID, ID)


@dataclass(frozen=True)
class ConfirmReportAttendee(ButtonData):
    """From a report's review list: this registrant is the person the report shows. Only
    while that report stands: once it is undone or replaced, its review list is void."""

    event_id: int
    user_id: int
    report_id: int
    WIRE = ("ar", ID, ID, ID)


@dataclass(frozen=True)
class UndoReport(ButtonData):
    """Take back the marks of the session's last attendance report, whichever it is: as older
    attendance lists wrote it (see UndoThisReport)."""

    event_id: int
    WIRE = ("ar", ID, "undo")


@dataclass(frozen=True)
class UndoThisReport(ButtonData):
    """Take back the marks of the report the button's label names (by its date), and only
    while it stands: a second press, or one after a newer report, undoes nothing else."""

    event_id: int
    report_id: int
    WIRE = ("ar", ID, "undo", ID)


# /stats.


@dataclass(frozen=True)
class StatsPage(ButtonData):
    """Another page of the sessions under /stats (held ones first, then upcoming)."""

    page: int
    WIRE = ("st", "p", PAGE)


@dataclass(frozen=True)
class StatsTable(ButtonData):
    """The figures of every event as a CSV document."""

    WIRE = ("st", "csv")


# /registrants.


@dataclass(frozen=True)
class RegistrantsPage(ButtonData):
    """Another page of an event's registrants (of the organizer's latest search, if any)."""

    event_id: int
    page: int
    WIRE = ("rs", ID, PAGE)


# /addorganizer.

OrganizerReach = Literal["all", "some"]


@dataclass(frozen=True)
class OrganizerScopeChoice(ButtonData):
    """The person being added organizes the whole programme ("all") or chosen events."""

    reach: OrganizerReach
    WIRE = ("og", one_of(get_args(OrganizerReach)))


# Risky changes said before Confirm (/editevent seats and start, /restoreevent), and the code
# proposed by /newevent.


@dataclass(frozen=True)
class ConfirmEventChange(ButtonData):
    """Yes, save the change to the event whose consequences the question said (a capacity
    under the confirmed count, a move): only under that question, while it is open."""

    code: str
    WIRE = ("ecf", "yes", CODE)


@dataclass(frozen=True)
class KeepEventAsItIs(ButtonData):
    """No, leave the event as it is."""

    code: str
    WIRE = ("ecf", "no", CODE)


@dataclass(frozen=True)
class RestoreEvent(ButtonData):
    """Yes, undo the event's cancellation (everyone signed up is told)."""

    code: str
    asked: int  # seconds since 1970: a Yes from before a later change is out of date
    WIRE = ("rse", "yes", CODE, MOMENT)


@dataclass(frozen=True)
class KeepCancelled(ButtonData):
    """No, the event stays cancelled."""

    code: str
    WIRE = ("rse", "no", CODE)


@dataclass(frozen=True)
class NewEventUseCode(ButtonData):
    """Use the code /newevent proposed (the one its question named)."""

    WIRE = ("nwc", "use")


# /broadcast: the test copy and broadcasts scheduled for later.


@dataclass(frozen=True)
class BroadcastTest(ButtonData):
    """Send the organizer one copy of the previewed broadcast, as a recipient gets it."""

    WIRE = ("bs", "test")


@dataclass(frozen=True)
class BroadcastLater(ButtonData):
    """Send the previewed broadcast at a time the organizer gives next."""

    WIRE = ("bs", "later")


@dataclass(frozen=True)
class CancelScheduledBroadcast(ButtonData):
    """Cancel a broadcast waiting for its time; once it has gone, it only says so."""

    campaign_id: int
    WIRE = ("bs", "x", ID)


# Programme files: Confirm or Discard the preview of a re-import.

PREVIEW_TOKEN = matching(re.compile(r"[0-9a-f]{16}"), "f" * 16)


@dataclass(frozen=True)
class ConfirmImport(ButtonData):
    """Apply the programme file previewed under this token (the bot keeps the file's rows
    for the organizer who sent it; another token is a preview that is no longer current)."""

    token: str
    WIRE = ("pi", "ok", PREVIEW_TOKEN)


@dataclass(frozen=True)
class DiscardImport(ButtonData):
    """Leave the programme as it is and forget the previewed file."""

    token: str
    WIRE = ("pi", "no", PREVIEW_TOKEN)


# The sign-up questions (issue 15): /cancel asks before stopping them, and a new country in
# /profile offers to keep the city and time zone given for the old one.
SignUpChoice = Literal["stop", "continue"]


@dataclass(frozen=True)
class StopSignUp(ButtonData):
    """After /cancel in the sign-up questions: stop them (nothing is kept) or go on."""

    choice: SignUpChoice
    WIRE = ("pq", one_of(get_args(SignUpChoice)))


@dataclass(frozen=True)
class KeepProfileAnswer(ButtonData):
    """After a new country in /profile: keep the city (or the time zone) asked now."""

    WIRE = ("pq", "keep")


# Certificates (issue 16).
NameAnswer = Literal["ok", "fix"]
SubjectKind = Literal["c", "e"]  # a course's certificates, or a single event's
SUBJECT_KIND = one_of(get_args(SubjectKind))


@dataclass(frozen=True)
class NameOnCertificate(ButtonData):
    """Before a first certificate: the name it prints is right, or needs correcting."""

    certificate_id: int
    answer: NameAnswer
    WIRE = ("cf", "n", ID, one_of(get_args(NameAnswer)))


@dataclass(frozen=True)
class SendMyCertificate(ButtonData):
    """A participant's own certificate, from /certificates."""

    certificate_id: int
    WIRE = ("cf", "s", ID)


@dataclass(frozen=True)
class IssuePending(ButtonData):
    """An organizer: issue the certificates earned and not issued yet (asks first)."""

    subject_kind: SubjectKind
    subject_id: int
    WIRE = ("cf", "i", SUBJECT_KIND, ID)


@dataclass(frozen=True)
class ConfirmIssuePending(ButtonData):
    subject_kind: SubjectKind
    subject_id: int
    WIRE = ("cf", "i", SUBJECT_KIND, ID, "yes")


@dataclass(frozen=True)
class CertificateSample(ButtonData):
    """An organizer: a sample certificate of the course or event, as a PDF."""

    subject_kind: SubjectKind
    subject_id: int
    WIRE = ("cf", "p", SUBJECT_KIND, ID)


@dataclass(frozen=True)
class CertificateHolders(ButtonData):
    """An organizer: the holders of the course's or event's certificates, as CSV."""

    subject_kind: SubjectKind
    subject_id: int
    WIRE = ("cf", "h", SUBJECT_KIND, ID)


@dataclass(frozen=True)
class RevokeCertificate(ButtonData):
    """An organizer: revoke one certificate (asks first)."""

    certificate_id: int
    WIRE = ("cf", "r", ID)


@dataclass(frozen=True)
class ConfirmRevokeCertificate(ButtonData):
    certificate_id: int
    WIRE = ("cf", "r", ID, "yes")


@dataclass(frozen=True)
class SendCertificateAgain(ButtonData):
    """An organizer: send one certificate to its holder again."""

    certificate_id: int
    WIRE = ("cf", "a", ID)


@dataclass(frozen=True)
class ShowCertificate(ButtonData):
    """An organizer: one certificate's view again (Keep it, after Revoke was pressed)."""

    certificate_id: int
    WIRE = ("cf", "v", ID)


@dataclass(frozen=True)
class KeepPendingCertificates(ButtonData):
    """An organizer: do not issue the pending certificates after all."""

    WIRE = ("cf", "x")


# /newcourse and /editcourse (issue 16): a training course made and changed in chat.
CourseField = Literal[
    "title", "description", "language", "sessions", "rule", "single", "certificate"
]
# "At least N sessions": as many as a course may ask for (the programme file's limit).
SESSIONS_COUNT = number(1, 10_000)


@dataclass(frozen=True)
class NewCourseNoDescription(ButtonData):
    WIRE = ("nc", "desc", "none")


@dataclass(frozen=True)
class NewCourseAllSessions(ButtonData):
    """Completed by attending all of its sessions."""

    WIRE = ("nc", "rule", "all")


@dataclass(frozen=True)
class NewCourseAtLeast(ButtonData):
    """Completed by attending at least `count` of its sessions (fewer than it has)."""

    count: int
    WIRE = ("nc", "rule", SESSIONS_COUNT)


@dataclass(frozen=True)
class NewCourseSingleSessions(ButtonData):
    """Participants may register for single sessions of it (yes), or for all of it (no)."""

    answer: YesNo
    WIRE = ("nc", "single", one_of(get_args(YesNo)))


@dataclass(frozen=True)
class NewCourseCertificate(ButtonData):
    """Completing it gives a certificate (yes) or not (no)."""

    answer: YesNo
    WIRE = ("nc", "cert", one_of(get_args(YesNo)))


@dataclass(frozen=True)
class NewCourseUseCode(ButtonData):
    """Use the code /newcourse proposed (the one its question named)."""

    WIRE = ("nc", "code", "use")


@dataclass(frozen=True)
class NewCourseBack(ButtonData):
    """The question before the one open now."""

    WIRE = ("nc", "back")


@dataclass(frozen=True)
class NewCourseSave(ButtonData):
    WIRE = ("nc", "save")


@dataclass(frozen=True)
class NewCourseDiscard(ButtonData):
    WIRE = ("nc", "discard")


@dataclass(frozen=True)
class EditCourseField(ButtonData):
    field: CourseField
    WIRE = ("ec", "f", one_of(get_args(CourseField)))


@dataclass(frozen=True)
class EditCourseLanguage(ButtonData):
    """The language whose title and description come next."""

    language: str
    WIRE = ("ec", "lang", LANGUAGE)


@dataclass(frozen=True)
class EditCourseNoDescription(ButtonData):
    """Leave the description in that language as it is."""

    WIRE = ("ec", "desc", "none")


@dataclass(frozen=True)
class EditCourseAllSessions(ButtonData):
    WIRE = ("ec", "rule", "all")


@dataclass(frozen=True)
class EditCourseAtLeast(ButtonData):
    count: int
    WIRE = ("ec", "rule", SESSIONS_COUNT)


@dataclass(frozen=True)
class EditCourseAnswer(ButtonData):
    """Yes or No to the question open now (single sessions, certificate)."""

    answer: YesNo
    WIRE = ("ec", "yn", one_of(get_args(YesNo)))


@dataclass(frozen=True)
class ConfirmCourseChange(ButtonData):
    """Yes, save the change to the course whose consequences the question said: only under
    that question, while it is open."""

    code: str
    WIRE = ("ec", "yes", CODE)


@dataclass(frozen=True)
class KeepCourseAsItIs(ButtonData):
    """No, leave the course as it is."""

    code: str
    WIRE = ("ec", "no", CODE)
