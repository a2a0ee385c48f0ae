"""The services of one running bot, built once the database is open."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Catalogs
from bot.services.attendance import AttendanceService
from bot.services.broadcasts import BroadcastService
from bot.services.campaign_texts import CampaignTexts
from bot.services.countries import CountryDirectory
from bot.services.delivery import DeliveryWorker
from bot.services.events import EventService
from bot.services.feedback import FeedbackService
from bot.services.profiles import ProfileService
from bot.services.programme_hooks import ProgrammeHooks
from bot.services.registrations import RegistrationService
from bot.services.reminders import ReminderService, Scheduler
from bot.services.sender import Sender
from bot.services.stats import StatsService
from bot.services.timezones import TimezoneDirectory
from bot.services.users import UserService


@dataclass(frozen=True)
class Directories:
    """Reference data built once per process (countries and zones in every language)."""

    countries: CountryDirectory
    timezones: TimezoneDirectory

    @classmethod
    def build(cls) -> Directories:
        countries = CountryDirectory()
        return cls(countries, TimezoneDirectory(countries))


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    db: Database
    catalogs: Catalogs
    countries: CountryDirectory
    timezones: TimezoneDirectory
    users: UserService
    events: EventService
    registrations: RegistrationService
    profiles: ProfileService
    reminders: ReminderService
    broadcasts: BroadcastService
    delivery: DeliveryWorker
    attendance: AttendanceService
    feedback: FeedbackService
    stats: StatsService

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Clock,
        db: Database,
        catalogs: Catalogs,
        directories: Directories,
        sender: Sender,
        bot_username: str,
        scheduler: Scheduler,
    ) -> Services:
        users = UserService(db, clock, settings.default_language, settings.default_timezone)

        def wake() -> None:
            delivery.wake()

        texts = CampaignTexts(db, catalogs, users, clock, bot_username)
        broadcasts = BroadcastService(db, clock, catalogs, users, sender, wake)
        delivery = DeliveryWorker(db, sender, texts, broadcasts, clock)
        registrations = RegistrationService(db, clock, wake)
        reminders = ReminderService(db, clock, settings.reminder_offsets, wake)
        hooks = ProgrammeHooks(reminders, registrations, scheduler)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            catalogs=catalogs,
            countries=directories.countries,
            timezones=directories.timezones,
            users=users,
            events=EventService(db, clock, hooks),
            registrations=registrations,
            profiles=ProfileService(db, clock),
            reminders=reminders,
            broadcasts=broadcasts,
            delivery=delivery,
            attendance=AttendanceService(
                db, clock, settings.checkin_opens, reminders.ask_late_attendees
            ),
            feedback=FeedbackService(db, clock),
            stats=StatsService(db, clock),
        )
