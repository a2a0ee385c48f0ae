"""The repositories of one unit of work, bound to the connection it runs on."""

from __future__ import annotations

import sqlite3

from bot.db.attendance import AttendanceRepository
from bot.db.audit import AuditLog
from bot.db.certificates import CertificateRepository
from bot.db.courses import CourseRepository
from bot.db.events import EventRepository
from bot.db.inbox import InboxRepository
from bot.db.organizers import OrganizerRepository
from bot.db.outbox import OutboxRepository
from bot.db.registrants import RegistrantRepository
from bot.db.registrations import RegistrationRepository
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
        "registrants",
        "registrations",
        "stats",
        "users",
    )

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.users = UserRepository(conn)
        self.events = EventRepository(conn)
        self.inbox = InboxRepository(conn)
        self.registrations = RegistrationRepository(conn)
        self.registrants = RegistrantRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.organizers = OrganizerRepository(conn)
        self.attendance = AttendanceRepository(conn)
        self.stats = StatsRepository(conn)
        self.audit = AuditLog(conn)
        self.courses = CourseRepository(conn)
        self.certificates = CertificateRepository(conn)
