"""Courses: completion read from attendance however it was recorded, and the certificates'
records. Real SQLite; attendance through the bot's own paths (a check-in, a report as a
spreadsheet tool saves it, a mark by hand); what is stored checked with plain SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.db import UnitOfWork
from bot.models import Certificate, Contact, Course, Event, EventText, Profile
from bot.services.certificate_codes import (
    ALPHABET,
    code_of_parameter,
    new_code,
    read_code,
    verify_parameter,
)
from bot.services.container import Services
from bot.services.courses import CourseService
from tests.conftest import START
from tests.programme_files import programme, row
from tests.store import Store

FIRST = START + timedelta(days=1)  # four weekly sessions from here
ORGANIZER = 5001
PEOPLE = {  # user id: (name, email)
    7001: ("Amina Diallo", "amina.diallo@dakar.sn"),
    7002: ("José Núñez", "jose.nunez@quito.gob.ec"),
    7003: ("Олег Петров", "oleg.petrov@spb.ru"),
}
CODES = [f"flood-{n}" for n in range(1, 5)]


async def events_of_course(db: Store) -> list[Event]:
    found = await db.read(lambda u: u.events.by_codes(CODES))
    return [found[code] for code in CODES]


async def course_of_four(services: Services, db: Store, required: int | None) -> int:
    await services.programme.import_now(
        programme([row(code, FIRST + timedelta(weeks=n)) for n, code in enumerate(CODES)]),
        None,
    )
    course = Course(
        0,
        "urban-floods",
        "Urban floods",
        "Four sessions.",
        {"fr": EventText("Inondations urbaines")},
        required_sessions=required,
    )
    course_id = await db.write(lambda u: u.courses.save(course, START))
    event_ids = [event.event_id for event in await events_of_course(db)]

    def attach(uow: UnitOfWork) -> None:
        for event_id in event_ids:
            uow.courses.attach(event_id, course_id)

    await db.write(attach)
    for user_id, (name, email) in PEOPLE.items():
        await services.users.touch(Contact(user_id, name))
        await services.profiles.save(user_id, Profile(name, "KE", "Nairobi", email=email), "UTC")
        for code in CODES:
            await services.registrations.sign_up(user_id, code)
    return course_id


async def attend_every_way(services: Services, db: Store, clock: FrozenClock) -> None:
    """Session 1: Amina checks in, José and Oleg are marked by hand. Session 2: a report
    (a sheet with Email and Name, as people keep one) has Amina and José. Session 3: Amina
    checks in. Session 4: nobody."""
    first, second, third, _ = await events_of_course(db)
    clock.set(first.starts_at + timedelta(minutes=5))
    assert (await services.attendance.check_in(7001, first.event_id, "button")).event
    for user_id in (7002, 7003):
        assert await services.attendance.mark(first, user_id, True, ORGANIZER)
    clock.set(second.ends_at + timedelta(hours=1))
    report = "\ufeffEmail;Name;;\r\namina.diallo@dakar.sn;Amina Diallo;;\r\n"
    report += "Jose.Nunez@Quito.gob.ec;José Núñez;;\r\n"
    await services.attendance.import_report(second, report.encode("utf-8"), ORGANIZER)
    clock.set(third.starts_at + timedelta(minutes=1))
    await services.attendance.check_in(7001, third.event_id, "button")
    clock.set(third.ends_at + timedelta(weeks=2))


@pytest.mark.parametrize(
    ("required", "completed"),
    [(None, []), (3, [7001]), (2, [7001, 7002]), (1, [7001, 7002, 7003]), (9, [])],
)
async def test_completion_counts_every_kind_of_attendance(
    services: Services,
    db: Store,
    clock: FrozenClock,
    required: int | None,
    completed: list[int],
) -> None:
    """Amina attended 3 of 4 (check-in, report, check-in), José 2 (by hand, report), Oleg 1
    (by hand): "at least N of 4" completes for those who reach N; "all" for nobody; a rule
    of 9 asks for all four (it cannot ask more than there are)."""
    course_id = await course_of_four(services, db, required)
    await attend_every_way(services, db, clock)
    courses = CourseService(db.database)
    assert await courses.completers(course_id) == completed
    amina = await courses.progress(course_id, 7001)
    assert amina is not None
    assert (amina.attended_count, len(amina.sessions)) == (3, 4)
    assert amina.completed == (7001 in completed)
    assert amina.to_go == max(amina.required - 3, 0)
    # The same, read with plain SQL: attendance rows per person for the course's sessions.
    rows = await db.fetch_all(
        "SELECT a.user_id, COUNT(*) FROM attendance a JOIN events e USING (event_id)"
        " JOIN courses c ON c.course_id = e.course_id WHERE c.code = 'urban-floods'"
        " GROUP BY a.user_id ORDER BY a.user_id"
    )
    assert rows == [(7001, 3), (7002, 2), (7003, 1)]


async def test_a_cancelled_session_does_not_count_nor_block_completion(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """ "All sessions" with the fourth cancelled: three are all; Amina attended those three."""
    course_id = await course_of_four(services, db, None)
    fourth = await db.read(lambda u: u.events.by_code(CODES[3]))
    assert fourth is not None
    await services.events.cancel(fourth, ORGANIZER)
    await attend_every_way(services, db, clock)
    courses = CourseService(db.database)
    assert await courses.completers(course_id) == [7001]
    progress = await courses.progress(course_id, 7001)
    assert progress is not None and progress.required == 3 and progress.completed


async def test_undoing_a_report_undoes_a_completion(
    services: Services, db: Store, clock: FrozenClock
) -> None:
    """Completion is read from attendance as it stands: the report undone, José (2 of 4 with
    it) no longer completes "2 of 4"."""
    course_id = await course_of_four(services, db, 2)
    await attend_every_way(services, db, clock)
    courses = CourseService(db.database)
    assert 7002 in await courses.completers(course_id)
    second = await db.read(lambda u: u.events.by_code(CODES[1]))
    assert second is not None
    assert await services.attendance.undo_report(second, ORGANIZER) is not None
    assert 7002 not in await courses.completers(course_id)


def certificate(user_id: int, course_id: int, code: str | None = None) -> Certificate:
    return Certificate(
        0,
        code or new_code(),
        user_id,
        course_id,
        None,
        PEOPLE[user_id][0],
        FIRST,
        FIRST + timedelta(weeks=3, hours=1),
        180,
        3,
        datetime(2026, 12, 30, tzinfo=UTC),
    )


async def test_one_standing_certificate_each_and_revoked_ones_stay_revoked(
    services: Services, db: Store
) -> None:
    course_id = await course_of_four(services, db, 3)
    first = certificate(7001, course_id)
    assert await db.write(lambda u: u.certificates.issue(first))
    assert await db.write(lambda u: u.certificates.issue(certificate(7001, course_id))) is None
    later = datetime(2027, 1, 2, tzinfo=UTC)
    assert await db.write(lambda u: u.certificates.revoke(first.code, ORGANIZER, later))
    assert not await db.write(lambda u: u.certificates.revoke(first.code, ORGANIZER, later))
    second = certificate(7001, course_id)
    assert await db.write(lambda u: u.certificates.issue(second))  # a new paper, a new code
    stored = await db.fetch_all(
        "SELECT code, revoked_at IS NOT NULL FROM certificates ORDER BY certificate_id"
    )
    assert stored == [(first.code, 1), (second.code, 0)]
    found = await db.read(lambda u: u.certificates.by_code(first.code))
    assert found is not None and not found.valid and found.holder_name == "Amina Diallo"


async def test_forgetting_the_holder_withdraws_and_erases_the_name(
    services: Services, db: Store
) -> None:
    course_id = await course_of_four(services, db, 3)
    issued = certificate(7003, course_id)
    await db.write(lambda u: u.certificates.issue(issued))
    now = datetime(2027, 1, 5, tzinfo=UTC)
    assert await db.write(lambda u: u.certificates.withdraw_of_user(7003, now)) == 1
    assert await db.fetch_one(
        "SELECT holder_name, user_id, withdrawn_at IS NOT NULL FROM certificates WHERE code = ?",
        (issued.code,),
    ) == ("", None, 1)


def test_codes_are_random_readable_and_read_back_however_typed() -> None:
    codes = {new_code() for _ in range(2_000)}
    assert len(codes) == 2_000
    assert all(len(c) == 9 and c[4] == "-" and set(c) - {"-"} <= set(ALPHABET) for c in codes)
    assert read_code("7kq2-m9xd") == "7KQ2-M9XD"
    assert read_code(" 7KQ2 M9XD ") == "7KQ2-M9XD"
    assert read_code("７ＫＱ２－Ｍ９ＸＤ") == "7KQ2-M9XD"  # full-width, from a CJK keyboard
    assert read_code("7KQ2-M9XO") == "7KQ2-M9X0"  # O read as zero, I and L as one
    assert read_code("7KQ2-M9XU") is None  # U is not in the alphabet
    assert read_code("7KQ2") is None and read_code("") is None
    assert code_of_parameter(verify_parameter("7KQ2-M9XD")) == "7KQ2-M9XD"
    assert verify_parameter("7KQ2-M9XD") == "verify-7KQ2M9XD"  # what Telegram's links allow
    assert code_of_parameter("drr-flood") is None


async def test_forgetme_withdraws_the_certificates(services: Services, db: Store) -> None:
    """/forgetme's erasure (the service it calls) withdraws what verification would show."""
    course_id = await course_of_four(services, db, 3)
    issued = certificate(7002, course_id)
    await db.write(lambda u: u.certificates.issue(issued))
    await services.registrations.forget(7002)
    found = await db.read(lambda u: u.certificates.by_code(issued.code))
    assert found is not None and not found.valid and found.holder_name == ""
