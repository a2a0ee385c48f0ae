"""Users: who wrote to the bot, their language and time zone."""

from __future__ import annotations

from datetime import datetime

from bot.db.repository import Repository, Row
from bot.db.search_text import search_text
from bot.db.times import from_db, to_db
from bot.models import Audience, AudienceKind, Contact, Profile, User

PROFILE_COLUMNS = frozenset({"full_name", "country", "city", "organization", "role", "email"})


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        telegram_language=row["telegram_language"],
        language=row["language"],
        timezone=row["timezone"],
        is_active=bool(row["is_active"]),
        created_at=from_db(row["created_at"]),
        last_seen_at=from_db(row["last_seen_at"]),
        profile=_profile(row),
        certificate_name=row["certificate_name"],
    )


def _profile(row: Row) -> Profile | None:
    if not row["consent_at"] or not row["full_name"] or not row["country"]:
        return None
    return Profile(
        full_name=row["full_name"],
        country=row["country"],
        city=row["city"] or "",
        organization=row["organization"] or "",
        role=row["role"] or "",
        email=row["email"] or "",
    )


class UserRepository(Repository):
    def get(self, user_id: int) -> User | None:
        row = self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _user(row) if row else None

    def with_username(self, username: str) -> User | None:
        """Who has this @username now (Telegram's usernames ignore case); None if nobody who
        wrote to the bot has it."""
        row = self._one(
            "SELECT * FROM users WHERE lower(username) = lower(?) ORDER BY last_seen_at DESC",
            (username,),
        )
        return _user(row) if row else None

    def upsert_contact(self, contact: Contact, now: datetime) -> User:
        """Record who wrote: create them, or refresh their name, client language and activity.

        A user who had blocked the bot and writes again is active again.
        """
        row = self._one(
            """
            INSERT INTO users (user_id, first_name, last_name, username, telegram_language,
                               created_at, last_seen_at)
            VALUES (:id, :first, :last, :username, :lang, :now, :now)
            ON CONFLICT (user_id) DO UPDATE SET
                first_name = excluded.first_name,
                last_name = excluded.last_name,
                username = excluded.username,
                telegram_language = excluded.telegram_language,
                last_seen_at = excluded.last_seen_at,
                is_active = 1,
                blocked_at = NULL
            RETURNING *
            """,
            {
                "id": contact.user_id,
                "first": contact.first_name,
                "last": contact.last_name,
                "username": contact.username,
                "lang": contact.language_code,
                "now": to_db(now),
            },
        )
        assert row is not None
        return _user(row)

    def set_language(self, user_id: int, language: str) -> None:
        self._run("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))

    def set_certificate_name(self, user_id: int, name: str) -> None:
        self._run("UPDATE users SET certificate_name = ? WHERE user_id = ?", (name, user_id))

    def set_timezone(self, user_id: int, timezone: str) -> None:
        self._run("UPDATE users SET timezone = ? WHERE user_id = ?", (timezone, user_id))

    def count(self) -> int:
        row = self._one("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    def save_profile(
        self, user_id: int, profile: Profile, timezone: str, consented_at: datetime
    ) -> None:
        self._run(
            """
            UPDATE users SET full_name = :full_name, country = :country, city = :city,
                organization = :organization, role = :role, email = :email,
                timezone = :timezone, consent_at = :consent_at
            WHERE user_id = :user_id
            """,
            {
                "full_name": profile.full_name,
                "country": profile.country,
                "city": profile.city,
                "organization": profile.organization,
                "role": profile.role,
                "email": profile.email,
                "timezone": timezone,
                "consent_at": to_db(consented_at),
                "user_id": user_id,
            },
        )
        self._refresh_search_text(user_id)

    def erase(self, user_id: int) -> None:
        """Delete everything stored about a user (their registrations must be gone first):
        their row (attendance, feedback and report marks go with it), the messages queued or
        sent to them and the campaigns addressed to them alone, their wrong-code counter, and
        their id wherever it names them (the audit log's details, what they created as an
        organizer), and the content of their updates not handled yet (this one included)."""
        mention = f"% {user_id} %"
        self._run("DELETE FROM deliveries WHERE user_id = ?", (user_id,))
        self._run(
            "DELETE FROM campaigns WHERE audience = ?",
            (Audience(AudienceKind.USER, user_id).describe(),),
        )
        self._run("DELETE FROM checkin_failures WHERE user_id = ?", (user_id,))
        self._run("DELETE FROM organizers WHERE user_id = ?", (user_id,))
        self._run("UPDATE organizers SET added_by = 0 WHERE added_by = ?", (user_id,))
        self._run("UPDATE certificates SET issued_by = 0 WHERE issued_by = ?", (user_id,))
        self._run("UPDATE certificates SET revoked_by = 0 WHERE revoked_by = ?", (user_id,))
        self._run("UPDATE inbox SET payload = '', user_id = NULL WHERE user_id = ?", (user_id,))
        self._run("DELETE FROM user_sessions WHERE user_id = ?", (user_id,))
        self._run(
            "UPDATE admin_audit SET detail = replace(' ' || detail || ' ', ?, ' - ')"
            " WHERE ' ' || detail || ' ' LIKE ?",
            (f" {user_id} ", mention),
        )
        self._run("UPDATE admin_audit SET admin_id = 0 WHERE admin_id = ?", (user_id,))
        self._run("UPDATE campaigns SET created_by = NULL WHERE created_by = ?", (user_id,))
        self._run("UPDATE checkin_codes SET created_by = 0 WHERE created_by = ?", (user_id,))
        self._run(
            "UPDATE attendance_reports SET imported_by = NULL WHERE imported_by = ?", (user_id,)
        )
        self._run("DELETE FROM users WHERE user_id = ?", (user_id,))

    def expired(self, cutoff: datetime, keep: frozenset[int], limit: int) -> list[int]:
        """People last seen before `cutoff` whose every session ended before it too (or who
        never signed up): their personal data has been kept long enough. `keep`: organizers."""
        ended = self._dialect.ends_at_or_after("e.starts_at", "e.duration_minutes", ":cutoff")
        rows = self._all(
            f"""
            SELECT u.user_id FROM users u
            WHERE u.last_seen_at < :cutoff
              AND u.user_id NOT IN (SELECT user_id FROM organizers)
              AND NOT EXISTS (
                  SELECT 1 FROM registrations r JOIN events e ON e.event_id = r.event_id
                  WHERE r.user_id = u.user_id
                    AND {ended})
            ORDER BY u.user_id LIMIT :limit
            """,
            {"cutoff": to_db(cutoff), "limit": limit + len(keep)},
        )
        return [int(row[0]) for row in rows if int(row[0]) not in keep][:limit]

    def mark_blocked(self, user_id: int, now: datetime) -> None:
        """The user blocked the bot: stop writing to them until they write again."""
        self._run(
            "UPDATE users SET is_active = 0, blocked_at = ? WHERE user_id = ?",
            (to_db(now), user_id),
        )

    def set_profile_field(self, user_id: int, field: str, value: str) -> None:
        if field not in PROFILE_COLUMNS:
            raise ValueError(f"{field} is not a profile field")
        self._run(f"UPDATE users SET {field} = ? WHERE user_id = ?", (value, user_id))
        self._refresh_search_text(user_id)

    def _refresh_search_text(self, user_id: int) -> None:
        """What /registrants searches, written with the profile so that a search compares
        without folding every row again (see `search_text`)."""
        row = self._one("SELECT full_name, email FROM users WHERE user_id = ?", (user_id,))
        if row is not None:
            self._run(
                "UPDATE users SET search_text = ? WHERE user_id = ?",
                (search_text(row[0], row[1]), user_id),
            )
