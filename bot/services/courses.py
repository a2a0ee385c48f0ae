"""Courses: sessions grouped under a code, and who completed them.

Completion is read from attendance as it stands (check-ins, reports, marks by hand), never
stored: undoing a report or unmarking someone changes who completed a course at once. Only a
certificate, once issued, is a record of its own (see `bot.db.certificates`).
"""

from __future__ import annotations

from bot.db import Database, UnitOfWork
from bot.models import Course, CourseProgress, Event


def course_progress(uow: UnitOfWork, course_id: int, user_id: int) -> CourseProgress | None:
    course = uow.courses.by_id(course_id)
    if course is None:
        return None
    sessions = [uow.events.by_id(event_id) for event_id in uow.courses.session_ids(course_id)]
    return CourseProgress(
        course,
        tuple(event for event in sessions if event is not None),
        frozenset(uow.courses.attended(course_id, user_id)),
    )


class CourseService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_code(self, code: str) -> Course | None:
        """The course of `code`, in any case: what a new event's code must not be either."""
        return await self._db.read(lambda uow: uow.courses.by_code(code))

    async def progress(self, course_id: int, user_id: int) -> CourseProgress | None:
        """Where `user_id` stands in the course: its sessions and those they attended."""
        return await self._db.read(lambda uow: course_progress(uow, course_id, user_id))

    async def completers(self, course_id: int) -> list[int]:
        """Everyone who attended enough of the course's sessions, in user id order."""

        def read(uow: UnitOfWork) -> list[int]:
            course = uow.courses.by_id(course_id)
            if course is None:
                return []
            required = course.required_of(len(uow.courses.session_ids(course_id)))
            if required == 0:
                return []
            counts = uow.courses.attendance_counts(course_id)
            return sorted(user for user, count in counts.items() if count >= required)

        return await self._db.read(read)

    async def sessions(self, course_id: int) -> list[Event]:
        def read(uow: UnitOfWork) -> list[Event]:
            found = (uow.events.by_id(i) for i in uow.courses.session_ids(course_id))
            return [event for event in found if event is not None]

        return await self._db.read(read)
