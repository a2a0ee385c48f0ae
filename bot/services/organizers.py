"""Who may act as an organizer, and for which events.

The owners are the settings' ADMIN_IDS: they run the deployment and cannot be removed in chat.
An owner adds organizers in chat, for the whole programme or for chosen events, without a
restart; an event organizer sees and manages only their events. The grants live in the
database (not in a process's memory), so every process of the bot sees the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.organizers import GrantRow
from bot.models import User

USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")  # Telegram: 5-32 characters
MAX_USER_ID = 2**53  # Telegram: user ids fit in 52 bits


class OrganizerScope(StrEnum):
    OWNER = "owner"
    PROGRAMME = "programme"
    EVENTS = "events"


@dataclass(frozen=True)
class OrganizerRole:
    """What one person may do as an organizer; `PARTICIPANT` for everyone else."""

    scope: OrganizerScope | None = None
    event_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_organizer(self) -> bool:
        return self.scope is not None

    @property
    def is_owner(self) -> bool:
        return self.scope is OrganizerScope.OWNER

    @property
    def whole_programme(self) -> bool:
        """Owners and programme organizers: every event, imports, broadcasts to everyone."""
        return self.scope in (OrganizerScope.OWNER, OrganizerScope.PROGRAMME)

    def can_manage(self, event_id: int) -> bool:
        return self.whole_programme or event_id in self.event_ids


PARTICIPANT = OrganizerRole()


class NotAnOwner(PermissionError):
    """Only owners add or remove organizers; the handlers check first, this is the backstop."""


@dataclass(frozen=True)
class Person:
    """Someone named by an owner: their id, and their name if they have written to the bot."""

    user_id: int
    name: str | None
    username: str | None


@dataclass(frozen=True)
class OrganizerEntry:
    """One line of /organizers."""

    person: Person
    scope: OrganizerScope
    event_codes: tuple[str, ...] = ()
    added_by: Person | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class GrantChange:
    """What an addition or removal did, for the owner's answer."""

    person: Person
    role_before: OrganizerRole
    role_after: OrganizerRole
    changed: bool


