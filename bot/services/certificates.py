"""Certificates: who has earned one, and issuing them.

A course's certificate goes to those who completed it (see `courses`); a single event's, when
it has certificates, to those marked present. Issuing records what the paper says (the name as
confirmed or given, the dates, the sessions and hours attended) under a new verification code;
a person never holds two standing certificates for the same course or event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.models import Certificate, Course, Event
from bot.services.certificate_codes import new_code
from bot.services.courses import course_progress

CODE_TRIES = 5  # a new code clashing with one issued: 40 random bits make one retry rare


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


def _earned(uow: UnitOfWork, subject: Subject, user_id: int, now: datetime) -> Certificate | None:
    """The certificate `user_id` has earned, as it would be printed now; None if not earned."""
    user = uow.users.get(user_id)
    if user is None:
        return None
    course_id, event_id = subject.ids
    if course_id is not None:
        progress = course_progress(uow, course_id, user_id)
        if progress is None or not progress.completed:
            return None
        held = list(progress.sessions)
        attended = [event for event in held if event.event_id in progress.attended]
    else:
        assert subject.event is not None
        held = [subject.event]
        attended = held if uow.attendance.attended(subject.event.event_id, user_id) else []
        if not attended:
            return None
    return Certificate(
        certificate_id=0,
        code="",
        user_id=user_id,
        course_id=course_id,
        event_id=event_id,
        holder_name=user.printed_name,
        first_day=min(event.starts_at for event in held),
        last_day=max(event.ends_at for event in held),
        minutes=sum(event.duration_minutes for event in attended),
        sessions=len(attended),
        issued_at=now,
    )


class CertificateService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def subject(self, code: str) -> Subject | None:
        """The course, or else the event, of `code`."""
        return await self._db.read(lambda uow: _subject(uow, code))

    async def pending(self, subject: Subject) -> list[int]:
        """Who has earned the certificate and holds none standing yet."""

        def read(uow: UnitOfWork) -> list[int]:
            course_id, event_id = subject.ids
            if course_id is not None:
                candidates = sorted(uow.courses.attendance_counts(course_id))
            else:
                assert event_id is not None
                candidates = uow.attendance.attendees(event_id)
            holders = uow.certificates.holders(course_id, event_id)
            now = self._clock.now()
            return [
                user_id
                for user_id in candidates
                if user_id not in holders and _earned(uow, subject, user_id, now) is not None
            ]

        return await self._db.read(read)

    async def issue(
        self, subject: Subject, user_ids: list[int], issued_by: int | None = None, reason: str = ""
    ) -> list[Certificate]:
        """Issue the certificates of those who earned them (others are left out; so is a
        person who got one meanwhile), each under a new code; the ones issued."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> list[Certificate]:
            issued: list[Certificate] = []
            for user_id in user_ids:
                earned = _earned(uow, subject, user_id, now)
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

        return await self._db.write(work)

    async def verify(self, code: str) -> Verification | None:
        """The certificate of `code` (as printed), for anyone who checks it."""
        return await self._db.read(lambda uow: _verification(uow, code))

    async def bot_username(self) -> str | None:
        return await self._db.read(lambda uow: uow.certificates.bot_username())

    async def standing(self, subject: Subject) -> list[Certificate]:
        course_id, event_id = subject.ids
        return await self._db.read(lambda uow: uow.certificates.of_subject(course_id, event_id))


@dataclass(frozen=True)
class Verification:
    """What checking a certificate's code finds: the certificate as issued and what it is
    for (None when the course or event is gone)."""

    certificate: Certificate
    subject: Subject | None


def _verification(uow: UnitOfWork, code: str) -> Verification | None:
    certificate = uow.certificates.by_code(code)
    if certificate is None:
        return None
    subject: Subject | None = None
    if certificate.course_id is not None:
        course = uow.courses.by_id(certificate.course_id)
        subject = Subject(course=course) if course else None
    elif certificate.event_id is not None:
        event = uow.events.by_id(certificate.event_id)
        subject = Subject(event=event) if event else None
    return Verification(certificate, subject)
