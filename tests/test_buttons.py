"""Button data: every kind round-trips, keeps today's wire format, fits Telegram's 64 bytes,
and anything forged is read as nothing and answered as an old button."""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args, get_type_hints
from zoneinfo import available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import SUPPORTED_LANGUAGES
from bot.services.countries import CountryDirectory
from bot.services.event_fields import CODE_PATTERN
from bot.topics import TOPIC_SLUGS
from handlers import broadcast, buttons, course_edit, event_admin, profile
from handlers.buttons import (
    AUDIENCE_KINDS,
    BroadcastAudience,
    BroadcastDiscard,
    BroadcastLanguage,
    BroadcastPreview,
    BroadcastSend,
    BroadcastTopic,
    BroadcastVersion,
    ButtonData,
    CalendarFile,
    CancelEvent,
    CancelRegistration,
    CheckInHere,
    ChooseLanguage,
    ChooseZone,
    ConfirmAttendee,
    ConfirmCancelRegistration,
    ConfirmReportAttendee,
    EditEventField,
    EditEventHalfMinimum,
    EditEventLanguage,
    EditEventNoLimit,
    EditEventNoLink,
    EditEventTopic,
    EditProfile,
    EventCard,
    EventField,
    EventList,
    ForgetMe,
    KeepEvent,
    KeepRegistration,
    KeepThisEvent,
    KeepThisRegistration,
    MarkAttendance,
    NewEventDiscard,
    NewEventLanguage,
    NewEventNoDescription,
    NewEventNoLimit,
    NewEventNoLink,
    NewEventSave,
    NewEventTopic,
    OrganizerScopeChoice,
    ProfileCountry,
    ProfileField,
    ProfileStep,
    ProfileZone,
    Rate,
    Register,
    RegistrantsPage,
    RosterPage,
    StatsPage,
    StatsTable,
    StopBroadcast,
    ToggleAttendance,
    TopicsMenu,
    UndoReport,
    UndoThisReport,
    kinds,
    parse_button,
)
from tests.conftest import ChatDriver, texts

STALE = "This button is no longer active."
SQLITE_MAX = 2**63 - 1
LONGEST_CODE = "x" * 40

