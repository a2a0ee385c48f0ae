"""Issue 13's fair-sending figure: a broadcast, flooders and ordinary users at once, against a
Bot API with Telegram's limits; the fair scheduler and the old first-come limiter in one run.

The bot runs as a process (`python -m bot`, or `python -m bench.first_come_bot` for the same
bot with python-telegram-bot's `AIORateLimiter`, as before the scheduler) against the Bot API
emulator served from this process (bot/devtools/emulator_server.py) with Telegram's limits:
30 messages/s overall (`FloodControl`) and each chat's pace (`ChatPace`: at most 3 messages in
any second, N + 3 in any N seconds), a 429 beyond either. The organizer starts a broadcast to
everyone (`--recipients` seeded users, and the organizer) through the chat: /broadcast,
Everyone, the text, Preview, Send. From the Send press until every recipient has it,
`--flooders` accounts each send /help `--flood-rate` times a second, and `--ordinary` users
each send /help every 2 s. Flooders and ordinary users are seeded after the press, so the
broadcast's audience is the quiet recipients and the organizer.

Ordinary users ask on a clock, answered or not (`--patient`: each waits for the answer, then
2 s). Everything is timed here, on Telegram's side, as messages arrive: an ordinary user's
wait is from the moment their message is queued for the bot to the moment the bot's answer
reaches the emulator. This process only serves HTTP and queues messages; its event loop's
lag and its CPU are printed beside the bot's, to show it is not what holds the bot back, and
so are the bot's silences (no message at all for over 0.25 s while loaded).

The first-come run lasts as long as the fair run's broadcast did (the old limiter gives the
broadcast one slot in every ~45 while the flooders keep their replies coming, and would take
over an hour), and the figures say how far its broadcast got in that time. The bot is stopped
with SIGTERM after each run (SIGKILL 30 s later). About 11 minutes on 2 cores.

    python -m bench.fair_sending [--recipients 3000] [--flooders 40] [--ordinary 5]
        [--flood-rate 10] [--patient] [--max-seconds 600] [--only fair first-come]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.delivery import ROOT, rss_mb
from bench.harness import Seeder, percentile
from bot.db import SqliteDatabase
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, FakeUser
from bot.devtools.emulator_server import BotApiServer, ChatPace, FloodControl

ORGANIZER = FakeUser(id=1, first_name="Olga", language_code="en")
NEWS = "Fair sending bench: tomorrow's sessions start one hour later."
RECIPIENTS_FROM = 10_000_000
FLOODERS_FROM = 20_000_000
ORDINARY_FROM = 30_000_000
ASK_EVERY = 2.0  # seconds between an ordinary user's messages
WINDOW = 5.0  # seconds: the broadcast's pace is counted per window
SETTING_UP = 60.0  # seconds the organizer waits for any one answer while setting up
THINKING = 1.5  # seconds the organizer takes to read an answer and tap (not instantly)
LAG_TICK = 0.05  # seconds: how often this process's loop checks its own lateness
STALL = 0.05  # seconds: a lateness worth listing with its time
SLOW = 1.0  # seconds: an ordinary user's wait worth listing with its time
SILENCE = 0.25  # seconds without any message from the bot, under load: worth listing
GONE = 30.0  # seconds the bot gets to stop on SIGTERM before it is killed
BOTS = {"fair": "bot", "first-come": "bench.first_come_bot"}
DIRECTION = "\u200e\u200f"  # marks the bot puts before a text, by the reader's language
MESSAGES = ("sendMessage", "sendDocument", "sendPhoto", "editMessageText")


@dataclass(frozen=True)
class Scenario:
    recipients: int = 3_000
    flooders: int = 40
    ordinary: int = 5
    flood_rate: float = 10.0
    max_seconds: float = 600.0
    patient: bool = False  # ordinary users wait for each answer before the next 2 s


@dataclass
class Figures:
    """One run, as Telegram's side saw it; times in seconds from the Send press."""

    name: str
    audience: int
    seconds: float = 0.0  # of load: until every recipient had the broadcast, or the limit
    pressed: float = 0.0  # time.monotonic() of the Send press (the emulator's clock)
    waits: list[float] = field(default_factory=list)  # ordinary users' question to answer
    # of each wait, the part before the bot fetched the question (getUpdates): at Telegram
    unfetched: list[float] = field(default_factory=list)
    slow: list[tuple[float, int, float]] = field(default_factory=list)  # (asked, chat, wait)
    unanswered: int = 0
    news: list[float] = field(default_factory=list)  # arrival of each copy of the broadcast
    copies: Counter[int] = field(default_factory=Counter)  # per chat
    finished_at: float | None = None  # the organizer's "finished" summary
    flood_sent: int = 0
    flood_answers: int = 0
    flood_notices: int = 0  # "You are sending messages faster than I can answer"
    backlog: int = 0  # updates the bot had stored and not handled yet when the load stopped
    stats: JSON = field(default_factory=dict)  # the server's /stats
    lag: list[float] = field(default_factory=list)  # this process's loop lateness
    stalls: list[tuple[float, float]] = field(default_factory=list)  # (when, how late)
    sends: list[float] = field(default_factory=list)  # arrival of every message of the bot
    cpu: float = 0.0  # share of one core, this process during the load
    bot_cpu: float = 0.0  # share of one core, the bot during the load
    bot_mb: float = 0.0  # resident at the end
    left_at_telegram: int = 0  # updates the bot had not fetched when the load stopped
    errors: int = 0  # ERROR lines in the bot's log
    log: Path | None = None  # kept after the run
    stopping: str = ""  # how the bot ended

    def windows(self) -> list[float]:
        """Broadcast messages a second in each whole WINDOW from its first copy on."""
        if not self.news:
            return []
        first = self.news[0]
        counts = Counter(int((at - first) // WINDOW) for at in self.news)
        whole = int((min(self.seconds, self.news[-1]) - first) // WINDOW)
        return [counts[number] / WINDOW for number in range(whole)]


class TelegramSide:
    """The emulator with Telegram's limits, and what arrived from the bot, timed."""

    def __init__(self, scenario: Scenario) -> None:
        self.emulator = BotApiEmulator(open_chats=True)
        self.server = BotApiServer(self.emulator, FloodControl(30), ChatPace())
        self.organizer_messages: list[int] = []
        self.asked: dict[int, deque[float]] = {
            ORDINARY_FROM + number: deque() for number in range(scenario.ordinary)
        }
        self.questions: dict[int, deque[int]] = {chat: deque() for chat in self.asked}
        self.fetched: dict[int, float] = {}  # ordinary users' update ids: first fetched at
        self.flooders = range(FLOODERS_FROM, FLOODERS_FROM + scenario.flooders)
        self.pressed = 0.0  # when Send was pressed (perf_counter)
        self.loading = False  # from the Send press to the end of the load: what is counted
        self.figures = Figures("", scenario.recipients + 1)
        self.emulator.listeners.append(self._arrived)
        self._serve_updates = self.emulator._api_getupdates
        self.emulator._api_getupdates = self._updates_fetched  # type: ignore[method-assign]

    async def _updates_fetched(self, params: JSON, files: object) -> list[JSON]:
        updates = await self._serve_updates(params, files)
        at = time.perf_counter()
        for update in updates:
            self.fetched.setdefault(update["update_id"], at)
        return updates

    def _arrived(self, call: ApiCall, result: JSON) -> None:
        if call.method not in MESSAGES:
            return
        at = time.perf_counter() - self.pressed
        chat = result.get("chat", {}).get("id")
        text = str(result.get("text", ""))
        figures = self.figures
        if self.loading:
            figures.sends.append(at)
        if chat == ORGANIZER.id and call.method == "sendMessage":
            self.organizer_messages.append(int(result["message_id"]))
        if text.lstrip(DIRECTION) == NEWS and self.pressed:  # (before: the preview)
            if self.loading:
                figures.news.append(at)
                figures.copies[chat] += 1
        elif chat == ORGANIZER.id:
            if " · finished" in text.split("\n", 1)[0] and figures.finished_at is None:
                figures.finished_at = at
        elif chat in self.asked and call.method == "sendMessage" and self.asked[chat]:
            asked = self.asked[chat].popleft()
            figures.waits.append(time.perf_counter() - asked)
            fetched = self.fetched.get(self.questions[chat].popleft(), time.perf_counter())
            figures.unfetched.append(fetched - asked)
            if figures.waits[-1] > SLOW:
                figures.slow.append((asked - self.pressed, chat, figures.waits[-1]))
        elif chat in self.flooders and self.loading:
            figures.flood_answers += 1
            figures.flood_notices += "\n" not in text  # /help is several lines, the notice one

    async def until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        try:
            async with asyncio.timeout(seconds):
                await self.emulator.wait_until(predicate)
        except TimeoutError:
            return False
        return True

    async def organizer(self, act: Callable[[], object], replies: int = 1) -> None:
        """The organizer does something and waits for the bot's new messages in answer."""
        before = len(self.organizer_messages)
        act()
        if not await self.until(
            lambda: len(self.organizer_messages) >= before + replies, SETTING_UP
        ):
            raise RuntimeError("the bot did not answer the organizer")

    def press(self, label: str) -> None:
        """The organizer presses the button `label` on the latest message that shows it."""
        for message_id in reversed(self.organizer_messages):
            message = self.emulator.messages.get((ORGANIZER.id, message_id), {})
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        self.emulator.user_presses(ORGANIZER, message_id, button["callback_data"])
                        return
        raise RuntimeError(f"no {label!r} button in the organizer's chat")

    async def start_broadcast(self) -> None:
        """/broadcast, Everyone, the text, Preview, then Send, at a person's pace; returns once
        the bot answered Send (the audience is counted by then)."""
        say = self.emulator.user_message
        for act, replies in (
            (lambda: say(ORGANIZER, "/broadcast"), 1),
            (lambda: self.press("Everyone"), 1),
            (lambda: say(ORGANIZER, NEWS), 1),
            (lambda: self.press("Preview"), 2),
        ):
            await asyncio.sleep(THINKING)
            await self.organizer(act, replies)
        await asyncio.sleep(THINKING)
        self.pressed = time.perf_counter()
        self.figures.pressed = time.monotonic()
        self.loading = True
        await self.organizer(lambda: self.press("Send"))


async def flood(side: TelegramSide, users: Sequence[FakeUser], rate: float) -> None:
    """Every flooder sends /help `rate` times a second, until cancelled."""
    due = time.perf_counter()
    while True:
        for user in users:
            side.emulator.user_message(user, "/help")
        side.figures.flood_sent += len(users)
        due += 1 / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))


async def ask(side: TelegramSide, user: FakeUser, phase: float, patient: bool) -> None:
    """An ordinary user's /help every ASK_EVERY seconds, whether answered yet or not (a late
    answer must not make them ask less often, or slow answers would hide themselves); a
    `patient` one waits for the answer, then ASK_EVERY seconds, before asking again."""
    waiting = side.asked[user.id]
    due = time.perf_counter() + phase
    while True:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        waiting.append(time.perf_counter())
        side.questions[user.id].append(side.emulator.user_message(user, "/help")["update_id"])
        due += ASK_EVERY
        if patient:
            await side.emulator.wait_until(lambda: not waiting)
            due = time.perf_counter() + ASK_EVERY


async def watch_lag(figures: Figures) -> None:
    """This process's loop lateness; and the cycle collector's young generations, by hand.

    The emulator keeps every message (a hundred thousand from the flooders); a full
    collection walking them all would hold this loop, and requests arriving meanwhile would be
    counted together, as if the bot had sent them in a burst. So during a run only young
    objects are collected. Stalls over STALL are listed with their time.
    """
    ticks = 0
    while True:
        started = time.perf_counter()
        await asyncio.sleep(LAG_TICK)
        late = time.perf_counter() - started - LAG_TICK
        figures.lag.append(late)
        if late > STALL:
            figures.stalls.append((time.monotonic() - figures.pressed, late))
        ticks += 1
        if not gc.isenabled() and ticks % 20 == 0:
            gc.collect(1)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def launch(module: str, folder: Path, side: TelegramSide) -> asyncio.subprocess.Process:
    log = (folder / "bot.log").open("wb")
    environment = dict(
        PATH=os.environ.get("PATH", ""),
        PYTHONPATH=str(ROOT),
        BOT_TOKEN="1:FAIR",
        TELEGRAM_API_URL=side.server.base_url,
        DATABASE_PATH=str(folder / "bot.sqlite3"),
        ADMIN_IDS=str(ORGANIZER.id),
        LOG_LEVEL="WARNING",
    )
    with log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, cwd=folder, env=environment, stderr=log
        )
    if not await side.until(lambda: side.emulator.polls > 0, 60):
        raise RuntimeError(f"{module} did not start; see {folder / 'bot.log'}")
    return process


