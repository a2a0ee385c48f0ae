"""The services of one running bot (or one command-line run), built once the database is open."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database, open_database
from bot.metrics import NoMetrics, Observer
from bot.models import Event
from bot.services.attendance import AttendanceService
from bot.services.broadcasts import BroadcastService, BroadcastStatus, ProgressDisplay, Reader
from bot.services.certificate_printing import CertificatePrinter, SharedFonts
from bot.services.certificates import CertificateService
from bot.services.countries import CountryDirectory
from bot.services.course_admin import CourseAdminService
from bot.services.course_registrations import CourseRegistrationService
from bot.services.courses import CourseService
from bot.services.dashboard import DashboardService
from bot.services.delivery import DeliveryWorker, Recipient, Rendered, Renderer
from bot.services.events import EventService
from bot.services.exports import ExportService
from bot.services.feedback import FeedbackService
from bot.services.inbox import INBOX_LEASE, ClaimedInbox, Inbox
from bot.services.organizers import OrganizerService
from bot.services.paid_notices import PaidBudget
from bot.services.profiles import ProfileService
from bot.services.programme_hooks import NoScheduler, ProgrammeHooks
from bot.services.programme_preview import ProgrammeImports
from bot.services.registrants import RegistrantService
from bot.services.registrations import RegistrationService
from bot.services.reminders import ReminderService, Scheduler
from bot.services.sender import Buttons, Outcome, Result, Sender
from bot.services.sessions import SessionService
from bot.services.stats import StatsService
from bot.services.timezones import TimezoneDirectory
from bot.services.users import UserService


@dataclass(frozen=True)
class Directories:
    """Reference data built once per process (countries and zones in every language)."""

    countries: CountryDirectory
    timezones: TimezoneDirectory
    fonts: SharedFonts  # the certificates', parsed when first needed

    @classmethod
    def build(cls) -> Directories:
        countries = CountryDirectory()
        timezones = TimezoneDirectory(countries)
        timezones.warm_up()  # the world city list, read in the background
        return cls(countries, timezones, SharedFonts())


@dataclass(frozen=True)
class Outlets:
    """The ways out of the domain, implemented on the Telegram side: sending a message,
    writing a campaign's message, showing an organizer a broadcast's progress."""

    sender: Sender
    renderer: Renderer
    progress: ProgressDisplay
    observer: Observer = field(default_factory=NoMetrics)  # the bot's metrics, if exported
    # How many processes send deliveries now (the send scheduler splits their share).
    senders_counted: Callable[[int], None] = field(default=lambda senders: None)


class _NotSentHere:
    """For command-line runs, which queue messages but never send them: the running bot's
    delivery worker does (these runs do not start a worker, so nothing calls this)."""

    async def send(
        self,
        chat_id: int,
        text: str,
        buttons: Buttons = (),
        document: tuple[str, bytes] | None = None,
        paid: bool = False,
    ) -> Result:
        return Result(Outcome.RETRY, error="this process does not send; the bot will")

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Buttons = ()) -> Result:
        return Result(Outcome.RETRY, error="this process does not send; the bot will")

    def render(self, recipient: Recipient, now: datetime) -> Rendered | None:
        return None

    async def show(
        self, chat_id: int, message_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> None:
        return None

    async def post(self, chat_id: int, text: str) -> int | None:
        return None

    async def announce(
        self, chat_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> int | None:
        return None

    async def paid_refused(self, chat_id: int, event: Event, reader: Reader) -> None:
        return None


def offline_outlets() -> Outlets:
    outlet = _NotSentHere()
    return Outlets(outlet, outlet, outlet)


def process_name() -> str:
    """This process among the bot's processes (what its claims are marked with): host,
    process id, and a few random letters, since a restarted container may reuse both."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    countries: CountryDirectory
    timezones: TimezoneDirectory
    users: UserService
    events: EventService
    programme: ProgrammeImports  # programme files: previewed, applied on Confirm
    registrations: RegistrationService
    registrants: RegistrantService
    profiles: ProfileService
    reminders: ReminderService
    broadcasts: BroadcastService
    delivery: DeliveryWorker
    attendance: AttendanceService
    feedback: FeedbackService
    stats: StatsService
    exports: ExportService
    inbox: Inbox
    inbox_claims: ClaimedInbox  # webhook mode: updates claimed by the process handling them
    sessions: SessionService  # conversation state in the database (several processes)
    organizers: OrganizerService
    courses: CourseService
    course_admin: CourseAdminService  # /newcourse and /editcourse
    course_registrations: CourseRegistrationService  # a whole course in one press
    certificates: CertificateService
    printer: CertificatePrinter
    dashboard: DashboardService  # the organizers' Mini App
    # Raises DatabaseGone when the database was deleted, replaced or emptied under the bot.
    check_database: Callable[[], Awaitable[None]]

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Clock,
        db: Database,
        directories: Directories,
        outlets: Outlets,
        scheduler: Scheduler,
    ) -> Services:
        users = UserService(db, clock, settings.default_language, settings.default_timezone)
        owner = process_name()

        def wake() -> None:
            delivery.wake()

        broadcasts = BroadcastService(db, clock, users, outlets.progress, wake)
        delivery = DeliveryWorker(
            db,
            users,
            outlets.sender,
            outlets.renderer,
            broadcasts,
            clock,
            observer=outlets.observer,
            owner=owner,
            senders_counted=outlets.senders_counted,
        )
        reminders = ReminderService(db, clock, settings.reminder_offsets, wake)
        hooks = ProgrammeHooks(reminders, scheduler, wake)
        events = EventService(db, clock, hooks, PaidBudget(settings.paid_broadcast_stars))
        registrations = RegistrationService(db, clock, wake, events.seats_changed, outlets.observer)
        certificates = CertificateService(db, clock, wake)

        async def marked_late(event: Event) -> None:
            """Someone was marked present after the session: asked for feedback, and given
            the certificate it completes."""
            await reminders.ask_late_attendees(event)
            await certificates.award(event)

        return cls(
            settings=settings,
            clock=clock,
            countries=directories.countries,
            timezones=directories.timezones,
            users=users,
            events=events,
            # The lists EventService keeps for a second are forgotten once a file is applied.
            programme=ProgrammeImports(db, clock, hooks, events.programme_changed),
            registrations=registrations,
            registrants=RegistrantService(db, directories.countries),
            profiles=ProfileService(db, clock),
            reminders=reminders,
            broadcasts=broadcasts,
            delivery=delivery,
            attendance=AttendanceService(db, clock, settings.checkin_opens, marked_late),
            feedback=FeedbackService(db, clock),
            stats=StatsService(db, clock),
            exports=ExportService(db, directories.countries),
            inbox=Inbox(db, clock),
            inbox_claims=ClaimedInbox(db, clock, owner, INBOX_LEASE),
            sessions=SessionService(db, clock),
            organizers=OrganizerService(db, clock, settings.admin_ids),
            courses=CourseService(db),
            course_admin=CourseAdminService(db, clock, events.programme_changed),
            course_registrations=CourseRegistrationService(
                db, clock, wake, events.seats_changed, outlets.observer
            ),
            certificates=certificates,
            printer=CertificatePrinter(settings.certificate, directories.fonts),
            dashboard=DashboardService(db, clock, directories.countries),
            check_database=db.still_there,
        )


@asynccontextmanager
async def offline_services(
    settings: Settings, clock: Clock | None = None, directories: Directories | None = None
) -> AsyncIterator[Services]:
    """The same services for a command-line run beside the bot: programme changes queue their
    notices in the outbox, and the running bot sends them and plans the reminders (it
    notices a changed programme within seconds)."""
    db = await open_database(settings.database_path, settings.database_url)
    try:
        yield Services.build(
            settings,
            clock or SystemClock(),
            db,
            directories or Directories.build(),
            offline_outlets(),
            NoScheduler(),
        )
    finally:
        await db.close()
