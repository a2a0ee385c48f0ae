"""Reminder times as organizers and operators write them: "1d, 2h, 30m"."""

from __future__ import annotations

import re

from bot.i18n import N_
from bot.problems import InputProblem

_OFFSET = re.compile(r"^\s*(\d{1,4})\s*([dhm])\s*$")
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


def parse_offsets(raw: str) -> list[int]:
    """Reminder times such as "1d, 2h, 30m", as minutes before the start, largest first."""
    minutes: set[int] = set()
    for part in raw.split(","):
        match = _OFFSET.match(part.lower())
        value = int(match.group(1)) * _UNIT_MINUTES[match.group(2)] if match else 0
        if not 1 <= value <= 30 * 24 * 60:
            raise InputProblem(
                N_("“{value}” is not a time before the start such as 1d, 6h or 30m."),
                value=part.strip()[:30],
            )
        minutes.add(value)
    if len(minutes) > 5:
        raise InputProblem(N_("Please give at most five reminder times."))
    return sorted(minutes, reverse=True)