async def stop(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, and SIGKILL if the bot is still there GONE seconds later; what happened."""
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(GONE):
            code = await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"still running {GONE:g} s after SIGTERM: killed"
    return f"exit code {code} {time.perf_counter() - started:.1f} s after SIGTERM"


async def run(name: str, scenario: Scenario, folder: Path, seconds: float) -> Figures:
    """One run: a fresh database and emulator, the bot as a process, the broadcast and the
    load for at most `seconds` after the Send press."""
    path = folder / "bot.sqlite3"
    await (await SqliteDatabase.open(path)).close()  # the schema
    seed = Seeder(path)
    seed.users(scenario.recipients, first_id=RECIPIENTS_FROM)
    side = TelegramSide(scenario)
    figures = side.figures
    figures.name = name
    await side.server.start()
    process = await launch(BOTS[name], folder, side)
    watching = asyncio.create_task(watch_lag(figures))
    gc.disable()  # young generations only, by hand (see watch_lag)
    try:
        await side.start_broadcast()
        await load(side, scenario, seed, process.pid, seconds)
        # the questions asked last still get their answer (or are counted unanswered)
        await side.until(lambda: not any(side.asked.values()), 10)
        figures.unanswered = sum(len(waiting) for waiting in side.asked.values())
        figures.stats = side.server.stats()
        figures.bot_mb = rss_mb(process.pid)
    except Exception:
        print((folder / "bot.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        watching.cancel()
        figures.stopping = await stop(process)
        await side.server.stop()
        gc.enable()
    log = (folder / "bot.log").read_text(errors="replace")
    figures.errors = sum(1 for line in log.splitlines() if " ERROR " in line)
    figures.log = Path(tempfile.gettempdir()) / f"fair_sending-{name}.log"
    figures.log.write_text(log)
    return figures


async def load(
    side: TelegramSide, scenario: Scenario, seed: Seeder, bot: int, seconds: float
) -> None:
    """Flooders and ordinary users from the Send press until every recipient has the
    broadcast, or `seconds`; the bot's and this process's figures over that time."""
    figures = side.figures
    flooders = seed.users(scenario.flooders, first_id=FLOODERS_FROM)
    ordinary = seed.users(scenario.ordinary, first_id=ORDINARY_FROM)
    cpu, bot_cpu = time.process_time(), cpu_seconds(bot)
    users = [asyncio.create_task(flood(side, flooders, scenario.flood_rate))]
    for number, user in enumerate(ordinary):
        phase = ASK_EVERY * number / max(1, len(ordinary))
        users.append(asyncio.create_task(ask(side, user, phase, scenario.patient)))
    try:
        await side.until(lambda: len(figures.copies) >= figures.audience, seconds)
    finally:
        for task in users:
            task.cancel()
    figures.seconds = time.perf_counter() - side.pressed
    side.loading = False
    figures.cpu = (time.process_time() - cpu) / figures.seconds
    figures.bot_cpu = (cpu_seconds(bot) - bot_cpu) / figures.seconds
    figures.left_at_telegram = side.emulator.pending_updates()
    # on a thread: counting 100,000 rows here held this loop for 0.2-0.5 s, and what arrived
    # meanwhile was counted in one go (429s from the overall limit that the bot never earned)
    pending = "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"
    figures.backlog = (await asyncio.to_thread(seed.fetch_one, pending))[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def summary(figures: Figures, scenario: Scenario) -> dict[str, str]:
    """The figures of one run, one line each, by name."""
    waits = figures.waits or [float("nan")]
    windows = figures.windows()
    slow = [(n, rate) for n, rate in enumerate(windows) if rate < 10]
    pace: JSON = figures.stats.get("chat_pace", {})
    worst = pace.get("worst")
    busiest = pace.get("busiest_second", {})
    sent = len(figures.copies)
    duplicates = sum(count - 1 for count in figures.copies.values())
    first = figures.news[0] if figures.news else float("nan")
    last = figures.news[-1] if figures.news else float("nan")
    flood_rate = figures.flood_answers / figures.seconds / max(1, scenario.flooders)
    return {
        "ordinary users: answers": f"{len(figures.waits)} ({figures.unanswered} unanswered)",
        "ordinary users: wait median / p99 / max": (
            f"{ms(statistics.median(waits))} / {ms(percentile(waits, 0.99))} / {ms(max(waits))}"
        ),
        "ordinary users: of the slowest 1 %, waiting to be fetched / in the bot": slowest(figures),
        "broadcast: copies received": (
            f"{sent:,} of {figures.audience:,}"
            + (" (all)" if sent >= figures.audience else " (NOT FINISHED)")
            + f", {duplicates} twice"
        ),
        "broadcast: first / last copy after Send": f"{first:.1f} s / {last:.1f} s",
        "broadcast: organizer's 'finished' summary": (
            f"{figures.finished_at:.1f} s" if figures.finished_at is not None else "not seen"
        ),
        f"broadcast: messages/s per {WINDOW:g}-s window, min / median / max": (
            f"{min(windows):.1f} / {statistics.median(windows):.1f} / {max(windows):.1f} "
            f"({len(windows)} windows)"
            if windows
            else "n/a"
        ),
        "broadcast: windows under 10/s": (
            ", ".join(
                f"{n * WINDOW:g}-{(n + 1) * WINDOW:g} s: {rate:.1f}/s" for n, rate in slow[:6]
            )
            + (f" and {len(slow) - 6} more" if len(slow) > 6 else "")
            if slow
            else "none"
        ),
        "per-chat pace: chats over it / messages over it": (
            f"{pace.get('chats_over_pace', 0)} / {pace.get('over_pace', 0)}"
        ),
        "per-chat pace: the worst case": (
            f"chat {worst['chat']}: {worst['messages']} messages within "
            f"{worst['within_seconds']} s (limit {worst['limit']})"
            if worst
            else "none"
        ),
        "per-chat: most messages to one chat in any 1 s": (
            f"{busiest.get('messages', 0)} (chat {busiest.get('chat')})"
        ),
        "429 answers: overall limit / chats' pace": (
            f"{figures.stats.get('refused', 0)} / {pace.get('refused', 0)}"
        ),
        "flooders: messages sent / answers received": (
            f"{figures.flood_sent:,} / {figures.flood_answers:,} ({flood_rate:.2f}/s each, "
            f"{figures.flood_notices} of them the flood notice)"
        ),
        "load lasted": f"{figures.seconds:.1f} s",
        "bot: CPU (one core = 100 %) / resident at the end": (
            f"{figures.bot_cpu:.0%} / {figures.bot_mb:.0f} MB"
        ),
        "bot: updates at Telegram / stored and not yet handled, at the end of the load": (
            f"{figures.left_at_telegram:,} / {figures.backlog:,}"
        ),
        "bot: ERROR lines logged": f"{figures.errors:,} ({figures.log})",
        "bot: stopping": figures.stopping,
        "emulator process: CPU / loop lag p99 / max": (
            f"{figures.cpu:.0%} / {ms(percentile(figures.lag, 0.99))} / {ms(max(figures.lag))}"
        ),
    }


def slowest(figures: Figures) -> str:
    """Where the slowest 1 % of ordinary users' waits went: still at Telegram (the bot had
    not fetched the question yet) or in the bot (fetched, answer not arrived), medians."""
    pairs = sorted(zip(figures.waits, figures.unfetched, strict=True), reverse=True)
    tail = pairs[: max(1, len(pairs) // 100)]
    if not pairs:
        return "n/a"
    unfetched = statistics.median(at_telegram for _, at_telegram in tail)
    inside = statistics.median(wait - at_telegram for wait, at_telegram in tail)
    return f"{ms(unfetched)} / {ms(inside)} ({len(tail)} waits)"


def side_by_side(runs: Sequence[Figures], scenario: Scenario) -> str:
    columns = [summary(figures, scenario) for figures in runs]
    names = list(columns[0])
    width = max(len(name) for name in names)
    rows = [f"| {'figure':<{width}} | " + " | ".join(f.name for f in runs) + " |"]
    rows.append("|" + "-" * (width + 2) + "|" + "---|" * len(runs))
    for name in names:
        rows.append(f"| {name:<{width}} | " + " | ".join(c[name] for c in columns) + " |")
    return "\n".join(rows)


def details(figures: Figures) -> str:
    """What a reader needs to judge a miss, times from the Send press: the first chats over
    their pace, the overall limit's 429s, and when this process's loop was late."""
    pace: JSON = figures.stats.get("chat_pace", {})
    lines = []
    for violation in pace.get("violations", [])[:10]:
        lines.append(
            f"  {violation['at'] - figures.pressed:7.2f} s: chat {violation['chat']} got "
            f"{violation['messages']} messages within {violation['within_seconds']} s "
            f"(limit {violation['limit']})"
        )
    refused = [f"{at - figures.pressed:.2f} s" for at in figures.stats.get("refused_at", [])]
    if refused:
        lines.append(f"  the overall limit's 429s at {', '.join(refused[:20])}")
    if figures.stalls:
        stalls = [f"{at:.1f} s ({ms(late)})" for at, late in figures.stalls[:20]]
        lines.append(f"  this process's loop late by over {ms(STALL)} at {', '.join(stalls)}")
    if figures.slow:
        slow = [f"{at:.1f} s (chat {chat}: {ms(wait)})" for at, chat, wait in figures.slow[:20]]
        lines.append(f"  ordinary users waiting over {ms(SLOW)}, asked at {', '.join(slow)}")
    gaps = [(b, b - a) for a, b in itertools.pairwise(figures.sends) if b - a > SILENCE]
    if gaps:
        silences = [f"{at - gap:.1f} s ({ms(gap)})" for at, gap in gaps[:20]]
        lines.append(
            f"  {len(gaps)} silences of the bot over {ms(SILENCE)} (no message at all) at "
            + ", ".join(silences)
        )
    return "\n".join([f"{figures.name}:", *lines]) if lines else ""


async def compare(scenario: Scenario, only: Sequence[str]) -> list[Figures]:
    print(
        f"{scenario.recipients:,} recipients, {scenario.flooders} flooders at "
        f"{scenario.flood_rate:g} messages/s each, {scenario.ordinary} ordinary users asking "
        f"every {ASK_EVERY:g} s{' after each answer' if scenario.patient else ''}; "
        "Telegram's limits: 30/s overall, 3 in any second and N + 3 "
        "in any N seconds per chat",
        flush=True,
    )
    runs: list[Figures] = []
    seconds = scenario.max_seconds
    for name in only:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
            figures = await run(name, scenario, Path(folder), seconds)
            print(f"{name}: done in {time.perf_counter() - started:.0f} s", flush=True)
            print(side_by_side([figures], scenario), flush=True)
            runs.append(figures)
            if name == "fair" and len(figures.copies) >= figures.audience:
                seconds = min(seconds, figures.seconds)  # the other run: as long as this one
    print(side_by_side(runs, scenario))
    for figures in runs:
        if explained := details(figures):
            print(explained)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    defaults = Scenario()
    parser.add_argument("--recipients", type=int, default=defaults.recipients)
    parser.add_argument("--flooders", type=int, default=defaults.flooders)
    parser.add_argument("--ordinary", type=int, default=defaults.ordinary)
    parser.add_argument("--flood-rate", type=float, default=defaults.flood_rate)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=defaults.max_seconds,
        help="of load after the Send press, at most (the first-come run: as long as the fair)",
    )
    parser.add_argument(
        "--patient",
        action="store_true",
        help="ordinary users wait for each answer, then 2 s, before asking again",
    )
    parser.add_argument("--only", nargs="+", choices=list(BOTS), default=list(BOTS))
    args = parser.parse_args()
    scenario = Scenario(
        args.recipients,
        args.flooders,
        args.ordinary,
        args.flood_rate,
        args.max_seconds,
        args.patient,
    )
    asyncio.run(compare(scenario, args.only))


if __name__ == "__main__":
    main()
