"""The repositories of one unit of work, bound to the connection it runs on."""

from __future__ import annotations

from bot.db.attendance import AttendanceRepository
from bot.db.audit import AuditLog
from bot.db.certificates import CertificateRepository
from bot.db.courses import CourseRepository
from bot.db.dialect import SQLITE, Dialect
from bot.db.events import EventRepository
from bot.db.inbox import InboxRepository
from bot.db.organizers import OrganizerRepository
from bot.db.outbox import OutboxRepository
from bot.db.registrants import RegistrantRepository, RegistrantTable
from bot.db.registrations import RegistrationRepository
from bot.db.repository import Connection
from bot.db.sessions import SessionRepository
from bot.db.stats import StatsRepository
from bot.db.users import UserRepository


class UnitOfWork:
    """What a service's piece of work sees: repositories, never the connection itself.

    Handed to the function given to `Database.write` (inside one `BEGIN IMMEDIATE`
    transaction: the change, its audit entry and the messages it queues commit together or
    not at all) or to `Database.read` (one consistent snapshot, read-only).
    """

    __slots__ = (
        "attendance",
        "audit",
        "certificates",
        "courses",
        "events",
        "inbox",
        "organizers",
        "outbox",
        "registrant_table",
        "registrants",
        "registrations",
        "sessions",
        "stats",
        "users",
    )

    def __init__(self, conn: Connection, dialect: Dialect = SQLITE) -> None:
        self.users = UserRepository(conn, dialect)
        self.events = EventRepository(conn, dialect)
        self.inbox = InboxRepository(conn, dialect)
        self.registrations = RegistrationRepository(conn, dialect)
        self.registrants = RegistrantRepository(conn, dialect)
        self.registrant_table = RegistrantTable(conn, dialect)
        self.outbox = OutboxRepository(conn, dialect)
        self.organizers = OrganizerRepository(conn, dialect)
        self.attendance = AttendanceRepository(conn, dialect)
        self.stats = StatsRepository(conn, dialect)
        self.audit = AuditLog(conn, dialect)
        self.courses = CourseRepository(conn, dialect)
        self.certificates = CertificateRepository(conn, dialect)
        self.sessions = SessionRepository(conn, dialect)