# The data of buttons already in people's chats, written out by hand: an upgrade must read
# every one of them the same way.
WIRE = [
    (EventList(None, 0), "ev:l:-:0"),
    (EventList("food-security", 2), "ev:l:3:2"),
    (EventCard("flood-101", None, 0), "ev:c:flood-101:-:0"),
    (EventCard("a", "other", 4), "ev:c:a:7:4"),
    (TopicsMenu(), "ev:t"),
    (CalendarFile("cal"), "ev:i:cal"),
    (Register("flood"), "rg:r:flood"),
    (CancelRegistration("flood"), "rg:x:flood"),
    (ConfirmCancelRegistration("flood"), "rg:y:flood"),
    (KeepRegistration(), "rg:n"),
    (KeepThisRegistration("flood"), "rg:k:flood"),
    (ChooseLanguage("fr"), "lang:fr"),
    (ChooseZone("America/Argentina/Cordoba"), "tz:America/Argentina/Cordoba"),
    (ForgetMe("yes"), "fm:yes"),
    (ForgetMe("no"), "fm:no"),
    (ProfileStep("tg"), "pf:tg"),
    (ProfileStep("skip"), "pf:skip"),
    (ProfileStep("back"), "pf:back"),
    (ProfileStep("yes"), "pf:yes"),
    (ProfileStep("no"), "pf:no"),
    (ProfileCountry("KE"), "pf:cc:KE"),
    (ProfileZone("Africa/Nairobi"), "pf:tz:Africa/Nairobi"),
    (EditProfile("full_name"), "pe:full_name"),
    (NewEventTopic("disaster-risk-reduction"), "nw:topic:0"),
    (NewEventNoLimit(), "nw:cap:none"),
    (NewEventLanguage("zh"), "nw:lang:zh"),
    (NewEventNoLink(), "nw:link:none"),
    (NewEventNoDescription(), "nw:desc:none"),
    (NewEventSave(), "nw:save"),
    (NewEventDiscard(), "nw:discard"),
    (EditEventField("duration_minutes"), "ed:f:duration_minutes"),
    (EditEventTopic("climate-change"), "ed:topic:2"),
    (EditEventLanguage("ar"), "ed:lang:ar"),
    (EditEventNoLimit(), "ed:cap:none"),
    (EditEventNoLink(), "ed:link:none"),
    (CancelEvent("a"), "cx:yes:a"),
    (buttons.CancelEventAsked("a", 1798761600), "cx:yes:a:1798761600"),
    (buttons.CancelEventPaid("a", 1798761600), "cx:paid:a:1798761600"),
    (KeepEvent(), "cx:no"),
    (KeepThisEvent("a"), "cx:no:a"),
    (BroadcastAudience("waitlist"), "bc:a:waitlist"),
    (BroadcastLanguage("es"), "bc:l:es"),
    (BroadcastTopic("other"), "bc:t:7"),
    (BroadcastVersion("ru"), "bc:v:ru"),
    (BroadcastPreview(), "bc:preview"),
    (BroadcastSend(), "bc:send"),
    (BroadcastDiscard(), "bc:discard"),
    (StopBroadcast(12), "bc:x:12"),
    (CheckInHere(7), "ci:7"),
    (Rate(7, 4), "fb:7:4"),
    (ToggleAttendance(3, 1001, 0), "at:3:1001:0"),
    (MarkAttendance(3, 1001, 0, "present"), "at:3:1001:0:present"),
    (MarkAttendance(3, 1001, 2, "absent"), "at:3:1001:2:absent"),
    (RosterPage(3, 1), "at:3:p:1"),
    (ConfirmAttendee(3, 42), "ar:3:42"),
    (ConfirmReportAttendee(3, 42, 9), "ar:3:42:9"),
    (UndoReport(3), "ar:3:undo"),
    (UndoThisReport(3, 9), "ar:3:undo:9"),
    (EditEventHalfMinimum(), "ed:min:half"),
    (StatsPage(3), "st:p:3"),
    (StatsTable(), "st:csv"),
    (RegistrantsPage(7, 2), "rs:7:2"),
    (OrganizerScopeChoice("all"), "og:all"),
    (OrganizerScopeChoice("some"), "og:some"),
    # /broadcast's test copy, Send later and the cancel of a scheduled broadcast.
    (BroadcastAudience("no-shows"), "bc:a:no-shows"),
    (buttons.BroadcastTest(), "bs:test"),
    (buttons.BroadcastLater(), "bs:later"),
    (buttons.CancelScheduledBroadcast(12), "bs:x:12"),
    # Risky changes said before Confirm, and /newevent's proposed code.
    (buttons.ConfirmEventChange("flood"), "ecf:yes:flood"),
    (buttons.KeepEventAsItIs("flood"), "ecf:no:flood"),
    (buttons.RestoreEvent("flood", 1798761600), "rse:yes:flood:1798761600"),
    (buttons.KeepCancelled("flood"), "rse:no:flood"),
    (buttons.NewEventUseCode(), "nwc:use"),
    # The preview of a programme file: Confirm and Discard.
    (buttons.ConfirmImport("0123456789abcdef"), "pi:ok:0123456789abcdef"),
    (buttons.DiscardImport("0123456789abcdef"), "pi:no:0123456789abcdef"),
    # The sign-up questions: /cancel's Stop or Continue, and Keep after a new country.
    (buttons.StopSignUp("stop"), "pq:stop"),
    (buttons.StopSignUp("continue"), "pq:continue"),
    (buttons.KeepProfileAnswer(), "pq:keep"),
    # Training courses: the card, registering for all of it, giving it up.
    (buttons.CourseCard("urban-floods"), "co:c:urban-floods"),
    (buttons.RegisterCourse("urban-floods"), "co:r:urban-floods"),
    (buttons.CancelCourse("urban-floods"), "co:x:urban-floods"),
    (buttons.ConfirmCancelCourse("urban-floods"), "co:y:urban-floods"),
    # Certificates: the name before the first one, a participant's own, an organizer's.
    (buttons.NameOnCertificate(12, "ok"), "cf:n:12:ok"),
    (buttons.NameOnCertificate(12, "fix"), "cf:n:12:fix"),
    (buttons.SendMyCertificate(12), "cf:s:12"),
    (buttons.IssuePending("c", 3), "cf:i:c:3"),
    (buttons.ConfirmIssuePending("e", 3), "cf:i:e:3:yes"),
    (buttons.CertificateSample("c", 3), "cf:p:c:3"),
    (buttons.CertificateHolders("e", 3), "cf:h:e:3"),
    (buttons.RevokeCertificate(12), "cf:r:12"),
    (buttons.ConfirmRevokeCertificate(12), "cf:r:12:yes"),
    (buttons.SendCertificateAgain(12), "cf:a:12"),
    (buttons.ShowCertificate(12), "cf:v:12"),
    (buttons.KeepPendingCertificates(), "cf:x"),
    # /newcourse and /editcourse.
    (buttons.NewCourseNoDescription(), "nc:desc:none"),
    (buttons.NewCourseAllSessions(), "nc:rule:all"),
    (buttons.NewCourseAtLeast(3), "nc:rule:3"),
    (buttons.NewCourseSingleSessions("no"), "nc:single:no"),
    (buttons.NewCourseCertificate("yes"), "nc:cert:yes"),
    (buttons.NewCourseUseCode(), "nc:code:use"),
    (buttons.NewCourseBack(), "nc:back"),
    (buttons.NewCourseSave(), "nc:save"),
    (buttons.NewCourseDiscard(), "nc:discard"),
    (buttons.EditCourseField("rule"), "ec:f:rule"),
    (buttons.EditCourseLanguage("fr"), "ec:lang:fr"),
    (buttons.EditCourseNoDescription(), "ec:desc:none"),
    (buttons.EditCourseAllSessions(), "ec:rule:all"),
    (buttons.EditCourseAtLeast(12), "ec:rule:12"),
    (buttons.EditCourseAnswer("yes"), "ec:yn:yes"),
    (buttons.ConfirmCourseChange("urban-floods"), "ec:yes:urban-floods"),
    (buttons.KeepCourseAsItIs("urban-floods"), "ec:no:urban-floods"),
]