class OrganizerService:
    def __init__(self, db: Database, clock: Clock, owners: frozenset[int]) -> None:
        self._db = db
        self._clock = clock
        self._owners = owners

    async def role(self, user_id: int) -> OrganizerRole:
        if user_id in self._owners:
            return OrganizerRole(OrganizerScope.OWNER)
        return await self._db.read(lambda uow: _role(uow, user_id, self._owners))

    async def person(self, named: str) -> Person | None:
        """The person an owner named by user id or @username (None: nobody the bot knows by
        that username, or not an id or a username at all)."""
        text = named.strip()
        if text.isascii() and text.isdigit():
            user_id = int(text)
            if not 0 < user_id < MAX_USER_ID:
                return None
            return await self._db.read(lambda uow: _person(uow, user_id))
        match = USERNAME.fullmatch(text)
        if match is None:
            return None
        username = match.group(1)

        def work(uow: UnitOfWork) -> Person | None:
            user = uow.users.with_username(username)
            return None if user is None else _person(uow, user.user_id)

        return await self._db.read(work)

    async def known(self, user_id: int) -> Person:
        return await self._db.read(lambda uow: _person(uow, user_id))

    async def add(
        self, owner_id: int, user_id: int, event_ids: Sequence[int] | None
    ) -> GrantChange:
        """Make `user_id` an organizer of the whole programme (`event_ids` None) or of these
        events too. A programme grant replaces event grants; owners stay owners."""
        self._check_owner(owner_id)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> GrantChange:
            before = _role(uow, user_id, self._owners)
            changed = False
            if before.is_owner:
                pass
            elif event_ids is None:
                if before.scope is not OrganizerScope.PROGRAMME:
                    uow.organizers.revoke(user_id)
                    changed = uow.organizers.grant(user_id, None, owner_id, now)
            elif before.scope is not OrganizerScope.PROGRAMME:
                for event_id in event_ids:
                    changed = uow.organizers.grant(user_id, event_id, owner_id, now) or changed
            after = _role(uow, user_id, self._owners)
            if changed:
                uow.audit.record(owner_id, "organizer-added", _detail(user_id, after), now)
            return GrantChange(_person(uow, user_id), before, after, changed)

        return await self._db.write(work)

    async def remove(
        self, owner_id: int, user_id: int, event_ids: Sequence[int] | None
    ) -> GrantChange:
        """Take away every grant (`event_ids` None) or those events only."""
        self._check_owner(owner_id)
        now = self._clock.now()

        def work(uow: UnitOfWork) -> GrantChange:
            before = _role(uow, user_id, self._owners)
            removed = 0 if before.is_owner else uow.organizers.revoke(user_id, event_ids)
            after = _role(uow, user_id, self._owners)
            if removed:
                detail = f"{user_id} " + (
                    "all" if event_ids is None else " ".join(map(str, sorted(event_ids)))
                )
                uow.audit.record(owner_id, "organizer-removed", detail, now)
            return GrantChange(_person(uow, user_id), before, after, removed > 0)

        return await self._db.write(work)

    async def listing(self) -> list[OrganizerEntry]:
        """Owners first, then programme organizers, then event organizers."""

        def work(uow: UnitOfWork) -> list[OrganizerEntry]:
            entries = [
                OrganizerEntry(_person(uow, owner), OrganizerScope.OWNER)
                for owner in sorted(self._owners)
            ]
            grants = [g for g in uow.organizers.all_grants() if g.user_id not in self._owners]
            by_user: dict[int, list[str | None]] = {}
            first: dict[int, GrantRow] = {}
            for grant in grants:
                by_user.setdefault(grant.user_id, []).append(grant.event_code)
                first.setdefault(grant.user_id, grant)
            for user_id, codes in by_user.items():
                grant = first[user_id]
                whole = None in codes
                added_by = _person(uow, grant.added_by) if grant.added_by else None
                entries.append(
                    OrganizerEntry(
                        _person(uow, user_id),
                        OrganizerScope.PROGRAMME if whole else OrganizerScope.EVENTS,
                        () if whole else tuple(code for code in codes if code),
                        added_by,
                        grant.added_at,
                    )
                )
            order = list(OrganizerScope)
            return sorted(entries, key=lambda e: order.index(e.scope))

        return await self._db.read(work)

    async def event_codes(self, event_ids: frozenset[int]) -> list[str]:
        return await self._db.read(lambda uow: uow.organizers.codes_of(event_ids))

    async def menus(self) -> dict[int, tuple[User | None, OrganizerRole]]:
        """Everyone with an organizer's menu (the owners and every organizer added in chat):
        who they are, if they have written to the bot, and their role."""

        def work(uow: UnitOfWork) -> dict[int, tuple[User | None, OrganizerRole]]:
            people = self._owners | frozenset(uow.organizers.organizer_ids())
            return {
                user_id: (uow.users.get(user_id), _role(uow, user_id, self._owners))
                for user_id in people
            }

        return await self._db.read(work)

    def _check_owner(self, user_id: int) -> None:
        if user_id not in self._owners:
            raise NotAnOwner(user_id)


def _role(uow: UnitOfWork, user_id: int, owners: frozenset[int]) -> OrganizerRole:
    if user_id in owners:
        return OrganizerRole(OrganizerScope.OWNER)
    grants = uow.organizers.grants_of(user_id)
    if not grants:
        return PARTICIPANT
    if None in grants:
        return OrganizerRole(OrganizerScope.PROGRAMME)
    return OrganizerRole(OrganizerScope.EVENTS, frozenset(g for g in grants if g is not None))


def _person(uow: UnitOfWork, user_id: int) -> Person:
    user = uow.users.get(user_id)
    if user is None:
        return Person(user_id, None, None)
    return Person(user_id, user.display_name or None, user.username)


def _detail(user_id: int, role: OrganizerRole) -> str:
    """The audit entry: the person's id (erased with them if they are forgotten) and scope."""
    if role.scope is OrganizerScope.PROGRAMME:
        return f"{user_id} programme"
    return f"{user_id} events " + " ".join(str(e) for e in sorted(role.event_ids))
