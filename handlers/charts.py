"""The chart of one event's registrations and attendance by country, as a PNG.

`country_figure` builds the chart (a matplotlib Figure, drawn off-screen), `png` encodes it:
what the chart shows can be checked on the figure itself.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.db.stats import Breakdown

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Tried in turn for each character: Chinese needs one of the CJK fonts (fonts-noto-cjk on
# Debian and Ubuntu); without any, Chinese text would be drawn as empty boxes.
CHART_FONTS = ("DejaVu Sans", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei")
# What the legend shows when no installed font can draw its words: the caption says what
# each stands for (see `legend_key`).
LEGEND_SYMBOLS = ("(1)", "(2)")
MAX_COUNTRIES = 15


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


def drawable(text: str) -> bool:
    """Whether the installed chart fonts can draw every character of `text`."""
    characters = _installed_fonts()[1]
    return all(ord(ch) in characters or ch.isspace() for ch in text)


def legend_labels(legend: tuple[str, str]) -> tuple[str, str]:
    """The legend's words, or symbols when a font is missing for them (Chinese on a server
    without a CJK font): a legend is never left out, nor drawn as boxes."""
    return legend if all(drawable(word) for word in legend) else LEGEND_SYMBOLS


def legend_key(legend: tuple[str, str]) -> str | None:
    """For the caption, what the legend's symbols stand for ("(1) 已报名 · (2) 已出席");
    None when the legend shows the words themselves."""
    if legend_labels(legend) == legend:
        return None
    return " · ".join(
        f"{symbol} {word}" for symbol, word in zip(LEGEND_SYMBOLS, legend, strict=True)
    )


def country_figure(
    breakdown: Breakdown,
    names: dict[str, str],
    title: str,
    legend: tuple[str, str],
    fallback_title: str = "",
) -> Figure:
    """Registrations and attendance by country as a bar chart, with whole people on the
    y-axis. Text no installed font can draw is not drawn as boxes: country codes stand in for
    names, `fallback_title` (the event's code) for the title, symbols for the legend."""
    from matplotlib.figure import Figure  # heavy: loaded only when a chart is asked for
    from matplotlib.ticker import MaxNLocator

    countries = sorted(breakdown.registered, key=lambda c: (-breakdown.registered[c], c))
    countries = countries[:MAX_COUNTRIES]
    labels = [name if drawable(name := names.get(c, c or "?")) else (c or "?") for c in countries]
    registered = [breakdown.registered.get(c, 0) for c in countries]
    attended = [breakdown.attended.get(c, 0) for c in countries]
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    positions = range(len(countries))
    fonts = list(_installed_fonts()[0])
    shown = legend_labels(legend)
    axes.bar([p - 0.2 for p in positions], registered, width=0.4, label=shown[0])
    axes.bar([p + 0.2 for p in positions], attended, width=0.4, label=shown[1], hatch="//")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # people come whole
    axes.set_xticks(list(positions), labels, rotation=45, ha="right", fontsize=8)
    for label in axes.get_xticklabels():
        label.set_fontfamily(fonts)
    heading = title if drawable(title) else fallback_title
    if heading and drawable(heading):
        axes.set_title(heading[:80], fontsize=10, fontfamily=fonts)
    axes.legend(prop={"family": fonts})
    figure.tight_layout()
    return figure


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