ZONES = sorted(zone for zone in available_timezones() if "/" in zone)
COUNTRIES = sorted(CountryDirectory().codes)
TOPICS = st.sampled_from(TOPIC_SLUGS)
# What each field may hold, from the rules of the things they name, not from the parser.
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "event_id": st.integers(0, SQLITE_MAX),
    "user_id": st.integers(0, SQLITE_MAX),
    "campaign_id": st.integers(0, SQLITE_MAX),
    "report_id": st.integers(0, SQLITE_MAX),
    "page": st.integers(0, 999_999),
    "rating": st.integers(1, 5),
    "code": st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True),
    "language": st.sampled_from(SUPPORTED_LANGUAGES),
    "zone": st.sampled_from(ZONES),
    "country": st.sampled_from(COUNTRIES),
    "kind": st.sampled_from(list(broadcast.AUDIENCES)),
    "token": st.from_regex(r"[0-9a-f]{16}", fullmatch=True),  # secrets.token_hex(8)
    "asked": st.integers(0, 9_999_999_999),
    "certificate_id": st.integers(0, SQLITE_MAX),
    "subject_id": st.integers(0, SQLITE_MAX),
    "count": st.integers(1, 10_000),  # "At least N sessions" of a course
}


def valid(kind: type[ButtonData]) -> st.SearchStrategy[ButtonData]:
    """Any button of `kind` the bot could send."""
    hints = get_type_hints(kind)
    values: dict[str, st.SearchStrategy[Any]] = {}
    for field in fields(kind):
        if field.name == "topic":
            values[field.name] = st.none() | TOPICS if kind in (EventList, EventCard) else TOPICS
        elif field.name in FIELDS:
            values[field.name] = FIELDS[field.name]
        else:  # a Literal of fixed words
            values[field.name] = st.sampled_from(get_args(hints[field.name]))
    return st.builds(kind, **values)


