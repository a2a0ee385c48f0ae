"""What changes outside bench/ would buy: the throughput journey of bench/throughput.py with
our bot patched in memory, one candidate change at a time, against the bare bot in the same run.

Each round runs the bare bot once, then our bot as it is and under each variant, with fresh
users each time; a variant's ratio is taken against that round's bare bot. The patches are
stand-ins for the proposed changes (see bench/README.md), not the changes themselves: they
show the size of the gain, not a design.

    python -m bench.what_if [--users 400] [--rounds 3] [--only NAME ...]
    python -m bench.what_if --instructions [--users 50] [--only NAME ...]   # needs valgrind
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from unittest.mock import patch

from bench.harness import Bench, running_bot
from bench.throughput import Figures, Journeys, Meter, bare_bot, forget_sign_ups, setup
from bot.models import Contact, RegistrationStatus, User
from bot.services.users import LAST_SEEN_RESOLUTION, UserService
from handlers.wizards import (
    GROUP_BROADCAST,
    GROUP_EDIT_EVENT,
    GROUP_FEEDBACK,
    GROUP_NEW_EVENT,
    GROUP_TIMEZONE,
)

Variant = Callable[[Bench], AbstractContextManager[None]]
WARM_UP = 50  # users whose journeys warm caches up before a valgrind measurement
Standing = tuple[RegistrationStatus | None, int | None]


@contextmanager
def as_is(bench: Bench) -> Iterator[None]:
    yield


@contextmanager
def one_more_unit(bench: Bench) -> Iterator[None]:
    """An extra empty read per update, in load_viewer: what one unit of work costs."""
    original = UserService.touch

    async def touch(self: UserService, contact: Contact) -> User:
        await self._db.read(lambda uow: None)
        return await original(self, contact)

    with patch.object(UserService, "touch", touch):
        yield


@contextmanager
def viewer_remembered(bench: Bench) -> Iterator[None]:
    """The viewer kept in memory between the updates of a conversation (no read in
    load_viewer for a user seen within the last-seen resolution, whose Telegram details did
    not change); a real change would forget a user whenever a service changes them."""
    original = UserService.touch
    seen: dict[int, User] = {}

    async def touch(self: UserService, contact: Contact) -> User:
        user = seen.get(contact.user_id)
        if (
            user is not None
            and user.is_active
            and (user.first_name, user.last_name, user.username, user.telegram_language)
            == (contact.first_name, contact.last_name, contact.username, contact.language_code)
            and bench.clock.now() - user.last_seen_at < LAST_SEEN_RESOLUTION
        ):
            return user
        seen[contact.user_id] = user = await original(self, contact)
        return user

    with patch.object(UserService, "touch", touch):
        yield


@contextmanager
def fewer_wizard_groups(bench: Bench) -> Iterator[None]:
    """The five wizards the journey never enters (time zone, new and edited event, broadcast,
    feedback) taken out of the dispatch: what python-telegram-bot spends asking each wizard's
    ConversationHandler whether an update is its own, on every update."""
    unused = (GROUP_TIMEZONE, GROUP_NEW_EVENT, GROUP_EDIT_EVENT, GROUP_BROADCAST, GROUP_FEEDBACK)
    kept = {group: found for group, found in bench.app.handlers.items() if group not in unused}
    with patch.dict(bench.app.handlers, kept, clear=True):
        yield


def combined(*variants: Variant) -> Variant:
    @contextmanager
    def both(bench: Bench) -> Iterator[None]:
        with ExitStack() as stack:
            for variant in variants:
                stack.enter_context(variant(bench))
            yield

    return both


VARIANTS: dict[str, Variant] = {
    "as is": as_is,
    "+1 empty unit of work per update": one_more_unit,
    "viewer remembered": viewer_remembered,
    "five wizard groups fewer": fewer_wizard_groups,
    "both": combined(viewer_remembered, fewer_wizard_groups),
}


async def what_if(users: int, rounds: int, names: list[str]) -> None:
    """Wall clock and CPU time: each variant right after the bare bot, on the same users."""
    chosen = {name: VARIANTS[name] for name in names or VARIANTS}
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            people = await setup(bench, users * rounds * len(chosen))
            groups = iter(people.crowd[i : i + users] for i in range(0, len(people.crowd), users))
            meter = Meter(bench.emulator)
            results: dict[str, list[tuple[Figures, Figures]]] = {name: [] for name in chosen}
            with meter.installed():
                ours = Journeys(bench.app, bench.emulator)
                scripts = await ours.scripts(people.recorders, meter)
                async with bare_bot(bench.emulator, scripts) as app:
                    bare = Journeys(app, bench.emulator)
                    for number in range(rounds):
                        for name, variant in chosen.items():
                            group = next(groups)  # the bare bot just before, on the same users
                            theirs = await bare.crowd(group, meter)
                            with variant(bench):
                                mine = await ours.crowd(group, meter)
                            forget_sign_ups(bench, group)
                            results[name].append((mine, theirs))
                        print(f"round {number + 1} of {rounds} done", flush=True)
                    bare.close()
                ours.close()
    print(f"{users} users at once, the throughput journey; median of {rounds} rounds:")
    for name, pairs in results.items():
        ratio = statistics.median(o.rate / b.rate for o, b in pairs)
        cpu = statistics.median(b.cpu_seconds / o.cpu_seconds for o, b in pairs)
        rate = statistics.median(o.rate for o, _ in pairs)
        cpu_ms = statistics.median(o.cpu_seconds / o.updates * 1000 for o, _ in pairs)
        hops = statistics.median(o.units / o.updates for o, _ in pairs)
        print(
            f"  {name}: {rate:,.0f} updates/s, {cpu_ms:.2f} ms of CPU and {hops:.2f} units of work "
            f"per update; ratio {ratio:.2f}, by CPU time {cpu:.2f}"
        )


async def one_crowd(bot: str, name: str, users: int) -> None:
    """Set up, warm both bots up, then one crowd of `users` for `bot` under variant `name`:
    what `instructions` runs under valgrind (with 0 users, the cost of all the rest)."""
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder)) as bench:
            people = await setup(bench, WARM_UP + users)
            meter = Meter(bench.emulator)
            with meter.installed():
                ours = Journeys(bench.app, bench.emulator)
                scripts = await ours.scripts(people.recorders, meter)
                warm, measured = people.crowd[:WARM_UP], people.crowd[WARM_UP:]
                await ours.crowd(warm, meter)
                async with bare_bot(bench.emulator, scripts) as app:
                    bare = Journeys(app, bench.emulator)
                    await bare.crowd(warm, meter)
                    with VARIANTS[name](bench):
                        await (ours if bot == "ours" else bare).crowd(measured, meter)


def count_instructions(bot: str, name: str, users: int) -> int:
    """Instructions executed by `one_crowd` under valgrind (user space only; every thread)."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.what_if",
        "--one",
        bot,
        name,
        str(users),
    ]
    environment = {**os.environ, "PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    assert found is not None, done.stderr[-2000:]
    return int(found.group(1).replace(",", ""))


def instructions(users: int, names: list[str]) -> None:
    """Instructions per update of our bot under each variant and of the bare bot: no noise
    from the machine's other load, but neither the kernel's share (thread wake-ups) nor
    waiting for the GIL, which the wall clock figures include."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind")
    runs = [("ours", "as is", 0), ("bare", "as is", users)]
    runs += [("ours", name, users) for name in names or VARIANTS]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = list(pool.map(lambda run: count_instructions(*run), runs))
    base, bare = counts[0], (counts[1] - counts[0]) / (users * 4)
    print(
        f"instructions per update (valgrind, {users} users at once, the throughput journey); "
        f"bare bot {bare / 1e6:.2f} M:"
    )
    for (_, name, _), count in zip(runs[2:], counts[2:], strict=True):
        mine = (count - base) / (users * 4)
        print(f"  {name}: {mine / 1e6:.2f} M, ratio {bare / mine:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[], choices=list(VARIANTS))
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under valgrind instead"
    )
    parser.add_argument(
        "--one", nargs=3, metavar=("BOT", "VARIANT", "USERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        bot, name, users = args.one
        asyncio.run(one_crowd(bot, name, int(users)))
    elif args.instructions:
        instructions(args.users or 50, args.only)
    else:
        asyncio.run(what_if(args.users or 400, args.rounds, args.only))


if __name__ == "__main__":
    main()
