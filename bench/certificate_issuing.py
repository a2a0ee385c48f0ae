"""Issue 16's figures: 1,000 certificates issued at once and delivered by `python -m bot`.

A database in a temporary folder, seeded by this process and then let go: a course of four
weekly sessions, completed by attending 3 of the 4; 1,000 participants registered for all
four, each of whom missed one of the first three and attended the last, so that all complete
the course when the last session ends. Each has a confirmed name for certificates (so each
gets a PDF, not the question about the spelling), in the six languages and their time zones,
with names in Arabic, Chinese, Cyrillic, Latin with accents and Latin mixed with Arabic
(bench/certificates.py's `NAMES`). What the running bot did in those four weeks is replayed on
the seeding application's clock (its reminders, "starting now" messages and feedback
questions, queued by `ReminderService.fire` at their moments and marked sent), so the bot
starts with nothing late to send. The last session is seeded to end `LEAD` seconds after the
bot is launched.

The bot is then started as an operator starts it: `python -m bot` in a process of its own,
configured by its environment (BOT_TOKEN, TELEGRAM_API_URL, DATABASE_PATH, ADMIN_IDS and the
CERTIFICATE_* settings: a logo file and three signatories), the clock real, talking HTTP to a
fake Bot API in a third process on 127.0.0.1 that enforces 30 messages/s and answers 429
beyond (bot/devtools/emulator_server.py's server, as bench/delivery.py's `start_fake` runs it,
plus a list of what it received: see `serve_fake`). Nothing in the bot's process is patched:
at the session's end its own job (handlers/jobs.py `fire`, the FEEDBACK job) queues the
session's feedback question to its attendees and issues the certificates
(`CertificateService.award_ended`), and its delivery worker sends both, as it would after a
real last session.

Read from outside the bot's process (/proc/<pid>/status and /proc/<pid>/stat): its resident
memory before issuing (`VmRSS` just before the session ends, the city list long loaded) and
its start-up peak (`VmHWM` at that moment); the peak while issuing and sending, as the largest
`VmRSS` sampled every 100 ms from the session's end to the last delivery (budget 200 MB), and
`VmHWM` at the end; its CPU seconds (user + system) from the session's end to the last
delivery (budget: 1,000 certificates in under 300 s of CPU), also sampled every 100 ms to
split it at the first document's arrival. From the fake Bot API: when each message arrived
(the rates, overall and per 5-s window), the number of 429 answers (must be 0), and every
document, fetched back: each must be a PDF whose text (pypdf) has the name and the
certificate code of the chat it was sent to; mismatches are counted and listed (must be 0).
From the bot's log: when the job queued the feedback question and recorded the certificates,
and any line at WARNING or above. At the end the bot is stopped with SIGTERM; every process
the bench started ends with it, on failure too. One certificate's rendering time is not
measured here (nothing in the bot's process is timed from inside): bench/certificates.py
measures it.

    python -m bench.certificate_issuing [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from bench.certificates import COURSE, LANGUAGES, NAMES, SIGNATORIES, logo
from bench.harness import Seeder
from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database, SqliteDatabase, UnitOfWork, to_db
from bot.devtools.emulator import BotApiEmulator, EmulatorRequest
from bot.models import CampaignKind, Event
from bot.services.container import Services
from bot.services.programme_import import ParsedProgramme

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH"
ORGANIZER = 1  # ADMIN_IDS: not a participant
PARTICIPANTS = 1_000
QUICK = 100
SESSIONS = 4
DURATION = timedelta(minutes=90)
LEAD = 20.0  # seconds from the bot's launch to the end of the last session
SEEDING = 15.0  # seconds allowed for seeding before the launch (the launch waits for them)
SAMPLE = 0.1  # seconds between two looks at the bot's process while it issues and sends
GONE = 30.0  # seconds the bot has to exit after SIGTERM before it is killed
CPU_BUDGET = 300.0  # seconds for 1,000 certificates
MEMORY_BUDGET = 200.0  # MB


# -- the fake Bot API ----------------------------------------------------------------------


def serve_fake(limit: int) -> None:
    """The Bot API emulator over HTTP, as `python -m bot.devtools.emulator_server --open-chats
    --limit N` serves it (bench/delivery.py's `start_fake`), which also answers `/received`:
    each document and text it accepted, with its chat and the moment it arrived (the bot's
    answers are not to be read from inside its process here)."""
    from tornado.httputil import HTTPServerRequest

    from bot.devtools.emulator import JSON, ApiCall
    from bot.devtools.emulator_server import Answer, BotApiServer, FloodControl

    received: dict[str, list[Any]] = {"documents": [], "texts": []}

    def note(call: ApiCall, result: JSON) -> None:
        if call.method == "sendDocument" and "document" in result:
            document = result["document"]
            received["documents"].append(
                [
                    result["chat"]["id"],
                    document["file_id"],
                    document.get("file_name", ""),
                    time.time(),
                ]
            )
        elif call.method == "sendMessage" and "chat" in result:
            received["texts"].append([result["chat"]["id"], time.time()])

    class Recording(BotApiServer):
        async def answer(self, request: HTTPServerRequest) -> Answer:
            if request.path == "/received":
                return 200, json.dumps(received).encode(), "application/json"
            return await super().answer(request)

    async def serve() -> None:
        emulator = BotApiEmulator(open_chats=True)
        emulator.listeners.append(note)
        server = Recording(emulator, FloodControl(limit))
        await server.start()
        print(f"Bot API emulator on {server.base_url}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


def fetch(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as answer:
        return bytes(answer.read())


# -- processes -----------------------------------------------------------------------------

_prctl = ctypes.CDLL(None, use_errno=True).prctl
PR_SET_PDEATHSIG = 1


def _with_the_bench() -> None:
    """In the child, before exec: it gets SIGTERM if the bench dies (even by SIGKILL)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def child(command: list[str], **options: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A process of the bench's, ended when the block is left whatever happened (SIGTERM,
    then SIGKILL after GONE seconds), and by the kernel if the bench itself is killed."""
    process = subprocess.Popen(command, preexec_fn=_with_the_bench, **options)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(GONE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def proc_status(pid: int) -> dict[str, float]:
    """`VmRSS` and `VmHWM` of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until_time(moment: float) -> None:
    """Sleep until `moment` (time.time())."""
    await asyncio.sleep(max(0.0, moment - time.time()))


# -- seeding -------------------------------------------------------------------------------


def holder_names(count: int) -> list[str]:
    """The name each participant confirmed, in the script of their language's `NAMES`
    (participant i reads LANGUAGES[i % 6], as `Seeder.users` gives them)."""
    names = []
    for i in range(count):
        choices = NAMES[LANGUAGES[i % len(LANGUAGES)]]
        names.append(choices[(i // len(LANGUAGES)) % len(choices)])
    return names


def programme(first: datetime, capacity: int) -> bytes:
    """The course's four weekly sessions, to the second (bench/harness.py's `programme_csv`
    writes starts to the minute)."""
    lines = ["code,topic,starts_at,duration_minutes,capacity,language,join_url,title,description"]
    for i in range(SESSIONS):
        start = (first + i * timedelta(weeks=1)).isoformat(timespec="seconds")
        lines.append(
            f"ev-{i:04d},climate-change,{start},{DURATION.total_seconds() // 60:.0f},{capacity},"
            f"en,https://meet.example.org/{i},Early warning systems for urban floods: part {i + 1},"
            "What cities learned."
        )
    return ("\n".join(lines) + "\n").encode()


def attended(number: int, count: int) -> list[int]:
    """Who attended session `number` (indexes): participant i missed session i % 3 (one of
    the first three) and attended the others, the last among them."""
    return [i for i in range(count) if number == SESSIONS - 1 or i % 3 != number]


async def replay(
    services: Services, db: Database, clock: FrozenClock, sessions: list[Event], users: list[int]
) -> None:
    """What the running bot did in the course's weeks, up to `clock`'s present. Each
    session's check-ins (ten minutes into it), then its reminders, "starting now" message and
    feedback question queued at their moments by the bot's own `ReminderService.fire`, and the
    certificates looked for at its end as the bot's job does (none: nobody has completed the
    course before its last session); last, every message queued marked sent, as the bot sent
    them at the time."""
    now = clock.now()
    reminders = services.reminders
    for number, event in enumerate(sessions):
        present = [users[i] for i in attended(number, len(users))]
        checked_in = min(event.starts_at + timedelta(minutes=10), now)

        def check_in(
            uow: UnitOfWork,
            event_id: int = event.event_id,
            people: list[int] = present,
            at: datetime = checked_in,
        ) -> None:
            uow.attendance.record_many(event_id, people, "button", at)

        await db.write(check_in)
        jobs = reminders.jobs_of(event, await reminders.offsets_of(event.event_id))
        for job in sorted(jobs, key=lambda job: job.when):
            if job.when >= now:
                continue  # the bot's to do: the last session's end
            clock.set(job.when)
            await reminders.fire(job)
            if job.kind == CampaignKind.FEEDBACK:
                awarded = await services.certificates.award_ended(event.event_id)
                assert awarded == 0, f"{awarded} completed the course before its last session"
    clock.set(now)
    assert db.file is not None
    with Seeder(db.file).transaction() as conn:
        conn.execute(
            "UPDATE deliveries SET status = 'sent', sent_at = next_attempt_at"
            " WHERE status = 'pending'"
        )
        conn.execute("UPDATE campaigns SET status = 'done', finished_at = created_at")


async def seed(path: Path, count: int, ends_at: datetime) -> list[int]:
    """The course whose last session ends at `ends_at`, its `count` participants and their
    four weeks, written by the bot's own application on a clock of the bench's (the Bot API
    emulated in this process); their ids. The application is shut down before returning."""
    settings = Settings(bot_token=TOKEN, database_path=path, admin_ids=frozenset({ORGANIZER}))
    clock = FrozenClock(datetime.now(UTC))
    app = build_application(
        settings,
        request=EmulatorRequest(BotApiEmulator()),
        clock=clock,
        deliver=False,
        pace=False,
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    services = app.bot_data.services
    db = await SqliteDatabase.open(path)  # the bench's own, beside the application's
    try:
        first = ends_at - DURATION - (SESSIONS - 1) * timedelta(weeks=1)
        imported = await services.programme.import_now(programme(first, count + 10), None)
        if isinstance(imported, ParsedProgramme):
            raise RuntimeError(f"the programme was refused: {imported.problems}")
        seeder = Seeder(path)
        users = [user.id for user in seeder.users(count)]
        stamp = to_db(clock.now())
        found = await db.read(
            lambda uow: uow.events.by_codes(f"ev-{i:04d}" for i in range(SESSIONS))
        )
        sessions = sorted(found.values(), key=lambda event: event.starts_at)
        with seeder.transaction() as conn:
            conn.executemany(
                "UPDATE users SET full_name = ?1, certificate_name = ?1, country = 'KE',"
                " city = 'Nairobi', consent_at = ?2 WHERE user_id = ?3",
                [
                    (name, stamp, user)
                    for name, user in zip(holder_names(count), users, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at,"
                " seq) VALUES (?, ?, 'confirmed', ?, ?, ?)",
                [
                    (event.event_id, user, stamp, stamp, number * count + i + 1)
                    for number, event in enumerate(sessions)
                    for i, user in enumerate(users)
                ],
            )

        def course(uow: UnitOfWork) -> None:
            course_id = uow.courses.save(COURSE, clock.now())
            for event in sessions:
                uow.courses.attach(event.event_id, course_id)

        await db.write(course)
        attached = await db.read(lambda uow: uow.events.by_codes(found))  # with their course
        sessions = sorted(attached.values(), key=lambda event: event.starts_at)
        await replay(services, db, clock, sessions, users)
    finally:
        await db.close()
        for thread in threading.enumerate():
            if thread.name == "city-list":  # the application's start-up reading
                thread.join()
        await app.post_shutdown(app)
        await app.shutdown()
    return users


# -- the run -------------------------------------------------------------------------------


@dataclass
class Run:
    participants: int
    ends: float  # the session's end, time.time()
    seeding: float  # seconds
    launch_to_polling: float
    lead: float  # seconds from the launch to the session's end
    rss_before: float  # MB
    startup_peak: float
    # every SAMPLE s from the session's end: (seconds since it, VmRSS in MB, CPU s since it)
    samples: list[tuple[float, float, float]]
    hwm_end: float
    rss_end: float
    cpu: float  # of the bot's process, the session's end to the last delivery seen
    fake_cpu: float
    watched: float  # seconds from the session's end to the last delivery seen
    issued: int
    job_lines: dict[str, tuple[float, int]]  # "feedback"/"certificates": (s after the end, n)
    outcomes: dict[str, dict[str, int]]  # campaign kind: delivery status: count
    before_end: int  # messages the fake received before the session's end
    documents: list[tuple[int, str, str, float]]  # chat, file id, file name, arrival
    texts: list[tuple[int, float]]  # chat, arrival
    refused: int
    stop: str
    log_problems: list[str]
    sizes: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    without_document: int = 0


def start_fake(limit: int) -> list[str]:
    return [sys.executable, "-m", "bench.certificate_issuing", "--serve-fake", str(limit)]


def environment(port: int, path: Path, logo_path: Path) -> dict[str, str]:
    """The bot's settings, as an operator's .env would give them."""
    variables = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        "DATABASE_PATH": str(path),
        "ADMIN_IDS": str(ORGANIZER),
        "CERTIFICATE_LOGO": str(logo_path),
        "CERTIFICATE_SIGNATORIES": "; ".join(f"{name} | {title}" for name, title in SIGNATORIES),
    }
    if "TZ" in os.environ:  # the log's times are read in the bench's zone
        variables["TZ"] = os.environ["TZ"]
    return variables


async def run(folder: Path, participants: int) -> Run:
    path = folder / "bot.sqlite3"
    log_path = folder / "bot.log"
    with child(start_fake(30), stdout=subprocess.PIPE, cwd=ROOT) as fake:
        assert fake.stdout is not None
        url = fake.stdout.readline().decode().split()[-1]  # "Bot API emulator on <url>"
        port = int(url.rsplit(":", 1)[1].split("/")[0])

        started = time.time()
        ends_at = datetime.fromtimestamp(int(started + SEEDING + LEAD) + 1, UTC)
        ends = ends_at.timestamp()
        users = await seed(path, participants, ends_at)
        seeding = time.time() - started
        print(f"seeded in {seeding:.1f} s", flush=True)
        if time.time() > ends - LEAD:
            raise RuntimeError(f"seeding took {seeding:.0f} s, more than {SEEDING:.0f} s")
        [(last_campaign,)] = Seeder(path).fetch_all(
            "SELECT COALESCE(MAX(campaign_id), 0) FROM campaigns"
        )
        logo_path = folder / "logo.png"
        logo_path.write_bytes(logo())

        await until_time(ends - LEAD)
        with (
            log_path.open("wb") as log,
            child(
                [sys.executable, "-m", "bot"],
                cwd=folder,
                env=environment(port, path, logo_path),
                stdout=log,
                stderr=log,
            ) as bot,
        ):
            launched = time.time()
            try:
                while not json.loads(fetch(port, "/stats"))["polls"]:
                    if bot.poll() is not None or time.time() > ends - 1:
                        raise RuntimeError("the bot did not start polling")
                    await asyncio.sleep(0.02)
                polling = time.time() - launched
                print(
                    f"python -m bot (pid {bot.pid}): polling {polling:.2f} s after launch; "
                    f"the last session ends {ends - launched:.1f} s after launch",
                    flush=True,
                )
                await until_time(ends - 0.5)
                before = proc_status(bot.pid)
                await until_time(ends)
                cpu, fake_cpu = cpu_seconds(bot.pid), cpu_seconds(fake.pid)
                samples: list[tuple[float, float, float]] = []
                deadline = ends + 120 + 2 * participants
                conn = sqlite3.connect(path, timeout=30)
                try:
                    tick = ends
                    while True:
                        tick += SAMPLE
                        await until_time(tick)
                        if bot.poll() is not None:
                            raise RuntimeError(f"the bot exited with {bot.returncode}")
                        samples.append(
                            (
                                time.time() - ends,
                                proc_status(bot.pid)["VmRSS"],
                                cpu_seconds(bot.pid) - cpu,
                            )
                        )
                        issued, pending = conn.execute(
                            "SELECT EXISTS (SELECT 1 FROM campaigns WHERE kind = 'certificate'),"
                            " (SELECT COUNT(*) FROM deliveries WHERE status = 'pending')"
                        ).fetchone()
                        if issued and not pending:
                            break
                        if time.time() > deadline:
                            raise RuntimeError(
                                f"not all sent {deadline - ends:.0f} s after the session's end"
                            )
                finally:
                    conn.close()
                watched = time.time() - ends
                cpu = cpu_seconds(bot.pid) - cpu
                fake_cpu = cpu_seconds(fake.pid) - fake_cpu
                after = proc_status(bot.pid)
            except Exception:
                print(f"bot log (last lines):\n{tail(log_path)}", file=sys.stderr, flush=True)
                raise
            stop = stopped(bot)

        stats = json.loads(fetch(port, "/stats"))
        received = json.loads(fetch(port, "/received"))
        store = Seeder(path)
        outcomes: dict[str, dict[str, int]] = {}
        for kind, status, count in store.fetch_all(
            "SELECT c.kind, d.status, COUNT(*) FROM deliveries d JOIN campaigns c"
            " ON c.campaign_id = d.campaign_id WHERE c.campaign_id > ? GROUP BY 1, 2",
            (last_campaign,),
        ):
            outcomes.setdefault(kind, {})[status] = count
        holders = dict(
            store.fetch_all(
                "SELECT user_id, certificate_name FROM users WHERE user_id IN"
                f" ({','.join('?' * len(users))})",
                users,
            )
        )
        codes = dict(store.fetch_all("SELECT code, user_id FROM certificates"))
        documents = [tuple(row) for row in received["documents"]]
        texts = [tuple(row) for row in received["texts"]]
        result = Run(
            participants=participants,
            ends=ends,
            seeding=seeding,
            launch_to_polling=polling,
            lead=ends - launched,
            rss_before=before["VmRSS"],
            startup_peak=before["VmHWM"],
            samples=samples,
            hwm_end=after["VmHWM"],
            rss_end=after["VmRSS"],
            cpu=cpu,
            fake_cpu=fake_cpu,
            watched=watched,
            issued=len(codes),
            job_lines=job_lines(log_path, ends),
            outcomes=outcomes,
            before_end=sum(1 for row in [*documents, *texts] if row[-1] < ends),
            documents=[row for row in documents if row[-1] >= ends],
            texts=[row for row in texts if row[-1] >= ends],
            refused=int(stats["refused"]),
            stop=stop,
            log_problems=log_problems(log_path),
        )
        result.sizes, result.mismatches = check_documents(port, result.documents, holders, codes)
        result.without_document = len(set(codes.values()) - {row[0] for row in result.documents})
    return result


def stopped(bot: subprocess.Popen[bytes]) -> str:
    """SIGTERM, as a supervisor stops the bot; what happened."""
    started = time.perf_counter()
    bot.send_signal(signal.SIGTERM)
    try:
        code = bot.wait(GONE)
    except subprocess.TimeoutExpired:
        bot.kill()
        bot.wait()
        return f"still running {GONE:g} s after SIGTERM: killed"
    return f"exit code {code} {time.perf_counter() - started:.1f} s after SIGTERM"


def tail(path: Path, lines: int = 30) -> str:
    """The log's last lines, without the scheduler's line before and after each job."""
    kept = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if " apscheduler.executors." not in line
    ]
    return "\n".join(kept[-lines:])


def log_time(line: str) -> float:
    """The moment of a log line ("2026-12-02 14:47:26,123 INFO ..."), as time.time()."""
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone().timestamp()


def job_lines(path: Path, ends: float) -> dict[str, tuple[float, int]]:
    """When, after the session's end, the bot's job said it queued the feedback question and
    issued the certificates, and how many (handlers/jobs.py `fire`)."""
    found = {}
    for line in path.read_text(errors="replace").splitlines():
        if " Job feedback:" in line and " queued " in line:
            found["feedback"] = (log_time(line) - ends, int(line.split(" queued ")[1].split()[0]))
        elif " ended: " in line and " certificates issued" in line:
            found["certificates"] = (
                log_time(line) - ends,
                int(line.split(" ended: ")[1].split()[0]),
            )
    return found


def log_problems(path: Path) -> list[str]:
    """The bot's log lines at WARNING and above."""
    return [
        line
        for line in path.read_text(errors="replace").splitlines()
        if any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))
    ]


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def found(expected: str, extracted: str) -> bool:
    """Whether a reader searching `extracted` finds `expected`. Text with right-to-left
    letters: each word, as written or reversed, on one line (extractors disagree on the order
    of right-to-left runs; see tests/test_certificate_pdf.py)."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in expected):
        return normal(expected) in normal(extracted)
    words = normal(expected).split()
    return any(
        all(word in line or word[::-1] in line for word in words)
        for line in (normal(line) for line in extracted.splitlines())
    )


def check_documents(
    port: int,
    documents: list[tuple[int, str, str, float]],
    holders: dict[int, str],
    codes: dict[str, int],
) -> tuple[list[int], list[str]]:
    """Each document the fake received, fetched back from it: a PDF whose text has the name
    of the person it went to and the code of that person's certificate. Their sizes, and what
    did not match."""
    import pypdf  # here: only the bench's process reads PDFs

    sizes, mismatches = [], []
    chats: set[int] = set()
    for chat, file_id, name, _ in documents:
        content = fetch(port, f"/file/bot{TOKEN}/documents/{file_id}")
        sizes.append(len(content))
        code = name.removeprefix("certificate-").removesuffix(".pdf")
        holder = holders.get(chat, "")
        if chat in chats:
            mismatches.append(f"{chat}: a second document, {name}")
        chats.add(chat)
        if not content.startswith(b"%PDF-"):
            mismatches.append(f"{chat}: {name} is not a PDF")
            continue
        text = pypdf.PdfReader(BytesIO(content)).pages[0].extract_text()
        if codes.get(code) != chat:
            mismatches.append(f"{chat}: {name} is the certificate of {codes.get(code)}")
        elif not found(holder, text):
            mismatches.append(f"{chat}: {holder!r} not in the text of {name}")
        elif code not in text:
            mismatches.append(f"{chat}: the code {code} not in the text of {name}")
    return sizes, mismatches


# -- the report ----------------------------------------------------------------------------


def per_window(moments: list[float], start: float, seconds: float = 5.0) -> list[int]:
    """Messages in each whole window of `seconds` from `start` to the last one."""
    if not moments:
        return []
    windows = [0] * int((max(moments) - start) // seconds)
    for moment in moments:
        index = int((moment - start) // seconds)
        if index < len(windows):
            windows[index] += 1
    return windows


def verdict(ok: bool, bad: str = "OVER BUDGET") -> str:
    return " OK" if ok else f" {bad}"


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def report(result: Run) -> None:
    count = result.participants
    cpu_budget = CPU_BUDGET * count / PARTICIPANTS
    ends = result.ends
    documents = sorted(row[3] - ends for row in result.documents) or [0.0]
    texts = sorted(row[1] - ends for row in result.texts) or [0.0]
    everything = sorted([*documents, *texts])
    wall = everything[-1]
    windows = per_window(everything, 0.0) or [0]
    document_windows = per_window(documents, documents[0]) or [0]
    document_rate = rate(len(result.documents) - 1, documents[-1] - documents[0])
    sizes = sorted(result.sizes) or [0]
    samples = result.samples or [(0.0, result.rss_before, 0.0)]
    peak = max(rss for _, rss, _ in samples)
    # the CPU of the texts' part: until the sample before the first document arrived
    texts_cpu = max((cpu for at, _, cpu in samples if at <= documents[0]), default=0.0)
    per_certificate = (result.cpu - texts_cpu) / max(len(result.documents), 1)
    quarters = " / ".join(
        f"{samples[min(len(samples) - 1, len(samples) * quarter // 4)][1]:.0f}"
        for quarter in range(5)
    )
    feedback = result.job_lines.get("feedback")
    issued = result.job_lines.get("certificates")
    outcomes = "; ".join(
        f"{kind} " + ", ".join(f"{n:,} {status}" for status, n in sorted(statuses.items()))
        for kind, statuses in sorted(result.outcomes.items())
    )
    lines = [
        f"participants who completed the course at its last session's end: {count:,}; "
        f"certificates issued: {result.issued:,}",
        f"seeded in {result.seeding:.1f} s (in this process, then let go); python -m bot "
        f"polling {result.launch_to_polling:.2f} s after launch; the session ended "
        f"{result.lead:.1f} s after launch; messages sent before its end: {result.before_end}",
        "the bot's end-of-session job: "
        + (
            f"feedback question queued for {feedback[1]:,} at +{feedback[0]:.2f} s, "
            if feedback
            else "no feedback line in its log, "
        )
        + (
            f"{issued[1]:,} certificates issued and queued at +{issued[0]:.2f} s"
            if issued
            else "no certificates line in its log"
        ),
        f"session end to last delivery: {wall:.1f} s; {len(result.texts):,} texts (the "
        f"feedback question) from +{texts[0]:.1f} to +{texts[-1]:.1f} s, "
        f"{len(result.documents):,} documents from +{documents[0]:.1f} to "
        f"+{documents[-1]:.1f} s ({document_rate:.1f}/s); all: "
        f"{rate(len(everything), wall):.1f} messages/s",
        f"per 5-s window, all messages: min {min(windows) / 5:.1f}/s, median "
        f"{statistics.median(windows) / 5:.1f}/s, max {max(windows) / 5:.1f}/s; documents "
        f"(from the first): min {min(document_windows) / 5:.1f}/s, median "
        f"{statistics.median(document_windows) / 5:.1f}/s, max {max(document_windows) / 5:.1f}/s",
        f"deliveries at the end: {outcomes}",
        f"429 answers: {result.refused}{verdict(result.refused == 0, 'NOT OK')}",
        f"CPU of the bot's process, session end to last delivery: {result.cpu:.1f} s "
        f"(budget {cpu_budget:.0f} s){verdict(result.cpu < cpu_budget)}; until the first "
        f"document arrived (the texts, the issuing, the fonts' loading) {texts_cpu:.1f} s, "
        f"then {result.cpu - texts_cpu:.1f} s in "
        f"{wall - documents[0]:.1f} s of wall time ({per_certificate * 1000:.0f} ms a "
        f"certificate); the fake Bot API's process meanwhile: {result.fake_cpu:.1f} s",
        f"bot's resident memory before issuing (VmRSS {result.lead - 0.5:.1f} s after launch): "
        f"{result.rss_before:.0f} MB; start-up peak (VmHWM then): {result.startup_peak:.0f} MB",
        f"peak resident memory while issuing and sending (largest VmRSS, {len(samples):,} "
        f"samples {SAMPLE * 1000:.0f} ms apart): {peak:.0f} MB (budget {MEMORY_BUDGET:.0f} MB)"
        f"{verdict(peak < MEMORY_BUDGET)}; VmRSS at 0/25/50/75/100 % of that time: {quarters} "
        f"MB; at the end VmHWM {result.hwm_end:.0f} MB, VmRSS {result.rss_end:.0f} MB",
        f"PDF sizes: median {statistics.median(sizes) / 1024:.1f} KiB, largest "
        f"{sizes[-1] / 1024:.1f} KiB, {sum(sizes) / 1e6:.1f} MB in all",
        f"received by the fake: {len(result.documents):,} documents to "
        f"{len({row[0] for row in result.documents}):,} chats, {len(result.texts):,} texts to "
        f"{len({row[0] for row in result.texts}):,} chats; holders sent no document: "
        f"{result.without_document}",
        f"documents whose text lacks its recipient's name or code: {len(result.mismatches)}"
        f"{verdict(not result.mismatches and not result.without_document, 'NOT OK')}",
    ]
    lines += [f"  {line}" for line in result.mismatches[:20]]
    lines.append(
        f"stopped: {result.stop}; log lines at WARNING or above: {len(result.log_problems)}"
    )
    lines += [f"  {line}" for line in result.log_problems[:10]]
    print("\n".join(lines), flush=True)


async def main(participants: int = PARTICIPANTS) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = await run(Path(folder), participants)
    report(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK} participants instead of {PARTICIPANTS:,}"
    )
    parser.add_argument("--serve-fake", type=int, metavar="LIMIT", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_fake is not None:
        serve_fake(arguments.serve_fake)
    else:
        asyncio.run(main(QUICK if arguments.quick else PARTICIPANTS))
