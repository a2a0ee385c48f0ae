"""The organizers' dashboard: the events with their counts, and each event's registrants as a
table to search, filter, sort and page through.

What an organizer may see is their role's: the whole programme, or their own events (a
co-organizer's). Marking attendance, exporting and broadcasting go through the services the
chat commands use (`AttendanceService`, `ExportService`, `BroadcastService`), with the same
audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.events import EventOverview
from bot.db.registrants import SORTS, RegistrantCounts, RegistrantFilter, RegistrantRow
from bot.db.search_text import fold
from bot.models import Event, RegistrationStatus, page_count
from bot.services.countries import CountryDirectory
from bot.services.organizers import OrganizerRole
from bot.services.registrants import MAX_SEARCH

TABLE_PAGE = 50
RECENT = timedelta(days=90)  # sessions held this long ago are still listed (attendance, exports)
MAX_EVENTS = 300
CHOICES_KEPT = timedelta(minutes=1)


@dataclass(frozen=True)
class TableQuery:
    """What the table asks for, as the page sends it (checked here)."""

    search: str = ""
    status: str = ""
    country: str = ""
    language: str = ""
    attended: str = ""  # "yes", "no" or ""
    sort: str = "status"
    descending: bool = False
    page: int = 0
    choices: bool = True  # the countries and languages the filters offer, read again


@dataclass(frozen=True)
class RegistrantTablePage:
    counts: RegistrantCounts  # the event's, whatever the filters
    rows: list[RegistrantRow]
    found: int
    page: int
    pages: int
    countries: list[str]  # ISO codes present among the event's registrants
    languages: list[str]


class DashboardService:
    def __init__(self, db: Database, clock: Clock, countries: CountryDirectory) -> None:
        self._db = db
        self._clock = clock
        self._countries = countries
        self._kept_choices: dict[int, tuple[datetime, tuple[list[str], list[str]]]] = {}

    async def events(self, role: OrganizerRole) -> list[EventOverview]:
        """The events the organizer may manage, from those held recently on, soonest first."""
        scope = None if role.whole_programme else sorted(role.event_ids)
        since = self._clock.now() - RECENT
        return await self._db.read(lambda uow: uow.events.overview(since, scope, MAX_EVENTS))

    async def event(self, role: OrganizerRole, code: str) -> Event | None:
        """The event with this code, if this organizer may manage it."""
        listing = await self._db.read(lambda uow: uow.events.listing_typed(code[:64]))
        if listing is None or not role.can_manage(listing.event.event_id):
            return None
        return listing.event

    async def registrants(self, event: Event, query: TableQuery) -> RegistrantTablePage:
        wanted = self._filter(query)
        page = max(query.page, 0)

        def work(uow: UnitOfWork) -> RegistrantTablePage:
            table = uow.registrant_table
            counts = uow.registrants.counts(event.event_id)
            known = _known_total(wanted, counts)
            rows, found = table.rows(event.event_id, wanted, page * TABLE_PAGE, TABLE_PAGE, known)
            pages = page_count(found, TABLE_PAGE)
            shown = page
            if page >= pages and found:  # the list shrank since the page was drawn
                shown = pages - 1
                offset = shown * TABLE_PAGE
                rows, found = table.rows(event.event_id, wanted, offset, TABLE_PAGE, known)
            return RegistrantTablePage(counts, rows, found, shown, pages, [], [])

        heavy = wanted.folded_words is not None or wanted.sort != "status"
        found = await self._db.read(work, heavy=heavy)
        if not query.choices:
            return found
        countries, languages = await self._choices(event.event_id)
        return replace(found, countries=countries, languages=languages)

    async def _choices(self, event_id: int) -> tuple[list[str], list[str]]:
        """The countries and languages among the event's registrants, read again after a
        minute at most: opening an event of 100,000 does not read all of them each time."""
        now = self._clock.now()
        kept = self._kept_choices.get(event_id)
        if kept is not None and now - kept[0] < CHOICES_KEPT:
            return kept[1]
        found = await self._db.read(lambda uow: uow.registrant_table.choices(event_id), heavy=True)
        if len(self._kept_choices) >= MAX_EVENTS:
            self._kept_choices.clear()
        self._kept_choices[event_id] = (now, found)
        return found

    def _filter(self, query: TableQuery) -> RegistrantFilter:
        """The page's choices as the table's filter; an unknown choice is no filter."""
        search = " ".join(query.search.split())[:MAX_SEARCH]
        words = fold(search) if search else None
        exact = self._countries.match(search).exact if search else None
        statuses = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)
        return RegistrantFilter(
            status=query.status if query.status in statuses else None,
            country=query.country if self._countries.is_country(query.country) else None,
            language=query.language[:8] or None,
            attended={"yes": True, "no": False}.get(query.attended),
            folded_words=words or None,
            countries=(exact,) if exact else (),
            sort=query.sort if query.sort in SORTS else "status",
            descending=query.descending,
        )


def _known_total(wanted: RegistrantFilter, counts: RegistrantCounts) -> int | None:
    """How many rows the table has, when the event's counts say it already (no filter but
    the status): an event of 100,000 is then not counted twice."""
    if wanted != RegistrantFilter(wanted.status, sort=wanted.sort, descending=wanted.descending):
        return None
    if wanted.status == RegistrationStatus.CONFIRMED.value:
        return counts.confirmed
    if wanted.status == RegistrationStatus.WAITLISTED.value:
        return counts.waitlisted
    return counts.confirmed + counts.waitlisted
