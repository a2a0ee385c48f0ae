"""The services of one running bot, built once the database is open."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Catalogs
from bot.services.events import EventService
from bot.services.timezones import TimezoneDirectory
from bot.services.users import UserService


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    db: Database
    catalogs: Catalogs
    timezones: TimezoneDirectory
    users: UserService
    events: EventService

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Clock,
        db: Database,
        catalogs: Catalogs,
        timezones: TimezoneDirectory,
    ) -> Services:
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            catalogs=catalogs,
            timezones=timezones,
            users=UserService(db, clock, settings.default_language, settings.default_timezone),
            events=EventService(db, clock),
        )
