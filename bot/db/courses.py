"""Courses, the sessions that make them up, and who attended how many of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.db.repository import Repository, Row
from bot.db.times import to_db
from bot.models import Course, EventText


def _course(row: Row, texts: dict[str, EventText]) -> Course:
    return Course(
        course_id=row["course_id"],
        code=row["code"],
        title=row["title"],
        description=row["description"],
        texts=texts,
        required_sessions=row["required_sessions"],
        single_sessions=bool(row["single_sessions"]),
        certificate=bool(row["certificate"]),
    )


class CourseRepository(Repository):
    def by_code(self, code: str) -> Course | None:
        """The course of `code`, as typed in any case ("URBAN-FLOODS" is "urban-floods")."""
        row = self._one("SELECT * FROM courses WHERE lower(code) = lower(?)", (code,))
        return self._with_texts(row)

    def by_id(self, course_id: int) -> Course | None:
        return self._with_texts(
            self._one("SELECT * FROM courses WHERE course_id = ?", (course_id,))
        )

    def _with_texts(self, row: Row | None) -> Course | None:
        if row is None:
            return None
        texts = {
            text["language"]: EventText(text["title"], text["description"])
            for text in self._all(
                "SELECT language, title, description FROM course_texts WHERE course_id = ?",
                (row["course_id"],),
            )
        }
        return _course(row, texts)

    def save(self, course: Course, now: datetime) -> int:
        """Add the course, or update the one of its code; its id."""
        stamp = to_db(now)
        self._run(
            """
            INSERT INTO courses (code, title, description, required_sessions, single_sessions,
                                 certificate, created_at, updated_at)
            VALUES (:code, :title, :description, :required, :single, :certificate, :now, :now)
            ON CONFLICT (code) DO UPDATE SET title = excluded.title,
                description = excluded.description,
                required_sessions = excluded.required_sessions,
                single_sessions = excluded.single_sessions,
                certificate = excluded.certificate, updated_at = excluded.updated_at
            """,
            {
                "code": course.code,
                "title": course.title,
                "description": course.description,
                "required": course.required_sessions,
                "single": int(course.single_sessions),
                "certificate": int(course.certificate),
                "now": stamp,
            },
        )
        row = self._one("SELECT course_id FROM courses WHERE code = ?", (course.code,))
        assert row is not None
        course_id: int = row[0]
        self._run("DELETE FROM course_texts WHERE course_id = ?", (course_id,))
        self._run_many(
            "INSERT INTO course_texts (course_id, language, title, description)"
            " VALUES (?, ?, ?, ?)",
            [(course_id, lang, t.title, t.description) for lang, t in course.texts.items()],
        )
        return course_id

    def attach(self, event_id: int, course_id: int | None) -> None:
        """Make the event a session of the course (None: of no course)."""
        self._run("UPDATE events SET course_id = ? WHERE event_id = ?", (course_id, event_id))

    def session_ids(self, course_id: int) -> list[int]:
        """The course's sessions that take place (cancelled ones left out), soonest first."""
        rows = self._all(
            """
            SELECT event_id FROM events
            WHERE course_id = ? AND status = 'scheduled' ORDER BY starts_at, event_id
            """,
            (course_id,),
        )
        return [row[0] for row in rows]

    def attended(self, course_id: int, user_id: int) -> set[int]:
        """The course's sessions (not cancelled) where `user_id` is marked present."""
        rows = self._all(
            """
            SELECT a.event_id FROM attendance a JOIN events e ON e.event_id = a.event_id
            WHERE e.course_id = ? AND e.status = 'scheduled' AND a.user_id = ?
            """,
            (course_id, user_id),
        )
        return {row[0] for row in rows}

    def attendance_counts(self, course_id: int) -> dict[int, int]:
        """How many of the course's sessions (not cancelled) each person attended: one query
        for a course of thousands of participants."""
        rows = self._all(
            """
            SELECT a.user_id, COUNT(*) FROM attendance a JOIN events e ON e.event_id = a.event_id
            WHERE e.course_id = ? AND e.status = 'scheduled' GROUP BY a.user_id
            """,
            (course_id,),
        )
        return {row[0]: row[1] for row in rows}

    def codes(self) -> list[str]:
        """Every course's code: what an event's code must not be (in any case)."""
        return [str(row[0]) for row in self._all("SELECT code FROM courses ORDER BY code")]

    def codes_like(self, base: str) -> set[str]:
        """The course codes, in lower case, that are `base` or begin with `base-`: what a
        code proposed for a new event from `base` must not be either."""
        rows = self._all(
            "SELECT lower(code) FROM courses WHERE lower(code) = :base"
            " OR substr(lower(code), 1, :length) = :prefix",
            {"base": base.lower(), "prefix": f"{base.lower()}-", "length": len(base) + 1},
        )
        return {str(row[0]) for row in rows}

    def set_event_certificate(self, event_id: int, certificate: bool) -> None:
        """Whether the event gives a certificate of attendance of its own (a single event)."""
        self._run(
            "UPDATE events SET certificate = ? WHERE event_id = ?", (int(certificate), event_id)
        )

    def code_taken_by_event(self, code: str) -> bool:
        """Whether an event has this code: course and event codes share deep links."""
        return self._one("SELECT 1 FROM events WHERE lower(code) = lower(?)", (code,)) is not None

    def registered(self, event_ids: Sequence[int]) -> int:
        """How many people have a place (a seat or the waitlist) in any of these sessions."""
        if not event_ids:
            return 0
        marks = ",".join("?" * len(event_ids))
        row = self._one(
            "SELECT COUNT(DISTINCT user_id) FROM registrations"
            f" WHERE event_id IN ({marks}) AND status IN ('confirmed', 'waitlisted')",
            tuple(event_ids),
        )
        return int(row[0]) if row else 0

    def attendance_counts_in(self, event_ids: Sequence[int]) -> dict[int, int]:
        """How many of these sessions each person attended: what completion would count if
        they were a course's sessions (a change asked about before it is made)."""
        if not event_ids:
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = self._all(
            "SELECT user_id, COUNT(*) FROM attendance"
            f" WHERE event_id IN ({marks}) GROUP BY user_id",
            tuple(event_ids),
        )
        return {row[0]: row[1] for row in rows}
