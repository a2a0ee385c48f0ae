"""Programme statistics for organizers, and the chart of one event."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.clock import Clock
from bot.db import Database
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
        figures = await self._db.read(lambda u: u.stats.per_event())
        events = {
            e.event_id: e
            for e in await self._db.read(lambda u: u.events.all_events())
            if not e.is_cancelled
        }
        per_event = sorted(
            ((events[i], self._with_held(events[i], f)) for i, f in figures.items() if i in events),
            key=lambda pair: pair[0].starts_at,
        )
        total = sum((f for _, f in per_event), Figures())
        topics = {event_id: event.topic for event_id, event in events.items()}
        breakdowns = await self._db.read(lambda u: u.stats.breakdowns(figures, topics))
        return ProgrammeStats(total, per_event, breakdowns)

    async def event(self, event: Event) -> ProgrammeStats:
        per_event = await self._db.read(lambda u: u.stats.per_event(event.event_id))
        figures = self._with_held(event, per_event.get(event.event_id, Figures()))
        breakdowns = await self._db.read(
            lambda u: u.stats.breakdowns(per_event, {event.event_id: event.topic}, event.event_id)
        )
        return ProgrammeStats(figures, [(event, figures)], breakdowns)


# Tried in turn for each character: Chinese needs one of the CJK fonts (fonts-noto-cjk on
# Debian and Ubuntu); without any, Chinese text would be drawn as empty boxes.
CHART_FONTS = ("DejaVu Sans", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei")


@lru_cache(maxsize=1)
def _installed_fonts() -> tuple[tuple[str, ...], frozenset[int]]:
    """The chart fonts this server has, and every character they can draw (read once)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    families: list[str] = []
    characters: set[int] = set()
    for family in CHART_FONTS:
        try:
            path = findfont(FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        families.append(family)
        characters.update(get_font(path).get_charmap())
    return tuple(families), frozenset(characters)


def _drawable(text: str) -> bool:
    characters = _installed_fonts()[1]
    return all(ord(ch) in characters or ch.isspace() for ch in text)


def country_chart(
    breakdown: Breakdown, names: dict[str, str], title: str, legend: tuple[str, str]
) -> bytes:
    """Registrations and attendance by country as a PNG bar chart (drawn off-screen).

    Text no installed font can draw is left out (country codes stand in for names), rather
    than drawn as boxes.
    """
    from matplotlib.figure import Figure  # heavy: loaded only when a chart is asked for

    countries = sorted(breakdown.registered, key=lambda c: -breakdown.registered[c])[:15]
    labels = [name if _drawable(name := names.get(c, c or "?")) else (c or "?") for c in countries]
    registered = [breakdown.registered.get(c, 0) for c in countries]
    attended = [breakdown.attended.get(c, 0) for c in countries]
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    positions = range(len(countries))
    fonts = list(_installed_fonts()[0])
    named = all(_drawable(word) for word in legend)
    axes.bar([p - 0.2 for p in positions], registered, width=0.4, label=legend[0])
    axes.bar([p + 0.2 for p in positions], attended, width=0.4, label=legend[1])
    axes.set_xticks(list(positions), labels, rotation=45, ha="right", fontsize=8)
    for label in axes.get_xticklabels():
        label.set_fontfamily(fonts)
    if _drawable(title):
        axes.set_title(title[:80], fontsize=10, fontfamily=fonts)
    if named:
        axes.legend(prop={"family": fonts})
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
