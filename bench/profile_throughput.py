"""Where our bot's time goes under the throughput load (bench/throughput.py), by area.

One round of the crowd warms the bot up, a second runs under cProfile (the event loop's
thread; the database's thread is timed apart by the throughput meter). The time of every
function is given to its area by its file: python-telegram-bot, our handlers (rendering),
services, database layer, i18n (with babel), the event loop and thread hops, the emulator
(Telegram's side). Standard-library and built-in functions (json, re, datetime...) count for
the area of whoever called them. cProfile slows Python down about twice, evenly enough for
shares; the milliseconds are profiled ones.

    python -m bench.profile_throughput [--users 400] [--top 30] [--variant NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.harness import running_bot
from bench.throughput import USERS, Figures, Journeys, Meter, bare_bot, setup
from bench.what_if import VARIANTS
from bot.devtools.emulator import FakeUser

FuncKey = tuple[str, int, str]

# First match wins: the HTML parser serves mostly the emulator here (and our caption check).
AREAS = (
    ("emulator (Telegram's side)", ("/bot/devtools/", "/bot/telegram_html.py")),
    ("the benchmark's driver", ("/bench/",)),
    ("ours: database layer, loop side", ("/bot/db/",)),
    ("ours: services", ("/bot/services/",)),
    ("ours: i18n (bot/i18n.py, babel)", ("/bot/i18n.py", "/babel/")),
    ("ours: handlers and rendering", ("/handlers/",)),
    ("ours: app, update processor, models", ("/bot/",)),
    ("python-telegram-bot", ("/telegram/",)),
    (
        "event loop and thread hops",
        ("/asyncio/", "/concurrent/", "/threading.py", "/selectors.py", "/queue.py"),
    ),
)
OURS = tuple(name for name, _ in AREAS if name.startswith("ours"))
UNKNOWN = "standard library, unattributed"


def area_of_file(filename: str) -> str | None:
    for name, parts in AREAS:
        if any(part in filename for part in parts):
            return name
    return None


class Attribution:
    """Each function's area: its file's, or (for the standard library and built-ins) that of
    the caller it spent most of its time under."""

    def __init__(self, stats: dict[FuncKey, Any]) -> None:
        self._stats = stats
        self._areas: dict[FuncKey, str] = {}

    def area(self, func: FuncKey, seen: frozenset[FuncKey] = frozenset()) -> str:
        if func in self._areas:
            return self._areas[func]
        found = area_of_file(func[0])
        if found is None:
            callers: dict[FuncKey, tuple[Any, ...]] = self._stats[func][4]
            ranked = sorted(callers.items(), key=lambda item: item[1][3], reverse=True)
            found = next(
                (
                    self.area(caller, seen | {func})
                    for caller, _ in ranked
                    if caller not in seen and caller != func
                ),
                UNKNOWN,
            )
        if not seen:
            self._areas[func] = found
        return found


def by_area(stats: dict[FuncKey, Any]) -> dict[str, float]:
    attribution = Attribution(stats)
    seconds: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, _) in stats.items():
        seconds[attribution.area(func)] += own
    return seconds


def describe(func: FuncKey) -> str:
    filename, line, name = func
    for marker in ("/handlers/", "/bot/", "/babel/", "/telegram/"):
        if marker in filename:
            return f"{marker.strip('/')}/{filename.split(marker, 1)[1]}:{line} {name}"
    return f"{filename}:{line} {name}"


Profiled = tuple[dict[FuncKey, Any], Figures]


async def profile(users: int, top: int, variant: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            people = await setup(bench, users * 2)
            meter = Meter(bench.emulator)
            with meter.installed():
                ours = Journeys(bench.app, bench.emulator)
                scripts = await ours.scripts(people.recorders, meter)
                await ours.crowd(people.crowd[:users], meter)  # warm-up: caches, imports
                with VARIANTS[variant](bench):
                    mine = await profiled(ours, people.crowd[users:], meter)
                ours.close()
                async with bare_bot(bench.emulator, scripts) as app:
                    bare = Journeys(app, bench.emulator)
                    await bare.crowd(people.crowd[:users], meter)
                    theirs = await profiled(bare, people.crowd[users:], meter)
                    bare.close()
    report(mine, theirs, top)


async def profiled(journeys: Journeys, users: Sequence[FakeUser], meter: Meter) -> Profiled:
    profiler = cProfile.Profile()
    profiler.enable()
    figures = await journeys.crowd(users, meter)
    profiler.disable()
    return pstats.Stats(profiler).stats, figures  # type: ignore[attr-defined]


def report(mine: Profiled, theirs: Profiled, top: int) -> None:
    (stats, figures), (bare_stats, bare_figures) = mine, theirs
    per_update, bare_per_update = 1000 / figures.updates, 1000 / bare_figures.updates
    areas, bare_areas = by_area(stats), by_area(bare_stats)
    total, bare_total = sum(areas.values()), sum(bare_areas.values())
    print(
        f"{figures.updates} updates of {figures.updates // 4} users at once, profiled, "
        "in ms per update on the event loop's thread (our bot / the bare bot):"
    )
    for name, seconds in sorted(areas.items(), key=lambda item: item[1], reverse=True):
        print(
            f"  {name:38} {seconds * per_update:6.2f} / "
            f"{bare_areas.get(name, 0.0) * bare_per_update:5.2f}  ({seconds / total:5.1%} of ours)"
        )
    ours = sum(seconds for name, seconds in areas.items() if name in OURS)
    print(f"  {'in all':38} {total * per_update:6.2f} / {bare_total * bare_per_update:5.2f}")
    print(f"  {'ours (the areas marked ours)':38} {ours * per_update:6.2f}")
    print(
        f"  and on the database's thread: {figures.db_seconds * per_update:.2f} ms per update "
        f"running units of work ({figures.units / figures.updates:.2f} units of work per update)"
    )
    attribution = Attribution(stats)
    own = [(func, row) for func, row in stats.items() if attribution.area(func) in OURS]
    print(
        f"our functions by cumulative time (profiled ms per update, calls per update), top {top}:"
    )
    shown = 0
    for func, (_, calls, _, cumulative, _) in sorted(own, key=lambda item: -item[1][3]):
        if area_of_file(func[0]) is None:
            continue  # a built-in, counted under its callers
        share = calls / figures.updates
        print(f"  {cumulative * per_update:6.3f} ms  {share:5.2f}x  {describe(func)}")
        shown += 1
        if shown == top:
            break
    print(f"our functions and the built-ins they call by own time, top {top}:")
    for func, (_, calls, own_time, _, _) in sorted(own, key=lambda item: -item[1][2])[:top]:
        share = calls / figures.updates
        print(f"  {own_time * per_update:6.3f} ms  {share:5.2f}x  {describe(func)}")
    print("python-telegram-bot's functions costing ours more than the bare bot's (own time):")
    framework = [
        (func, row[2] * per_update - bare_stats.get(func, (0, 0, 0.0))[2] * bare_per_update)
        for func, row in stats.items()
        if attribution.area(func) == "python-telegram-bot"
    ]
    for func, extra in sorted(framework, key=lambda item: -item[1])[:top]:
        print(f"  {extra:+6.3f} ms  {describe(func)}")
    by_file: dict[str, float] = defaultdict(float)
    for func, extra in framework:
        by_file[func[0].rsplit("/telegram/", 1)[-1]] += extra
    print("the same by python-telegram-bot's file:")
    for name, extra in sorted(by_file.items(), key=lambda item: -abs(item[1]))[: top // 2]:
        print(f"  {extra:+6.3f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--variant", default="as is", choices=list(VARIANTS), help="of bench.what_if, for ours"
    )
    args = parser.parse_args()
    asyncio.run(profile(args.users, args.top, args.variant))


if __name__ == "__main__":
    main()