def widest(kind: type[ButtonData]) -> ButtonData:
    """The button of `kind` with the longest data: the longest code, the largest numbers."""
    hints = get_type_hints(kind)
    longest = {
        "event_id": SQLITE_MAX,
        "user_id": SQLITE_MAX,
        "campaign_id": SQLITE_MAX,
        "report_id": SQLITE_MAX,
        "page": 999_999,
        "rating": 5,
        "code": LONGEST_CODE,
        "language": max(SUPPORTED_LANGUAGES, key=len),
        "zone": max(ZONES, key=len),
        "country": "ZZ",
        "kind": max(broadcast.AUDIENCES, key=len),
        "topic": TOPIC_SLUGS[-1],
        "token": "f" * 16,
        "asked": 9_999_999_999,
        "certificate_id": SQLITE_MAX,
        "subject_id": SQLITE_MAX,
        "count": 10_000,
    }
    values = {
        field.name: longest.get(field.name) or max(get_args(hints[field.name]), key=len)
        for field in fields(kind)
    }
    return kind(**values)


def test_the_wire_table_covers_every_kind_of_button() -> None:
    """Each kind of button has its data written out above, so none can drift unnoticed."""
    assert {type(button) for button, _ in WIRE} == set(kinds())


@pytest.mark.parametrize(("button", "data"), WIRE, ids=[data for _, data in WIRE])
def test_buttons_keep_their_wire_format(button: ButtonData, data: str) -> None:
    """Buttons pack to today's data, and today's data parses to the same button."""
    assert button.pack() == data
    assert parse_button(data) == button


@settings(max_examples=30, deadline=None)
@given(st.data())
@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.__name__)
def test_every_kind_round_trips(kind: type[ButtonData], data: st.DataObject) -> None:
    """Any button of any kind parses back to itself, as that same kind."""
    button = data.draw(valid(kind))
    packed = button.pack()
    assert parse_button(packed) == button
    assert type(parse_button(packed)) is kind


@pytest.mark.parametrize("kind", kinds(), ids=lambda kind: kind.__name__)
def test_every_kind_fits_telegrams_64_bytes(kind: type[ButtonData]) -> None:
    """With the longest event code allowed and the largest ids, data stays within 64 bytes."""
    assert CODE_PATTERN.match(LONGEST_CODE) and not CODE_PATTERN.match(LONGEST_CODE + "x")
    packed = widest(kind).pack()
    assert len(packed.encode()) <= 64, packed
    assert parse_button(packed) == widest(kind)


def test_the_fixed_words_match_what_the_handlers_offer() -> None:
    """The audiences, profile fields and event fields buttons may carry are those with labels."""
    assert tuple(broadcast.AUDIENCES) == AUDIENCE_KINDS
    assert tuple(profile.LABELS) == get_args(ProfileField)
    assert tuple(event_admin.FIELDS) == get_args(EventField)
    assert tuple(course_edit.FIELDS) == get_args(buttons.CourseField)


