"""Certificates: who has earned one, and issuing them.

A course's certificate goes to those who completed it (see `courses`); a single event's, when
it has certificates, to those marked present. Issuing records what the paper says (the name as
confirmed or given, the dates, the sessions and hours attended) under a new verification code;
a person never holds two standing certificates for the same course or event.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.db import Database, UnitOfWork, to_db
from bot.models import CampaignKind, Certificate, Course, Event
from bot.services.certificate_codes import new_code
from bot.services.courses import course_progress
from bot.services.exports import TextSink, safe_cell

CODE_TRIES = 5  # a new code clashing with one issued: 40 random bits make one retry rare
# How far back the catch-up looks for sessions whose certificates were not awarded yet.
CATCH_UP = timedelta(days=30)


@dataclass(frozen=True)
class Subject:
    """What a certificate is for: a course, or a single event."""

    course: Course | None = None
    event: Event | None = None

    @property
    def code(self) -> str:
        return self.course.code if self.course else self.event.code if self.event else ""

    def title_in(self, language: str) -> str:
        if self.course is not None:
            return self.course.title_in(language)
        assert self.event is not None
        return self.event.title_in(language)

    @property
    def gives_certificates(self) -> bool:
        """Whether its certificates are on (the programme file's `certificate`)."""
        if self.course is not None:
            return self.course.certificate
        return self.event is not None and self.event.certificate

    @property
    def ids(self) -> tuple[int | None, int | None]:
        """(course_id, event_id), one of them None."""
        if self.course is not None:
            return self.course.course_id, None
        assert self.event is not None
        return None, self.event.event_id


def _subject(uow: UnitOfWork, code: str) -> Subject | None:
    course = uow.courses.by_code(code)
    if course is not None:
        return Subject(course=course)
    listing = uow.events.listing_typed(code)
    return Subject(event=listing.event) if listing is not None else None


def _earned(
    uow: UnitOfWork, subject: Subject, user_id: int, now: datetime, by_hand: bool = False
) -> Certificate | None:
    """The certificate `user_id` has earned, as it would be printed now; None if not earned.
    A session counts once it is over (a check-in at the start of the last session completes
    a course when that session ends). `by_hand`: an organizer issues it whatever attendance
    says, and it certifies every session of the course held so far."""
    user = uow.users.get(user_id)
    if user is None:
        return None
    course_id, event_id = subject.ids
    if course_id is not None:
        progress = course_progress(uow, course_id, user_id)
        if progress is None:
            return None
        # What the paper says is what has happened: the sessions held so far (a course
        # completed at its third session of four does not print the fourth's date).
        held = [event for event in progress.sessions if event.ends_at <= now]
        attended = [event for event in held if event.event_id in progress.attended]
        if by_hand:  # the organizer vouches for every session held
            held = held or list(progress.sessions[:1])
            attended = held
        elif len(attended) < progress.required or progress.required == 0:
            return None
    else:
        assert subject.event is not None
        held = [subject.event]
        present = uow.attendance.attended(subject.event.event_id, user_id)
        attended = held if by_hand or (present and subject.event.ends_at <= now) else []
        if not attended:
            return None
    return Certificate(
        certificate_id=0,
        code="",
        user_id=user_id,
        course_id=course_id,
        event_id=event_id,
        holder_name=printed_name(user.printed_name),
        first_day=min(event.starts_at for event in held),
        last_day=max(event.ends_at for event in held),
        minutes=sum(event.duration_minutes for event in attended),
        sessions=len(attended),
        issued_at=now,
    )


def printed_name(name: str) -> str:
    """A name as a certificate prints it, and as it is recorded and verified: compatibility
    forms folded (full-width "ＤＭＩＴＲＩＹ" is "DMITRIY"), symbols and emoji left out,
    spaces single; so the paper, the check and the holders' list say the same."""
    folded = unicodedata.normalize("NFKC", name)
    kept = "".join(ch for ch in folded if unicodedata.category(ch) not in _NOT_PRINTED)
    return " ".join(kept.split())


_NOT_PRINTED = frozenset({"So", "Sk", "Cs", "Co", "Cn"})  # emoji and symbols, unassigned


def _subject_of_event(uow: UnitOfWork, event: Event) -> Subject | None:
    """What attending `event` counts towards for a certificate given by the rule: its course
    when that gives one, else the event itself when it does; None otherwise."""
    if event.course_id is not None:
        course = uow.courses.by_id(event.course_id)
        return Subject(course=course) if course is not None and course.certificate else None
    return Subject(event=event) if event.certificate else None


def _pending(uow: UnitOfWork, subject: Subject, now: datetime) -> list[int]:
    course_id, event_id = subject.ids
    if subject.course is not None and course_id is not None:
        # Only those who attended enough sessions (ended or not) can have completed it: the
        # rest are not read one by one (a mark by hand must not walk a thousand people).
        course = uow.courses.by_id(course_id) or subject.course  # its rule as it is now
        required = course.required_of(len(uow.courses.session_ids(course_id)))
        counts = uow.courses.attendance_counts(course_id)
        candidates = sorted(user for user, count in counts.items() if count >= max(required, 1))
    else:
        assert event_id is not None
        candidates = uow.attendance.attendees(event_id)
    # A revoked certificate is an organizer's decision: the rule does not undo it (only an
    # organizer issuing one by hand does).
    holders = uow.certificates.holders(course_id, event_id, revoked=True)
    return [
        user_id
        for user_id in candidates
        if user_id not in holders and _earned(uow, subject, user_id, now) is not None
    ]


def _queue(uow: UnitOfWork, subject: Subject, issued: list[Certificate], now: datetime) -> None:
    """Each new holder's certificate, sent through the outbox (in the issuing unit of work:
    a certificate recorded is a certificate on its way)."""
    if not issued:
        return
    course_id, event_id = subject.ids
    uow.outbox.enqueue_each(
        CampaignKind.CERTIFICATE,
        f"certificate:{issued[0].code}",
        [paper.user_id for paper in issued if paper.user_id is not None],
        {"course_id": course_id, "event_id": event_id},
        now,
        event_id=event_id,
        created_by=issued[0].issued_by,
    )


def _issue(
    uow: UnitOfWork,
    subject: Subject,
    user_ids: list[int],
    now: datetime,
    issued_by: int | None = None,
    reason: str = "",
) -> list[Certificate]:
    issued: list[Certificate] = []
    for user_id in user_ids:
        earned = _earned(uow, subject, user_id, now, by_hand=bool(reason))
        if earned is None:
            continue
        for _ in range(CODE_TRIES):
            paper = replace(earned, code=new_code(), issued_by=issued_by, reason=reason)
            if uow.certificates.by_code(paper.code) is not None:
                continue  # a clash with a code issued before: draw another
            certificate_id = uow.certificates.issue(paper)
            if certificate_id is not None:  # None: they got one meanwhile
                issued.append(replace(paper, certificate_id=certificate_id))
            break
    return issued


class CertificateService:
    def __init__(self, db: Database, clock: Clock, wake: Callable[[], None]) -> None:
        self._db = db
        self._clock = clock
        self._wake = wake  # the delivery worker: certificates were queued

    async def subject(self, code: str) -> Subject | None:
        """The course, or else the event, of `code`."""
        return await self._db.read(lambda uow: _subject(uow, code))

    async def pending(self, subject: Subject) -> list[int]:
        """Who has earned the certificate and holds none standing yet."""
        now = self._clock.now()
        return await self._db.read(lambda uow: _pending(uow, subject, now))

    async def issue(
        self,
        subject: Subject,
        user_ids: list[int],
        issued_by: int | None = None,
        reason: str = "",
        *,
        send: bool = False,
    ) -> list[Certificate]:
        """Issue the certificates of those who earned them (others are left out; so is a
        person who got one meanwhile), each under a new code; the ones issued. With a
        `reason`, an organizer issues them by hand, whatever attendance says (recorded in the
        audit log). `send`: each goes to its holder through the outbox."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Certificate]:
            issued = _issue(uow, subject, user_ids, now, issued_by, reason)
            if issued_by is not None:
                for paper in issued:
                    detail = f"{subject.code} {paper.user_id} {paper.code} {reason}".strip()
                    uow.audit.record(issued_by, "certificate-issue", detail, now)
            if send:
                _queue(uow, subject, issued, now)
            return issued

        issued = await self._db.write(work, heavy=len(user_ids) > 100)
        if send and issued:
            self._wake()
        return issued

    async def award(self, event: Event) -> int:
        """Issue and send the certificates that attending `event` completed (its end came, or
        someone was marked present after it); how many. Idempotent."""
        now = self._clock.now()

        def due(uow: UnitOfWork) -> tuple[Subject, list[int]] | None:
            fresh = uow.events.by_id(event.event_id)
            subject = _subject_of_event(uow, fresh) if fresh is not None else None
            return (subject, _pending(uow, subject, now)) if subject is not None else None

        def work(uow: UnitOfWork) -> int:
            found = due(uow)  # again, in the writing unit: a mark may have been undone since
            if found is None:
                return 0
            subject, pending = found
            issued = _issue(uow, subject, pending, now)
            _queue(uow, subject, issued, now)
            return len(issued)

        # Read first: the catch-up looks at every recent session, and most have nothing due.
        found = await self._db.read(due)
        if found is None or not found[1]:
            return 0
        awarded = await self._db.write(work, heavy=True)
        if awarded:
            self._wake()
        return awarded

    async def award_ended(self, event_id: int) -> int:
        """`award` at the end of a session (its id: it may have changed since planned)."""
        event = await self._db.read(lambda uow: uow.events.by_id(event_id))
        if event is None or event.is_cancelled or event.ends_at > self._clock.now():
            return 0
        return await self.award(event)

    async def award_recent(self, since: timedelta = CATCH_UP) -> int:
        """`award` for every session that ended within `since`: what a restart, a crash
        between a mark and its award, or a report imported on the command line left."""
        now = self._clock.now()
        ended = await self._db.read(lambda uow: uow.events.ended_between(now - since, now))
        awarded = 0
        for event in ended:
            awarded += await self.award(event)
        return awarded

    async def send_again(self, certificate: Certificate) -> bool:
        """Queue a holder's certificate once more (an organizer's re-send); False when it no
        longer stands or has no holder."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> bool:
            fresh = uow.certificates.by_id(certificate.certificate_id)
            if fresh is None or not fresh.valid or fresh.user_id is None:
                return False
            uow.outbox.enqueue_each(
                CampaignKind.CERTIFICATE,
                f"certificate:{fresh.code}:again:{to_db(now)}",
                [fresh.user_id],
                {"course_id": fresh.course_id, "event_id": fresh.event_id, "again": True},
                now,
                event_id=fresh.event_id,
            )
            return True

        queued = await self._db.write(work)
        if queued:
            self._wake()
        return queued

    async def revoke(self, certificate: Certificate, admin_id: int) -> bool:
        now = self._clock.now()

        def work(uow: UnitOfWork) -> bool:
            revoked = uow.certificates.revoke(certificate.code, admin_id, now)
            if revoked:
                uow.audit.record(admin_id, "certificate-revoke", certificate.code, now)
            return revoked

        return await self._db.write(work)

    async def held(
        self, user_id: int, *, revoked: bool = False
    ) -> list[tuple[Certificate, Subject | None]]:
        """A person's standing certificates (`revoked`: those revoked instead), each with
        what it is for, oldest first."""

        def read(uow: UnitOfWork) -> list[tuple[Certificate, Subject | None]]:
            return [
                (paper, _subject_of_certificate(uow, paper))
                for paper in uow.certificates.of_user(user_id)
                if (paper.revoked_at is not None if revoked else paper.valid)
            ]

        return await self._db.read(read)

    async def of_holder(
        self, user_id: int, certificate_id: int
    ) -> tuple[Certificate, Subject] | None:
        """One of the person's standing certificates (a button may be old or forged)."""

        def read(uow: UnitOfWork) -> tuple[Certificate, Subject] | None:
            paper = uow.certificates.by_id(certificate_id)
            if paper is None or paper.user_id != user_id or not paper.valid:
                return None
            subject = _subject_of_certificate(uow, paper)
            return (paper, subject) if subject is not None else None

        return await self._db.read(read)

    async def by_id(self, certificate_id: int) -> tuple[Certificate, Subject | None] | None:
        def read(uow: UnitOfWork) -> tuple[Certificate, Subject | None] | None:
            paper = uow.certificates.by_id(certificate_id)
            return (paper, _subject_of_certificate(uow, paper)) if paper else None

        return await self._db.read(read)

    async def found(self, code: str) -> tuple[Certificate, Subject | None] | None:
        """The certificate of `code` with what it is for (an organizer's look-up)."""

        def read(uow: UnitOfWork) -> tuple[Certificate, Subject | None] | None:
            paper = uow.certificates.by_code(code)
            return (paper, _subject_of_certificate(uow, paper)) if paper else None

        return await self._db.read(read)

    async def confirm_name(self, user_id: int, name: str) -> str:
        """The holder confirmed (or corrected) how their name is printed: kept for the
        certificates to come, and printed on those they hold."""

        name = printed_name(name)

        def work(uow: UnitOfWork) -> None:
            uow.users.set_certificate_name(user_id, name)
            uow.certificates.rename_standing(user_id, name)

        await self._db.write(work)
        return name

    async def subject_by_id(self, course_id: int | None, event_id: int | None) -> Subject | None:
        def read(uow: UnitOfWork) -> Subject | None:
            if course_id is not None:
                course = uow.courses.by_id(course_id)
                return Subject(course=course) if course else None
            event = uow.events.by_id(event_id) if event_id is not None else None
            return Subject(event=event) if event else None

        return await self._db.read(read)

    async def overview(self, subject: Subject) -> Overview:
        """Where a course's or event's certificates stand, for its organizer."""
        now = self._clock.now()
        course_id, event_id = subject.ids

        def read(uow: UnitOfWork) -> Overview:
            papers = uow.certificates.every_of_subject(course_id, event_id)
            if course_id is not None:
                sessions = [
                    event
                    for event in map(uow.events.by_id, uow.courses.session_ids(course_id))
                    if event is not None and not event.is_cancelled
                ]
            else:
                sessions = [subject.event] if subject.event is not None else []
            return Overview(
                subject,
                sessions,
                standing=[paper for paper in papers if paper.valid],
                revoked=sum(1 for paper in papers if paper.revoked_at is not None),
                pending=len(_pending(uow, subject, now)),
                by_rule=subject.gives_certificates,
            )

        return await self._db.read(read)

    async def write_holders(self, subject: Subject, out: TextSink) -> int:
        """Every certificate of the course or event as CSV (revoked and withdrawn ones too,
        saying so), for a spreadsheet: how many rows."""
        course_id, event_id = subject.ids
        papers = await self._db.read(
            lambda uow: uow.certificates.every_of_subject(course_id, event_id)
        )
        writer = csv.writer(out)
        out.write("\ufeff")  # Excel reads the file as UTF-8 only with it
        writer.writerow(HOLDER_COLUMNS)
        for paper in papers:
            status = (
                "withdrawn" if paper.withdrawn_at else "revoked" if paper.revoked_at else "valid"
            )
            writer.writerow(
                [
                    paper.code,
                    safe_cell(paper.holder_name),
                    paper.user_id or "",
                    _iso(paper.issued_at),
                    "rule" if paper.issued_by is None else paper.issued_by,
                    safe_cell(paper.reason),
                    paper.sessions,
                    paper.minutes,
                    status,
                    _iso(paper.revoked_at) if paper.revoked_at else "",
                ]
            )
        return len(papers)

    async def verify(self, code: str) -> Verification | None:
        """The certificate of `code` (as printed), for anyone who checks it."""
        return await self._db.read(lambda uow: _verification(uow, code))

    async def bot_username(self) -> str | None:
        return await self._db.read(lambda uow: uow.certificates.bot_username())

    async def standing(self, subject: Subject) -> list[Certificate]:
        course_id, event_id = subject.ids
        return await self._db.read(lambda uow: uow.certificates.of_subject(course_id, event_id))


