"""Issue 16's figures: 1,000 certificates issued at once and delivered by the running bot.

A database in a temporary folder: a course of four weekly sessions, all held (the last ended
an hour ago), completed by attending 3 of the 4; 1,000 participants who attended 3 or 4 of
them, each with a confirmed name for certificates (so each gets a PDF, not the question about
the spelling), in the six languages and their time zones, with names in Arabic, Chinese,
Cyrillic, Latin with accents and Latin mixed with Arabic (bench/certificates.py's `NAMES`).
The bot is the real Application in this process (its delivery worker, `CampaignMessages`,
the certificate printer and the send scheduler, as `python -m bot` builds them), talking HTTP
to the fake Bot API in a separate process on 127.0.0.1 that enforces 30 messages/s and
answers 429 beyond (bench/delivery.py's `start_fake`). Issuing is triggered the way the bot's
periodic catch-up does it (`CertificateService.award_recent`); the bench then waits until
every delivery is sent.

Printed: the time to issue (the database units that record the certificates and queue their
campaign), the wall time until all are sent and the rate, the number of 429 answers (must be
0), the CPU seconds of this process from the issue to the last delivery (budget: 1,000
certificates in under 300 s of CPU), its peak resident memory meanwhile (`VmHWM`, reset just
before issuing; budget 200 MB), the median and 95th percentile time of one certificate's PDF
(made on the worker's thread just before sending) and the PDFs' sizes. Then every document the
fake received is fetched back: each must be a PDF whose text (pypdf) has its recipient's name
and certificate code; mismatches are counted and listed (must be 0).

    python -m bench.certificate_issuing [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import tempfile
import threading
import time
import unicodedata
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from telegram.request import HTTPXRequest

from bench.certificates import COURSE, LANGUAGES, NAMES, SIGNATORIES, logo
from bench.delivery import start_fake, stats
from bench.harness import Seeder, percentile, programme_csv
from bot.app import build_application
from bot.clock import SystemClock
from bot.config import CertificateSettings, Settings
from bot.db import Database, UnitOfWork, to_db
from bot.services.certificate_printing import CertificatePrinter
from bot.services.container import Services

TOKEN = "1:BENCH"
PARTICIPANTS = 1_000
QUICK = 100
SESSIONS = 4
CPU_BUDGET = 300.0  # seconds for 1,000 certificates
MEMORY_BUDGET = 200.0  # MB


@dataclass
class Watch:
    """What the bench sees of the bot's work without changing it: each certificate's PDF
    being made (`CertificatePrinter.paper`, on the worker's thread) and what the Bot API
    answered to each message sent (the chat and, for a document, its file id)."""

    renders: list[float] = field(default_factory=list)  # wall seconds per PDF
    render_cpu: list[float] = field(default_factory=list)  # CPU seconds of the making thread
    documents: list[tuple[int, str, str]] = field(default_factory=list)  # chat, file id, name
    messages: list[int] = field(default_factory=list)  # chats sent a text (the name question)
    late: list[float] = field(default_factory=list)  # the event loop's lateness, seconds


TICK = 0.01  # seconds between two looks at the event loop


async def lateness(watch: Watch) -> None:
    """How late the event loop wakes up from a short sleep while certificates are made and
    sent: what an answer to anyone else waits on top of its own work."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        watch.late.append(time.perf_counter() - started - TICK)


@contextlib.contextmanager
def watching(watch: Watch) -> Iterator[None]:
    paper = CertificatePrinter.paper
    do_request = HTTPXRequest.do_request

    def timed_paper(self: CertificatePrinter, *args: Any, **kwargs: Any) -> tuple[str, bytes]:
        wall, cpu = time.perf_counter(), time.thread_time()
        made = paper(self, *args, **kwargs)
        watch.render_cpu.append(time.thread_time() - cpu)
        watch.renders.append(time.perf_counter() - wall)
        return made

    async def recorded(
        self: HTTPXRequest, url: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        status, payload = await do_request(self, url, *args, **kwargs)
        method = url.rsplit("/", 1)[-1]
        if status == 200 and method in ("sendDocument", "sendMessage"):
            result = json.loads(payload)["result"]
            if method == "sendDocument":
                document = result["document"]
                watch.documents.append(
                    (result["chat"]["id"], document["file_id"], document.get("file_name", ""))
                )
            else:
                watch.messages.append(result["chat"]["id"])
        return status, payload

    CertificatePrinter.paper = timed_paper  # type: ignore[method-assign]
    HTTPXRequest.do_request = recorded  # type: ignore[method-assign]
    try:
        yield
    finally:
        CertificatePrinter.paper = paper  # type: ignore[method-assign]
        HTTPXRequest.do_request = do_request  # type: ignore[method-assign]


def holder_names(count: int) -> list[str]:
    """The name each participant confirmed, in the script of their language's `NAMES`
    (participant i reads LANGUAGES[i % 6], as `Seeder.users` gives them)."""
    names = []
    for i in range(count):
        choices = NAMES[LANGUAGES[i % len(LANGUAGES)]]
        names.append(choices[(i // len(LANGUAGES)) % len(choices)])
    return names


async def seed(db: Database, seeder: Seeder, services: Services, count: int) -> list[int]:
    """The course of four held sessions and `count` participants who registered for all of
    them and completed it (a fifth attended all four, the others three); their ids."""
    now = SystemClock().now()
    first = now - timedelta(weeks=SESSIONS - 1, hours=2, minutes=30)  # the last ended 1 h ago
    await services.programme.import_now(
        programme_csv(SESSIONS, first, timedelta(weeks=1), capacity=count + 10), None
    )
    users = [user.id for user in seeder.users(count)]
    stamp = to_db(now)
    found = await db.read(lambda uow: uow.events.by_codes(f"ev-{i:04d}" for i in range(SESSIONS)))
    sessions = sorted(found.values(), key=lambda event: event.starts_at)
    with seeder.transaction() as conn:
        conn.executemany(
            "UPDATE users SET full_name = ?1, certificate_name = ?1, country = 'KE',"
            " city = 'Nairobi', consent_at = ?2 WHERE user_id = ?3",
            [(name, stamp, user) for name, user in zip(holder_names(count), users, strict=True)],
        )
        conn.executemany(
            "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at, seq)"
            " VALUES (?, ?, 'confirmed', ?, ?, ?)",
            [
                (event.event_id, user, stamp, stamp, number * count + i + 1)
                for number, event in enumerate(sessions)
                for i, user in enumerate(users)
            ],
        )

    def course(uow: UnitOfWork) -> None:
        course_id = uow.courses.save(COURSE, now)
        for number, event in enumerate(sessions):
            uow.courses.attach(event.event_id, course_id)
            present = [user for i, user in enumerate(users) if i % 5 != number]
            uow.attendance.record_many(event.event_id, present, "organizer", event.ends_at)

    await db.write(course)
    return users


def resident_mb(key: str) -> float:
    """`VmRSS` (now) or `VmHWM` (the peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> bool:
    """Start `VmHWM` again from the present resident size (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def until(done: Callable[[], Awaitable[bool]]) -> None:
    while not await done():  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # watch from outside, as an organizer would


@dataclass
class Run:
    participants: int
    issued: int
    issue_seconds: float
    issue_cpu: float
    send_seconds: float  # from the start of the issue to the last delivery sent
    cpu: float
    rss_before: float
    peak: float
    peak_is_the_runs: bool
    sent: int
    failed: int
    refused: int
    sizes: list[int]
    mismatches: list[str]


async def run(folder: Path, participants: int, watch: Watch) -> Run:
    fake, port = start_fake(30)
    try:
        settings = Settings(
            bot_token=TOKEN,
            database_path=folder / "certificates.sqlite3",
            telegram_api_url=f"http://127.0.0.1:{port}/bot",
            certificate=CertificateSettings(logo=logo(), signatories=SIGNATORIES),
        )
        app = build_application(settings, clock=SystemClock(), freeze_heap=True)
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)  # starts the delivery worker, as `python -m bot` does
        services = app.bot_data.services
        db = await Database.open(settings.database_path)  # the bench's own, to watch
        try:
            users = await seed(db, Seeder(settings.database_path), services, participants)
            for thread in threading.enumerate():
                if thread.name == "city-list":  # the bot's start-up reading, not issuing's
                    thread.join()
            gc.collect()
            rss_before = resident_mb("VmRSS")
            peak_is_the_runs = reset_peak()

            cpu, started = time.process_time(), time.perf_counter()
            looking = asyncio.create_task(lateness(watch))
            issued = await services.certificates.award_recent()
            issue_seconds = time.perf_counter() - started
            issue_cpu = time.process_time() - cpu
            [(campaign,)] = Seeder(settings.database_path).fetch_all(
                "SELECT campaign_id FROM campaigns WHERE kind = 'certificate'"
            )

            async def all_sent() -> bool:
                progress = await db.read(lambda uow: uow.outbox.progress(campaign))
                return not progress.pending

            await until(all_sent)
            send_seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            peak = resident_mb("VmHWM")
            looking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await looking
            progress = await db.read(lambda uow: uow.outbox.progress(campaign))
            holders = dict(
                Seeder(settings.database_path).fetch_all(
                    "SELECT user_id, certificate_name FROM users WHERE user_id IN"
                    f" ({','.join('?' * len(users))})",
                    users,
                )
            )
            codes = dict(
                Seeder(settings.database_path).fetch_all("SELECT code, user_id FROM certificates")
            )
        finally:
            await db.close()
            await app.post_shutdown(app)
            await app.shutdown()
        refused = int(stats(port)["refused"])
        sizes, mismatches = check_documents(port, watch, holders, codes)
    finally:
        fake.terminate()
        fake.wait()
    return Run(
        participants,
        issued,
        issue_seconds,
        issue_cpu,
        send_seconds,
        cpu,
        rss_before,
        peak,
        peak_is_the_runs,
        progress.sent,
        progress.failed,
        refused,
        sizes,
        mismatches,
    )


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
    port: int, watch: Watch, holders: dict[int, str], codes: dict[str, int]
) -> tuple[list[int], list[str]]:
    """Each document the fake received, fetched back from it: a PDF whose text has the name
    of the person it went to and the code of that person's certificate. Their sizes, and what
    did not match."""
    import pypdf  # here, not at the top: the bot's process does not hold it while measured

    sizes, mismatches = [], []
    for chat, file_id, name in watch.documents:
        url = f"http://127.0.0.1:{port}/file/bot{TOKEN}/documents/{file_id}"
        with urllib.request.urlopen(url) as answer:
            content = answer.read()
        sizes.append(len(content))
        code = name.removeprefix("certificate-").removesuffix(".pdf")
        if not content.startswith(b"%PDF-"):
            mismatches.append(f"{chat}: {name} is not a PDF")
            continue
        text = pypdf.PdfReader(BytesIO(content)).pages[0].extract_text()
        holder = holders.get(chat, "")
        if codes.get(code) != chat:
            mismatches.append(f"{chat}: {name} is the certificate of {codes.get(code)}")
        elif not found(holder, text):
            mismatches.append(f"{chat}: {holder!r} not in the text of {name}")
        elif code not in text:
            mismatches.append(f"{chat}: the code {code} not in the text of {name}")
    return sizes, mismatches


def report(result: Run, watch: Watch) -> None:
    count = result.participants
    rate = result.sent / result.send_seconds
    renders = sorted(watch.renders)
    late = sorted(watch.late) or [0.0]
    sizes = sorted(result.sizes) or [0]
    cpu_budget = CPU_BUDGET * count / PARTICIPANTS
    peak_label = "peak resident memory while issuing and sending (VmHWM)"
    if not result.peak_is_the_runs:
        peak_label = "peak resident memory of the whole process (VmHWM, could not be reset)"
    lines = [
        f"participants who completed the course: {count:,}; certificates issued by "
        f"award_recent(): {result.issued:,}",
        f"time to issue (the database units, the campaign queued): {result.issue_seconds:.2f} s "
        f"({result.issue_cpu:.2f} CPU s)",
        f"wall time until all were sent: {result.send_seconds:.1f} s; sent={result.sent:,} "
        f"failed={result.failed}; {rate:.1f} messages/s",
        f"429 answers: {result.refused}{' OK' if result.refused == 0 else ' NOT OK'}",
        f"CPU of the bot process, issue to last delivery: {result.cpu:.1f} s "
        f"(of which making PDFs {sum(watch.render_cpu):.1f} s; budget {cpu_budget:.0f} s)"
        f"{' OK' if result.cpu < cpu_budget else ' OVER BUDGET'}",
        f"{peak_label}: {result.peak:.0f} MB (resident before issuing "
        f"{result.rss_before:.0f} MB; budget {MEMORY_BUDGET:.0f} MB)"
        f"{' OK' if result.peak < MEMORY_BUDGET else ' OVER BUDGET'}",
        f"one certificate's PDF, on the worker's thread: median "
        f"{statistics.median(renders) * 1000:.1f} ms, p95 {percentile(renders, 0.95) * 1000:.1f}"
        f" ms, slowest {renders[-1] * 1000:.1f} ms (n={len(renders):,}; the first loads the"
        " fonts)",
        f"event loop late meanwhile (a {TICK * 1000:.0f} ms sleep): median "
        f"{statistics.median(late) * 1000:.1f} ms, p99 {percentile(late, 0.99) * 1000:.1f} ms,"
        f" max {late[-1] * 1000:.1f} ms",
        f"PDF sizes: median {statistics.median(sizes) / 1024:.1f} KiB, largest "
        f"{sizes[-1] / 1024:.1f} KiB, {sum(sizes) / 1e6:.1f} MB in all",
        f"documents received by the fake: {len(watch.documents):,} to "
        f"{len({chat for chat, _, _ in watch.documents}):,} chats; name questions sent instead: "
        f"{len(watch.messages)}",
        f"documents whose text lacks its holder's name or code: {len(result.mismatches)}"
        f"{' OK' if not result.mismatches else ' NOT OK'}",
    ]
    lines += [f"  {line}" for line in result.mismatches[:20]]
    print("\n".join(lines), flush=True)


async def main(participants: int = PARTICIPANTS) -> None:
    watch = Watch()
    with tempfile.TemporaryDirectory() as folder, watching(watch):
        result = await run(Path(folder), participants, watch)
    report(result, watch)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK} participants instead of {PARTICIPANTS:,}"
    )
    asyncio.run(main(QUICK if parser.parse_args().quick else PARTICIPANTS))