def test_button_data_is_written_and_read_only_in_the_buttons_module() -> None:
    """No other handler module formats, splits or imports prefixes of button data."""
    by_hand = re.compile(r"PREFIX|campaign_texts|split\(\":\"|callback_data|pattern=")
    handlers = Path(__file__).resolve().parent.parent / "handlers"
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(handlers.glob("*.py"))
        if path.name not in ("buttons.py", "ui.py", "presses.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if by_hand.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "data",
    [
        f"ci:{10**30}",
        f"ci:{2**63}",
        "ci:-1",
        "ci:007",
        "ci:١٢",
        "ci:",
        "ci:1:2",
        "fb:1:0",
        "fb:1:6",
        f"fb:1:{10**30}",
        "fb:1:-5",
        f"at:1:{10**30}:0",
        "at:1:p:-1",
        "at:1:p:1000000",
        f"bc:x:{10**30}",
        "ev:l:8:0",
        "ev:l:-:-1",
        "ev:c:a b:-:0",
        "ev:c:" + "a" * 41 + ":-:0",
        "ev:i:flood\n",
        "rg:r:fl/ood",
        "lang:de",
        "tz:../../etc/passwd",
        "pf:cc:ke",
        "pe:password",
        "ed:f:code",
        "bc:a:admins",
        "fm:maybe",
        "rg:n:",
        "nw:save:now",
        "xx:1",
        "",
        ":",
    ],
)
def test_forged_data_parses_as_nothing(data: str) -> None:
    """Overflowing, negative, non-ASCII or padded numbers, ratings out of range, codes with
    characters no code has, unknown words and extra parts are read as no button at all."""
    assert parse_button(data) is None


def test_the_largest_sqlite_integer_is_still_an_id() -> None:
    """2**63 - 1 is a valid id; one more is not."""
    assert parse_button(f"ci:{SQLITE_MAX}") == CheckInHere(SQLITE_MAX)
    assert parse_button(f"ci:{SQLITE_MAX + 1}") is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: CheckInHere(-1),
        lambda: CheckInHere(10**30),
        lambda: Rate(1, 6),
        lambda: EventCard("a:b", None, 0),
        lambda: EventCard("a", "no-such-topic", 0),
        lambda: ChooseLanguage("de"),
        lambda: ProfileStep("delete"),  # type: ignore[arg-type]
    ],
)
def test_a_button_that_could_not_travel_is_refused_when_made(make: Any) -> None:
    """Values no button may carry fail at once, where the bug is, not when pressed."""
    with pytest.raises(ValueError, match="cannot carry"):
        make()


NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30),
    st.sampled_from([10**30, -(10**30), 2**63, 2**63 - 1, -1, 0]),
).map(str)
WORDS = st.sampled_from(["p", "none", "yes", "no", "-", "save", "f", "tz", "cc", "x", "l", "c"])
# The first words of real data ("ev", "ev:c", "ev:c:flood-101"...), to put random parts after.
HEADS = st.sampled_from(
    sorted({":".join(data.split(":")[:n]) for _, data in WIRE for n in range(1, 4)})
)
FORGED = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda head, parts: ":".join([head, *parts]),
        HEADS,
        st.lists(NUMBERS | WORDS | st.text(max_size=6), max_size=4),
    ),
)


@settings(max_examples=500, deadline=None)
@given(FORGED)
def test_parsing_never_raises_and_accepts_only_what_it_would_write(data: str) -> None:
    """Random text and real prefixes with random parts: parsing returns None, or a button
    whose own data is exactly what was read (nothing looser is accepted)."""
    button = parse_button(data)
    assert button is None or button.pack() == data


def within_64_bytes(data: str) -> str:
    return data.encode()[:64].decode(errors="ignore")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(FORGED.map(within_64_bytes))
async def test_forged_presses_get_the_old_button_answer(
    organizer: ChatDriver, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    """An organizer (who reaches the most handlers) presses forged data: whatever does not
    parse gets only "no longer active", and nothing raises."""
    await organizer.settle(language="en")  # an earlier example may have pressed lang:ru
    if not organizer.messages():
        await organizer.send("/help")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        calls = await organizer.press(data, message_id=1)
    assert not caplog.records, caplog.records[0].getMessage()
    assert "answerCallbackQuery" in [call.method for call in calls]
    if parse_button(data) is None:
        assert [call.method for call in calls] == ["answerCallbackQuery"]
        assert texts(calls) == [STALE]
