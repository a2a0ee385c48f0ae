"""A thousand people complete a course at once: the catch-up issues their certificates in one
campaign, and the delivery worker sends them at Telegram's pace, once each.

The real Application with its send scheduler on virtual time (as in tests/test_send_scheduler.py)
and the delivery worker driven step by step on the injected clock (as in tests/test_delivery.py):
nothing sleeps. The participants never confirmed how their name is printed, so each message is
the question about its spelling (no PDF is made here: bench/certificate_issuing.py measures
those). What is stored is read with plain SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import UnitOfWork, open_database
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, html_to_text
from bot.i18n import Catalogs
from bot.models import Contact
from bot.services.container import Directories, Services
from handlers.send_scheduler import FairSendScheduler
from tests.conftest import running_app
from tests.store import Store
from tests.test_courses import course_of_four, events_of_course
from tests.test_send_scheduler import RATE, VirtualTime, most_in_any_window

COMPLETERS = 1_000
FIRST = 100_000  # their user ids follow
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")


@pytest.fixture
def emulator(clock: FrozenClock) -> BotApiEmulator:
    """Telegram taking messages to anyone (as if each had written to the bot once)."""
    return BotApiEmulator(now=clock.now, open_chats=True)


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def app(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
    time: VirtualTime,
) -> AsyncIterator[BotApplication]:
    """The bot with its send scheduler, on virtual time."""
    scheduler = FairSendScheduler(now=time.clock, sleep=time.sleep)
    async with running_app(
        settings, emulator, clock, catalogs, directories, limiter=scheduler
    ) as application:
        yield application


@pytest.fixture
async def db(app: BotApplication, settings: Settings) -> AsyncIterator[Store]:
    database = await open_database(settings.database_path, settings.database_url)
    yield Store(database)
    await database.close()


async def thousand_completers(services: Services, db: Store, clock: FrozenClock) -> list[int]:
    """ "2 of 4": a thousand people in six languages attended the first two sessions; the
    clock is an hour after the last session."""
    await course_of_four(services, db, 2)
    people = list(range(FIRST, FIRST + COMPLETERS))
    for n, user_id in enumerate(people):
        language = LANGUAGES[n % len(LANGUAGES)]
        await services.users.touch(Contact(user_id, f"Holder {user_id}", language_code=language))
    sessions = await events_of_course(db)

    def attended(uow: UnitOfWork) -> None:
        for event in sessions[:2]:
            uow.attendance.record_many(event.event_id, people, "organizer", event.ends_at)

    await db.write(attended)
    clock.set(sessions[-1].ends_at + timedelta(hours=1))
    return people


async def drain(services: Services) -> int:
    """The worker's batches until nothing is due on its clock; how many it handled."""
    handled = 0
    while batch := await services.delivery.drain_once():
        handled += batch
    return handled


def keyboard(params: JSON) -> list[list[JSON]]:
    markup = params.get("reply_markup") or {}
    return list(markup.get("inline_keyboard", []))


async def test_a_thousand_certificates_go_in_one_campaign_at_telegrams_pace(
    app: BotApplication, emulator: BotApiEmulator, db: Store, clock: FrozenClock, time: VirtualTime
) -> None:
    """The catch-up issues 1,000 certificates, each under its own code, queued as one campaign
    of 1,000 deliveries; run again, it issues nothing. The worker then asks each holder once
    whether their name is spelled right: never more than 30 messages in any second, at the
    scheduler's full rate, no chat twice; a certificate re-sent to three of them right after
    reaches each only once a second has passed since their question."""
    services = app.bot_data.services
    people = await thousand_completers(services, db, clock)

    assert await services.certificates.award_recent() == COMPLETERS
    assert await db.fetch_all(
        "SELECT COUNT(*), COUNT(DISTINCT code), COUNT(DISTINCT user_id) FROM certificates"
    ) == [(COMPLETERS, COMPLETERS, COMPLETERS)]
    [(campaign, kind)] = await db.fetch_all("SELECT campaign_id, kind FROM campaigns")
    assert kind == "certificate"
    queued = await db.fetch_all(
        "SELECT user_id FROM deliveries WHERE campaign_id = ? AND status = 'pending'"
        " ORDER BY user_id",
        (campaign,),
    )
    assert [user_id for (user_id,) in queued] == people
    assert await services.certificates.award_recent() == 0  # once
    assert await db.fetch_all("SELECT COUNT(*) FROM certificates") == [(COMPLETERS,)]
    assert await db.fetch_all("SELECT COUNT(*) FROM campaigns") == [(1,)]

    sent: list[tuple[float, ApiCall]] = []
    emulator.listeners.append(lambda call, _: sent.append((time.now, call)))
    assert await drain(services) == COMPLETERS
    assert {call.method for _, call in sent} == {"sendMessage"}  # questions, no PDF
    chats = Counter(call.params["chat_id"] for _, call in sent)
    assert sorted(chats) == people and set(chats.values()) == {1}
    for _, call in sent:
        text = html_to_text(str(call.params["text"]))
        assert f"Holder {call.params['chat_id']}" in text  # their own name to check
        assert len(keyboard(call.params)) == 2  # "Yes" and "Correct the spelling"
    first_english = next(call for _, call in sent if call.params["chat_id"] == FIRST)
    assert "Your certificate for “Urban floods” is ready." in html_to_text(
        str(first_english.params["text"])
    )
    times = [at for at, _ in sent]
    assert most_in_any_window(times, 1.0) <= 30
    assert times[-1] - times[0] == pytest.approx((COMPLETERS - 1) / RATE, abs=2 / RATE)
    assert await db.fetch_all("SELECT status, COUNT(*) FROM deliveries GROUP BY status") == [
        ("sent", COMPLETERS)
    ]

    # Per chat: three holders' certificates re-sent at once wait out their second.
    again = people[:3]
    for user_id in again:
        [(certificate_id,)] = await db.fetch_all(
            "SELECT certificate_id FROM certificates WHERE user_id = ?", (user_id,)
        )
        found = await services.certificates.by_id(certificate_id)
        assert found is not None and await services.certificates.send_again(found[0])
    mark = len(sent)
    await drain(services)
    assert sent[mark:] == []
    clock.advance(timedelta(seconds=1))
    assert await drain(services) == len(again)
    assert sorted(call.params["chat_id"] for _, call in sent[mark:]) == again
