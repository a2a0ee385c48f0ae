"""Who registered for an event, for its organizers: a page at a time, or found by a word."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, UnitOfWork
from bot.db.registrants import RegistrantCounts, RegistrantLine
from bot.db.search_text import fold
from bot.models import Event, page_count
from bot.services.countries import CountryDirectory

PAGE_SIZE = 10
MAX_SEARCH = 100  # characters of a search kept: longer is not a name, an email or a country


@dataclass(frozen=True)
class RegistrantsPage:
    counts: RegistrantCounts
    lines: list[RegistrantLine]
    found: int  # registrants matching the search (all of them without one)
    page: int  # from 0
    pages: int


class RegistrantService:
    def __init__(self, db: Database, countries: CountryDirectory) -> None:
        self._db = db
        self._countries = countries

    async def page(self, event: Event, search: str | None, page: int) -> RegistrantsPage:
        """Page `page` (from 0; the last one if beyond) of the event's registrants, those
        matching `search` when given: part of a name or an email, in any case or width, or a
        country as typed in any of the bot's languages ("Kenya", "Кения", "KE")."""
        words = fold(" ".join(search.split())[:MAX_SEARCH]) if search else None
        countries: list[str] = []
        if search:
            exact = self._countries.match(search).exact  # not near misses: "Ana" is no Ghana
            countries = [exact] if exact else []

        def work(uow: UnitOfWork) -> RegistrantsPage:
            counts = uow.registrants.counts(event.event_id)
            lines, total = uow.registrants.page(
                event.event_id, words or None, countries, page * PAGE_SIZE, PAGE_SIZE
            )
            pages = page_count(total, PAGE_SIZE)
            if page >= pages and total:  # the list shrank since the button was drawn
                last = pages - 1
                lines, total = uow.registrants.page(
                    event.event_id, words or None, countries, last * PAGE_SIZE, PAGE_SIZE
                )
                return RegistrantsPage(counts, lines, total, last, pages)
            return RegistrantsPage(counts, lines, total, page, pages)

        # a search reads every registrant of the event: on the reader thread, not the loop
        return await self._db.read(work, heavy=words is not None)
