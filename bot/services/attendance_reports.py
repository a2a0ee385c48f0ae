"""Attendance reports as video-conferencing tools export them, read into the people they show.

Zoom (meeting "Participants" report, with or without the meeting's own data above it; webinar
"Attendee report" with its summary, then "Host Details", "Panelist Details" and "Attendee
Details" sections), Microsoft Teams (a "Summary" section, then "Participants", then "In-Meeting
Activities"; or the older list of Joined/Left actions), Google Meet, Webex, and an organizer's
own sheet with a column of emails or Telegram usernames. The table of people is found by its
header row wherever it is; the sections around it are told apart by their titles. Rows of one
person who left and came back are added up.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from bot.services.tables import Row


class Role(Enum):
    ATTENDEE = "attendee"
    HOST = "host"
    PANELIST = "panelist"


_SPACES = re.compile(r"\s+")


def header_key(cell: str) -> str:
    """A column name as compared: lower case, single spaces, no byte-order mark or colon."""
    quick = cell.strip().strip(":").lower()
    if quick.isascii() and "  " not in quick and "\t" not in quick:
        return quick  # what almost every cell is: the full folding below changes nothing
    text = unicodedata.normalize("NFKC", cell).replace("\ufeff", "").strip().strip(":").lower()
    return _SPACES.sub(" ", text)


# Column names by what they hold, as the tools write them (English, and the organizers' own
# sheets in the bot's languages).
EMAIL = frozenset({
    "email", "e-mail", "mail", "user email", "email address", "e-mail address",
    "attendee email", "participant email", "registrant email", "guest email",
    "correo", "correo electrónico", "courriel", "adresse e-mail", "adresse électronique",
    "邮箱", "电子邮件", "电子邮箱", "почта", "электронная почта", "email адрес",
    "البريد الإلكتروني", "البريد",
})  # fmt: skip
UPN = frozenset({"participant id (upn)", "upn"})  # Teams: often the email itself
USERNAME = frozenset({"telegram", "telegram username", "username", "tg", "telegram id"})
NAME = frozenset({
    "name", "name (original name)", "user name (original name)", "full name", "display name",
    "participant", "participant name", "attendee name", "user name", "nom", "nom complet",
    "nombre", "nombre completo", "имя", "фио", "姓名", "名字", "الاسم", "name/email",
})  # fmt: skip
FIRST_NAME = frozenset({"first name", "prénom", "nombre de pila", "имя (first)", "名"})
LAST_NAME = frozenset({"last name", "nom de famille", "apellido", "apellidos", "фамилия", "姓"})
MINUTES = frozenset({
    "duration (minutes)", "duration (mins)", "time in session (minutes)",
    "total duration (minutes)", "minutes", "durée (minutes)", "duración (minutos)",
})  # fmt: skip
DURATION = frozenset({
    "duration", "in-meeting duration", "attendance duration", "time in session",
    "total duration", "durée", "duración", "длительность", "продолжительность", "时长", "المدة",
})  # fmt: skip
ATTENDED = frozenset({"attended", "asistió", "présent", "присутствовал"})
ROLE = frozenset({"role", "rôle", "rol", "роль", "角色"})
ACTION = frozenset({"user action", "action"})
TIMESTAMP = frozenset({"timestamp", "time", "date/time"})
# A header with one of these is a meeting's own summary, not a table of people.
SUMMARY_COLUMNS = frozenset({
    "meeting id", "webinar id", "topic", "meeting title", "title", "actual start time",
    "# registered", "meeting duration", "attended participants", "total number of participants",
})  # fmt: skip
IDENTITY = EMAIL | USERNAME | NAME | FIRST_NAME
HOST_EMAIL = frozenset({"user email", "host email", "organizer email"})  # in a summary
FIRST_COLUMNS = IDENTITY | ATTENDED
# Section titles: a row with a single cell above a header.
HOST_TITLES = ("host", "organizer", "organiser")
PANELIST_TITLES = ("panelist", "panellist", "speaker")
SKIPPED_TITLES = ("activit", "summary", "poll", "q&a", "question")
HOST_ROLES = frozenset({"host", "co-host", "organizer", "organiser", "co-organizer"})
PANELIST_ROLES = frozenset({"panelist", "panellist"})
YES = frozenset({"yes", "y", "true", "1", "oui", "sí", "si", "да", "是", "نعم"})
NO = frozenset({"no", "n", "false", "0", "non", "нет", "否", "لا"})


@dataclass
class ReportPerson:
    """One person as the report shows them, their rows (rejoins) added up."""

    name: str
    email: str  # normalized: lower case, no "mailto:", "" when absent
    username: str  # normalized: lower case, no "@", "" when absent
    minutes: float | None  # None: the report says nothing of time
    role: Role
    attended: bool | None  # None: the report says nothing of it
    rows: int = 1


class SkipReason(Enum):
    NO_IDENTITY = "no-identity"  # neither a name, an email nor a username
    HOST = "host"
    PANELIST = "panelist"
    NOT_ATTENDED = "not-attended"  # the report itself says they did not attend


@dataclass
class ParsedReport:
    people: list[ReportPerson] = field(default_factory=list)
    skipped: dict[SkipReason, int] = field(default_factory=dict)
    has_times: bool = False  # whether the report says how long people stayed
    found_table: bool = False

    def skip(self, reason: SkipReason, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count


@dataclass(frozen=True)
class _Columns:
    email: int | None
    upn: int | None
    username: int | None
    name: int | None
    first_name: int | None
    last_name: int | None
    minutes: int | None  # a number of minutes
    duration: int | None  # a duration as text ("1h 2m 3s", "45 min", "01:02:03")
    attended: int | None
    role: int | None
    action: int | None
    timestamp: int | None

    @property
    def timed(self) -> bool:
        return self.minutes is not None or self.duration is not None


def _find(keys: Sequence[str], names: frozenset[str]) -> int | None:
    return next((i for i, key in enumerate(keys) if key in names), None)


def _columns(header: Row) -> _Columns | None:
    if not any(header_key(cell) in IDENTITY for cell in header if "@" not in cell):
        return None  # most rows: people, not column names
    keys = [header_key(cell) for cell in header]
    if not any(key in IDENTITY for key in keys) or any(key in SUMMARY_COLUMNS for key in keys):
        return None
    return _Columns(
        email=_find(keys, EMAIL),
        upn=_find(keys, UPN),
        username=_find(keys, USERNAME),
        name=_find(keys, NAME),
        first_name=_find(keys, FIRST_NAME),
        last_name=_find(keys, LAST_NAME),
        minutes=_find(keys, MINUTES),
        duration=_find(keys, DURATION),
        attended=_find(keys, ATTENDED),
        role=_find(keys, ROLE),
        action=_find(keys, ACTION),
        timestamp=_find(keys, TIMESTAMP),
    )


@dataclass
class _Section:
    title: str
    columns: _Columns
    rows: list[Row]


MAX_ROWS_OUTSIDE_TABLES = 500  # a summary block or a title is a few rows; Zoom's is ten


def _sections(rows: Sequence[Row]) -> tuple[list[_Section], set[str]]:
    """Every table of people (a header row and the rows under it, up to the next section's
    title or header; blank rows do not end one: organizers leave them in their sheets), and
    the hosts' emails a meeting's summary names (Zoom's "User Email" of the meeting)."""
    sections: list[_Section] = []
    hosts: set[str] = set()
    current: _Section | None = None
    summary_email: int | None = None  # the host's column in the summary header just read
    title = ""
    outside = 0  # rows in a row that belong to no table
    for row in rows:
        cells = [cell for cell in row if cell]
        if not cells:
            continue
        if current is None:
            outside += 1
            if outside > MAX_ROWS_OUTSIDE_TABLES:
                break  # no report has that much before or between its tables
        else:
            outside = 0
        columns = (
            _columns(row) if current is None or (len(cells) > 1 and _may_be_header(row)) else None
        )
        if columns is not None:
            current, summary_email = _Section(title, columns, []), None
            sections.append(current)
        elif len(cells) == 1 and _looks_like_title(cells[0]):
            current, title, summary_email = None, cells[0], None
        elif current is not None:
            current.rows.append(row)
        elif _is_summary_header(row):
            keys = [header_key(cell) for cell in row]
            summary_email = _find(keys, HOST_EMAIL)
            title = ""
        elif summary_email is not None:
            host = normalize_email(_cell(row, summary_email))
            if host:
                hosts.add(host)
    return sections, hosts


def _may_be_header(row: Row) -> bool:
    """Inside a table, a new header comes straight after the last row only in files that
    have no title between two tables; a quick look at its first cells for a column name
    (headers start with who, or with Zoom's "Attended") before the full look."""
    return any(cell.lower() in FIRST_COLUMNS for cell in row[:2])


def _is_summary_header(row: Row) -> bool:
    return any(header_key(cell) in SUMMARY_COLUMNS for cell in row)


def _looks_like_title(cell: str) -> bool:
    key = header_key(cell)
    return "@" not in key and any(
        word in key
        for word in (*HOST_TITLES, *PANELIST_TITLES, *SKIPPED_TITLES, "attendee", "participant")
    )


def _section_role(title: str) -> Role | None:
    """The role a section's title gives its people; None for a section to leave out."""
    key = header_key(title)
    if any(word in key for word in SKIPPED_TITLES):
        return None
    if any(word in key for word in PANELIST_TITLES):
        return Role.PANELIST
    if any(word in key for word in HOST_TITLES):
        return Role.HOST
    return Role.ATTENDEE


def normalize_email(text: str) -> str:
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    text = text.strip("<>").strip()
    return text if "@" in text and " " not in text else ""


def normalize_username(text: str) -> str:
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.strip().lower()
    text = text.removeprefix("https://t.me/").removeprefix("t.me/").lstrip("@").strip()
    return text if re.fullmatch(r"[a-z0-9_]{4,32}", text) else ""


_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|second|seconds"
    r"|ч|час|часа|часов|мин|с|сек|小时|分钟|分|秒|ساعة|دقيقة|دقائق|ثانية)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
_UNIT_MINUTES = {
    "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0, "ч": 60.0, "час": 60.0,
    "часа": 60.0, "часов": 60.0, "小时": 60.0, "ساعة": 60.0,
    "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0, "мин": 1.0, "分钟": 1.0,
    "分": 1.0, "دقيقة": 1.0, "دقائق": 1.0,
    "s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
    "с": 1 / 60, "сек": 1 / 60, "秒": 1 / 60, "ثانية": 1 / 60,
}  # fmt: skip


def parse_duration(text: str, *, bare_number_unit: float = 1.0) -> float | None:
    """Minutes from "1h 2m 3s", "45m 12s", "1 hr 2 min", "62 mins", "01:02:03", "1:02" (hours
    and minutes) or a bare number (in minutes unless told otherwise); None if unreadable."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    if not text:
        return None
    number = text.replace(",", ".")
    try:
        value = float(number)
    except ValueError:
        pass
    else:
        return value * bare_number_unit if value >= 0 else None
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.group(1), clock.group(2), clock.group(3)
        return int(hours) * 60 + int(minutes) + (int(seconds) / 60 if seconds else 0.0)
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    return sum(
        float(amount.replace(",", ".")) * _UNIT_MINUTES[unit.lower()] for amount, unit in parts
    )


_TIMESTAMP_FORMATS = (
    "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y, %I:%M:%S %p",
    "%d/%m/%Y, %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y, %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
)


def parse_timestamp(text: str) -> datetime | None:
    text = unicodedata.normalize("NFKC", text).replace("\u202f", " ").strip()
    for pattern in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 (only differences are used)
        except ValueError:
            continue
    return None


def _cell(row: Row, index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _name_of(row: Row, columns: _Columns) -> str:
    name = _cell(row, columns.name)
    if not name:
        name = " ".join(
            part for part in (_cell(row, columns.first_name), _cell(row, columns.last_name)) if part
        )
    return unicodedata.normalize("NFKC", name).strip()


def _role_of(row: Row, columns: _Columns, section_role: Role) -> Role:
    role = header_key(_cell(row, columns.role))
    if role in HOST_ROLES:
        return Role.HOST
    if role in PANELIST_ROLES:
        return Role.PANELIST
    return section_role


def _attended_of(row: Row, columns: _Columns) -> bool | None:
    value = header_key(_cell(row, columns.attended))
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _minutes_of(row: Row, columns: _Columns) -> float | None:
    if columns.minutes is not None:
        found = parse_duration(_cell(row, columns.minutes))
        if found is not None:
            return found
    if columns.duration is not None:
        return parse_duration(_cell(row, columns.duration))
    return None


def parse_report(rows: Sequence[Row]) -> ParsedReport:
    """The people of a report, rejoins added up; hosts, panelists and people the report says
    did not attend are counted apart."""
    report = ParsedReport()
    people: dict[tuple[str, str, str], ReportPerson] = {}
    sections, hosts = _sections(rows)
    if not sections:
        return report
    report.found_table = True
    attendee_sections = [s for s in sections if _section_role(s.title) is not None]
    for section in attendee_sections:
        section_role = _section_role(section.title)
        assert section_role is not None
        columns = section.columns
        if columns.action is not None and columns.timestamp is not None:
            _read_actions(section, report, people)
            continue
        report.has_times = report.has_times or columns.timed
        for row in section.rows:
            _read_row(row, columns, section_role, report, people)
    for person in people.values():
        if person.role is Role.HOST or (person.email and person.email in hosts):
            report.skip(SkipReason.HOST)
        elif person.role is Role.PANELIST:
            report.skip(SkipReason.PANELIST)
        elif person.attended is False:
            report.skip(SkipReason.NOT_ATTENDED)
        else:
            report.people.append(person)
    return report


def _key(name: str, email: str, username: str) -> tuple[str, str, str]:
    """Rows of one person: the same email and name (someone else who typed that email is
    someone else), else the same username, else the same name."""
    if email:
        return (email, "", name_key_text(name))
    if username:
        return ("", username, "")
    return ("", "", name_key_text(name))


def _read_row(
    row: Row,
    columns: _Columns,
    section_role: Role,
    report: ParsedReport,
    people: dict[tuple[str, str, str], ReportPerson],
) -> None:
    name = _name_of(row, columns)
    email = normalize_email(_cell(row, columns.email)) or normalize_email(_cell(row, columns.upn))
    username = normalize_username(_cell(row, columns.username))
    if not username and columns.username is None and columns.email is None and not email:
        # an organizer's one-column sheet of "@usernames" under a "name" heading
        username = normalize_username(name) if name.startswith("@") else ""
    if not (name or email or username):
        report.skip(SkipReason.NO_IDENTITY)
        return
    key = _key(name, email, username)
    minutes = _minutes_of(row, columns)
    role = _role_of(row, columns, section_role)
    attended = _attended_of(row, columns)
    found = people.get(key)
    if found is None:
        people[key] = ReportPerson(name, email, username, minutes, role, attended)
        return
    found.rows += 1
    if minutes is not None:
        found.minutes = (found.minutes or 0.0) + minutes
    if attended is True or found.attended is None:
        found.attended = attended if attended is not None else found.attended
    if role is not Role.ATTENDEE:
        found.role = role
    if not found.name:
        found.name = name


def _read_actions(
    section: _Section, report: ParsedReport, people: dict[tuple[str, str, str], ReportPerson]
) -> None:
    """Teams' older report: one row per "Joined" or "Left", with a timestamp."""
    columns = section.columns
    joined: dict[tuple[str, str, str], datetime] = {}
    report.has_times = True
    for row in section.rows:
        name = _name_of(row, columns)
        email = normalize_email(_cell(row, columns.email))
        if not (name or email):
            report.skip(SkipReason.NO_IDENTITY)
            continue
        key = _key(name, email, "")
        action = header_key(_cell(row, columns.action))
        moment = parse_timestamp(_cell(row, columns.timestamp))
        person = people.setdefault(key, ReportPerson(name, email, "", 0.0, Role.ATTENDEE, None))
        if action.startswith("join"):
            if moment is not None:
                joined[key] = moment
        elif action.startswith("left") or action.startswith("leave"):
            start = joined.pop(key, None)
            if start is not None and moment is not None and moment >= start:
                person.minutes = (person.minutes or 0.0) + (moment - start).total_seconds() / 60
    for key in joined:  # still there when the report was made: time unknown
        people[key].minutes = None if not people[key].minutes else people[key].minutes


@functools.lru_cache(maxsize=65536)
def name_key_text(name: str) -> str:
    """A name as compared: accents, case, punctuation and word order ignored."""
    return " ".join(sorted(name_words(name)))


_WORD_BREAKS = re.compile(r"[\W_]+")
_BRACKETED = re.compile(r"[(（]([^)）]*)[)）]")


def name_words(name: str) -> list[str]:
    if name.isascii():
        bare = name
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return [word for word in _WORD_BREAKS.split(bare.casefold()) if word]


@functools.lru_cache(maxsize=65536)
def name_variants(name: str) -> frozenset[str]:
    """The keys a displayed name may be known by: itself, and apart, what is in and out of
    brackets ("Li Na (李娜)": a Zoom name and the original name). Names repeat (every row
    of someone who rejoined, every registrant compared): each is worked out once."""
    variants = {name_key_text(name)}
    if "(" in name or "（" in name:
        inside = _BRACKETED.findall(name)
        variants.add(name_key_text(_BRACKETED.sub(" ", name)))
        variants.update(name_key_text(part) for part in inside)
    return frozenset(variant for variant in variants if variant)
