"""Certificates issued, and their verification."""

from __future__ import annotations

from datetime import datetime

from bot.db.repository import Repository, Row
from bot.db.times import from_db, to_db
from bot.models import Certificate


def _optional(value: str | None) -> datetime | None:
    return from_db(value) if value is not None else None


def _certificate(row: Row) -> Certificate:
    return Certificate(
        certificate_id=row["certificate_id"],
        code=row["code"],
        user_id=row["user_id"],
        course_id=row["course_id"],
        event_id=row["event_id"],
        holder_name=row["holder_name"],
        first_day=from_db(row["first_day"]),
        last_day=from_db(row["last_day"]),
        minutes=row["minutes"],
        sessions=row["sessions"],
        issued_at=from_db(row["issued_at"]),
        issued_by=row["issued_by"],
        reason=row["reason"],
        revoked_at=_optional(row["revoked_at"]),
        withdrawn_at=_optional(row["withdrawn_at"]),
    )


class CertificateRepository(Repository):
    def issue(self, certificate: Certificate) -> int | None:
        """Store a new certificate; None when the person already holds one standing for the
        same course or event (a second issue of the same completion is not a new paper)."""
        row = self._one(
            """
            INSERT INTO certificates (code, user_id, course_id, event_id, holder_name,
                first_day, last_day, minutes, sessions, issued_at, issued_by, reason)
            VALUES (:code, :user_id, :course_id, :event_id, :holder_name, :first_day,
                :last_day, :minutes, :sessions, :issued_at, :issued_by, :reason)
            ON CONFLICT DO NOTHING
            RETURNING certificate_id
            """,
            {
                "code": certificate.code,
                "user_id": certificate.user_id,
                "course_id": certificate.course_id,
                "event_id": certificate.event_id,
                "holder_name": certificate.holder_name,
                "first_day": to_db(certificate.first_day),
                "last_day": to_db(certificate.last_day),
                "minutes": certificate.minutes,
                "sessions": certificate.sessions,
                "issued_at": to_db(certificate.issued_at),
                "issued_by": certificate.issued_by,
                "reason": certificate.reason,
            },
        )
        return int(row[0]) if row else None

    def by_code(self, code: str) -> Certificate | None:
        row = self._one("SELECT * FROM certificates WHERE code = ?", (code,))
        return _certificate(row) if row is not None else None

    def by_id(self, certificate_id: int) -> Certificate | None:
        row = self._one("SELECT * FROM certificates WHERE certificate_id = ?", (certificate_id,))
        return _certificate(row) if row is not None else None

    def rename_standing(self, user_id: int, name: str) -> int:
        """The holder corrected the spelling of their name before receiving their papers:
        their standing certificates print (and verify) the corrected name; how many."""
        return self._run(
            "UPDATE certificates SET holder_name = ? WHERE user_id = ? AND revoked_at IS NULL",
            (name, user_id),
        ).rowcount

    def standing(
        self, user_id: int, course_id: int | None = None, event_id: int | None = None
    ) -> Certificate | None:
        """The person's certificate for the course or event that is not revoked, if any."""
        row = self._one(
            """
            SELECT * FROM certificates WHERE user_id = ? AND revoked_at IS NULL
              AND COALESCE(course_id, 0) = ? AND COALESCE(event_id, 0) = ?
            """,
            (user_id, course_id or 0, event_id or 0),
        )
        return _certificate(row) if row is not None else None

    def of_user(self, user_id: int) -> list[Certificate]:
        rows = self._all(
            "SELECT * FROM certificates WHERE user_id = ? ORDER BY issued_at, certificate_id",
            (user_id,),
        )
        return [_certificate(row) for row in rows]

    def holders(
        self, course_id: int | None = None, event_id: int | None = None, *, revoked: bool = False
    ) -> set[int]:
        """Who holds a standing certificate of the course or event (`revoked`: or held one
        an organizer revoked)."""
        rows = self._all(
            """
            SELECT user_id FROM certificates WHERE user_id IS NOT NULL
              AND (revoked_at IS NULL OR ? = 1)
              AND COALESCE(course_id, 0) = ? AND COALESCE(event_id, 0) = ?
            """,
            (revoked, course_id or 0, event_id or 0),
        )
        return {row[0] for row in rows}

    def revoke(self, code: str, by: int, now: datetime) -> bool:
        """Revoke a standing certificate; False when there is none of that code."""
        cursor = self._run(
            """
            UPDATE certificates SET revoked_at = ?, revoked_by = ?
            WHERE code = ? AND revoked_at IS NULL
            """,
            (to_db(now), by, code),
        )
        return cursor.rowcount > 0

    def withdraw_of_user(self, user_id: int, now: datetime) -> int:
        """The holder asked to be forgotten: their certificates no longer verify, and their
        name is erased from them; how many."""
        return self._run(
            """
            UPDATE certificates SET withdrawn_at = ?, holder_name = '', user_id = NULL
            WHERE user_id = ? AND withdrawn_at IS NULL
            """,
            (to_db(now), user_id),
        ).rowcount

    def of_subject(
        self, course_id: int | None = None, event_id: int | None = None
    ) -> list[Certificate]:
        """The standing certificates of a course or event, in order of issue."""
        rows = self._all(
            """
            SELECT * FROM certificates WHERE revoked_at IS NULL AND withdrawn_at IS NULL
              AND COALESCE(course_id, 0) = ? AND COALESCE(event_id, 0) = ?
            ORDER BY certificate_id
            """,
            (course_id or 0, event_id or 0),
        )
        return [_certificate(row) for row in rows]

    def every_of_subject(
        self, course_id: int | None = None, event_id: int | None = None
    ) -> list[Certificate]:
        """Every certificate of a course or event ever issued, revoked and withdrawn ones
        too, in order of issue: the holders' list an organizer exports."""
        rows = self._all(
            """
            SELECT * FROM certificates
            WHERE COALESCE(course_id, 0) = ? AND COALESCE(event_id, 0) = ?
            ORDER BY certificate_id
            """,
            (course_id or 0, event_id or 0),
        )
        return [_certificate(row) for row in rows]

    def bot_username(self) -> str | None:
        """The bot's username, as the running bot recorded it (None before its first start)."""
        row = self._one("SELECT value FROM deployment WHERE key = 'bot_username'")
        return str(row[0]) if row is not None else None

    def record_bot_username(self, username: str) -> None:
        self._run(
            "INSERT INTO deployment (key, value) VALUES ('bot_username', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (username,),
        )
