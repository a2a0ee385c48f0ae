"""Who the users are, which language they read and which time zone they live in."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.db import Database
from bot.i18n import SUPPORTED_LANGUAGES, resolve_language
from bot.models import Contact, User
from bot.services.timezones import is_known_zone

# Refreshing "last seen" on every update would be a write per message; once an hour is enough.
LAST_SEEN_RESOLUTION = timedelta(hours=1)


class InvalidChoice(ValueError):
    """A language or time zone that the bot does not offer (a forged button, say)."""


class UserService:
    def __init__(
        self, db: Database, clock: Clock, default_language: str, default_timezone: str
    ) -> None:
        self._db = db
        self._clock = clock
        self.default_language = default_language
        self.default_timezone = default_timezone

    async def touch(self, contact: Contact) -> User:
        """The user behind an update, created on first contact and kept up to date."""
        now = self._clock.now()
        user = await self._db.read(lambda u: u.users.get(contact.user_id))
        if (
            user is not None
            and user.is_active
            and (user.first_name, user.last_name, user.username, user.telegram_language)
            == (contact.first_name, contact.last_name, contact.username, contact.language_code)
            and now - user.last_seen_at < LAST_SEEN_RESOLUTION
        ):
            return user
        return await self._db.write(lambda u: u.users.upsert_contact(contact, now))

    async def get(self, user_id: int) -> User | None:
        return await self._db.read(lambda u: u.users.get(user_id))

    def language_of(self, user: User) -> str:
        return resolve_language(user.language, user.telegram_language, self.default_language)

    def timezone_of(self, user: User) -> str:
        return (
            user.timezone
            if user.timezone and is_known_zone(user.timezone)
            else (self.default_timezone)
        )

    async def choose_language(self, user_id: int, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise InvalidChoice(language)
        await self._db.write(lambda u: u.users.set_language(user_id, language))

    async def choose_timezone(self, user_id: int, zone: str) -> None:
        if not is_known_zone(zone):
            raise InvalidChoice(zone)
        await self._db.write(lambda u: u.users.set_timezone(user_id, zone))