HOLDER_COLUMNS = (
    "code",
    "name",
    "user_id",
    "issued_at",
    "issued_by",
    "reason",
    "sessions",
    "minutes",
    "status",
    "revoked_at",
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Overview:
    subject: Subject
    sessions: list[Event]  # those that take place
    standing: list[Certificate]
    revoked: int
    pending: int  # earned, not issued yet
    by_rule: bool  # issued by the completion rule, without an organizer's action


@dataclass(frozen=True)
class Verification:
    """What checking a certificate's code finds: the certificate as issued and what it is
    for (None when the course or event is gone)."""

    certificate: Certificate
    subject: Subject | None


def _subject_of_certificate(uow: UnitOfWork, certificate: Certificate) -> Subject | None:
    """What a certificate is for (None when that course or event is gone)."""
    if certificate.course_id is not None:
        course = uow.courses.by_id(certificate.course_id)
        return Subject(course=course) if course else None
    if certificate.event_id is not None:
        event = uow.events.by_id(certificate.event_id)
        return Subject(event=event) if event else None
    return None


def standing_certificate(
    uow: UnitOfWork, user_id: int, payload: dict[str, object]
) -> tuple[Certificate | None, Subject | None]:
    """A certificate message's certificate: the recipient's standing one for the campaign's
    course or event (`payload`), with what it is for; (None, None) when none stands."""
    course_id, event_id = payload.get("course_id"), payload.get("event_id")
    if not isinstance(course_id, int | None) or not isinstance(event_id, int | None):
        return None, None
    paper = uow.certificates.standing(user_id, course_id, event_id)
    if paper is None or not paper.valid:
        return None, None
    return paper, _subject_of_certificate(uow, paper)


def _verification(uow: UnitOfWork, code: str) -> Verification | None:
    certificate = uow.certificates.by_code(code)
    if certificate is None:
        return None
    return Verification(certificate, _subject_of_certificate(uow, certificate))
