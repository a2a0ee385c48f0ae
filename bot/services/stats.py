"""Programme statistics for organizers: figures per event, in total and by country."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.db.stats import Breakdown, Figures
from bot.models import Event


@dataclass(frozen=True)
class ProgrammeStats:
    total: Figures
    per_event: list[tuple[Event, Figures]]
    breakdowns: dict[str, Breakdown]


class StatsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def _with_held(self, event: Event, figures: Figures) -> Figures:
        held = figures.registered if event.starts_at <= self._clock.now() else 0
        return replace(figures, held=held)

    async def programme(self) -> ProgrammeStats:
        """Every event but the cancelled ones, which would only dilute the figures."""

        def work(uow: UnitOfWork) -> ProgrammeStats:
            figures = uow.stats.per_event()
            events = {e.event_id: e for e in uow.events.all_events() if not e.is_cancelled}
            per_event = sorted(
                (
                    (events[i], self._with_held(events[i], f))
                    for i, f in figures.items()
                    if i in events
                ),
                key=lambda pair: pair[0].starts_at,
            )
            total = sum((f for _, f in per_event), Figures())
            topics = {event_id: event.topic for event_id, event in events.items()}
            return ProgrammeStats(total, per_event, uow.stats.breakdowns(figures, topics))

        return await self._db.read(work, heavy=True)

    async def event(self, event: Event) -> ProgrammeStats:

        def work(uow: UnitOfWork) -> ProgrammeStats:
            per_event = uow.stats.per_event(event.event_id)
            figures = self._with_held(event, per_event.get(event.event_id, Figures()))
            topics = {event.event_id: event.topic}
            breakdowns = uow.stats.breakdowns(per_event, topics, event.event_id)
            return ProgrammeStats(figures, [(event, figures)], breakdowns)

        return await self._db.read(work, heavy=True)
