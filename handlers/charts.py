"""The chart of one event's registrations and attendance by country, as a PNG."""

from __future__ import annotations

import io
from functools import lru_cache

from bot.db.stats import Breakdown

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
