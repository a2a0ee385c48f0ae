"""Urgent notices as Telegram's paid broadcasts: offered to an organizer cancelling a session
with their cost and what the operator's budget has left (PAID_BROADCAST_STARS), sent with
`allow_paid_broadcast` when chosen, never beyond the budget, and at the usual pace when the
budget or Telegram says no. The price is the Bot API's: 0.1 Star a message."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.devtools.emulator import ApiError, BotApiEmulator, FakeUser
from bot.i18n import Catalogs
from bot.services.container import Directories, Services
from handlers.buttons import CancelEventPaid
from tests.conftest import ORGANIZER_ID, ChatDriver, running_app, settings_in, texts
from tests.store import Store
from tests.test_stale_buttons import FLOOD, kept, press, publish, someone

BUDGET_STARS = 1  # ten messages


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return settings_in(tmp_path, database_url, paid_broadcast_stars=BUDGET_STARS)


@pytest.fixture
def emulator(clock: FrozenClock) -> BotApiEmulator:
    """People signed up by the services have chats with the bot, as they would."""
    return BotApiEmulator(now=clock.now, open_chats=True)


async def signed_up(services: Services, count: int, first: int = 700) -> list[int]:
    people = [await someone(services, user_id) for user_id in range(first, first + count)]
    for user_id in people:
        await services.registrations.sign_up(user_id, "flood")
    return people


async def paid_campaigns(db: Store) -> list[tuple[str, int]]:
    rows = await db.fetch_all("SELECT kind, paid FROM campaigns ORDER BY campaign_id")
    return [(str(r[0]), int(r[1])) for r in rows]


def paid_sends(emulator: BotApiEmulator) -> list[int]:
    return [
        int(call.params["chat_id"])
        for call in emulator.calls
        if call.method in ("sendMessage", "sendDocument")
        and call.params.get("allow_paid_broadcast")
    ]


async def test_the_cost_is_shown_before_yes_and_the_notice_goes_paid(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    await publish(services)
    people = await signed_up(services, 4)
    await organizer.settle(language="en")
    [question] = texts(await organizer.send("/cancelevent flood"))
    assert (
        "They can be told at once with a paid broadcast: 4 messages at 0.1 Star each, "
        "0.4 Stars from the bot's balance (1 Stars left of the budget for it)."
    ) in question
    paid = kept(organizer, "Yes, and tell them at once (paid)")
    assert isinstance(paid.button, CancelEventPaid)
    assert texts(await press(organizer, paid)) == [
        f"“{FLOOD}” is cancelled. Everyone signed up is being told at once (paid broadcast)."
    ]
    assert await paid_campaigns(db) == [("cancelled", 1)]
    await services.delivery.drain_once()
    assert sorted(paid_sends(emulator)) == people
    # what is left of the budget: 0.6 Star, six more messages
    listing = await services.events.find("flood")
    assert listing is not None
    quote = await services.events.paid_quote(listing.event)
    assert quote is not None and quote.left_messages == 6


async def test_beyond_the_budget_it_is_not_offered_and_an_old_offer_goes_unpaid(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """Eleven people: 1.1 Stars, more than the budget's 1. Said, and no paid Yes. A paid Yes
    offered when they were four, pressed once they are eleven, cancels all the same and
    tells them at the usual pace, and says so."""
    await publish(services)
    await signed_up(services, 4)
    await organizer.settle(language="en")
    await organizer.send("/cancelevent flood")
    offered = kept(organizer, "Yes, and tell them at once (paid)")
    await signed_up(services, 7, first=800)
    [question] = texts(await organizer.send("/cancelevent flood"))
    assert (
        "Telling them at once with a paid broadcast would cost 1.1 Stars, more than the 1 "
        "Stars left of the budget for it: they are told at the usual pace"
    ) in question
    labels = [label for message in organizer.messages()[-1:] for label in _labels(message)]
    assert labels == ["Yes, cancel it", "No, keep it"]
    [done] = texts(await press(organizer, offered))
    assert done.endswith(
        "The budget for paid broadcasts no longer covers it: everyone signed up is told at "
        "the usual pace."
    )
    assert await paid_campaigns(db) == [("cancelled", 0)]
    await services.delivery.drain_once()
    assert paid_sends(emulator) == []


def _labels(message: dict[str, object]) -> list[str]:
    from tests.conftest import buttons_of

    return [label for label, _ in buttons_of(message)]


async def test_telegram_refusing_the_payment_sends_the_rest_at_the_usual_pace(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """The bot's Stars run out (or paid broadcasts are not allowed to it): Telegram refuses
    the paid message; it goes unpaid instead, and so do the campaign's next ones. Everyone is
    told, once."""
    await publish(services)
    people = await signed_up(services, 3)
    await organizer.settle(language="en")
    await organizer.send("/cancelevent flood")
    await press(organizer, kept(organizer, "Yes, and tell them at once (paid)"))
    emulator.fail_next("sendDocument", ApiError(400, "Bad Request: not enough Stars"))
    await services.delivery.drain_once()
    await services.delivery.drain_once()
    told = [
        int(c.params["chat_id"])
        for c in emulator.calls
        if c.method == "sendDocument" and int(c.params["chat_id"]) in people
    ]
    assert sorted(set(told)) == people
    assert len(paid_sends(emulator)) == 1  # the refused one; the others went unpaid
    assert await paid_campaigns(db) == [("cancelled", 0)]
    said = [
        text
        for text in texts(emulator.calls, organizer.user.id)
        if text.startswith("Telegram refused")
    ]
    assert said == [
        f"Telegram refused to be paid for the notice about “{FLOOD}” (the bot's Stars balance "
        "is spent, or paid broadcasts are not allowed to this bot): the people not told yet "
        "are told at the usual pace."
    ]
    audit = await db.fetch_all("SELECT action, detail FROM admin_audit ORDER BY id")
    assert [tuple(r) for r in audit] == [
        ("cancel-event", "flood"),
        ("paid-notice", "flood: 3 messages"),
    ]


async def test_without_a_budget_nothing_is_offered(
    settings: Settings,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    catalogs: Catalogs,
    directories: Directories,
) -> None:
    """PAID_BROADCAST_STARS unset (0): the question is as it always was."""
    unpaid = replace(settings, paid_broadcast_stars=0)
    async with running_app(unpaid, emulator, clock, catalogs, directories) as app:
        organizer = ChatDriver(app, emulator, FakeUser(id=ORGANIZER_ID, first_name="Olga"))
        await ask_without_budget(organizer, app.bot_data.services)


async def ask_without_budget(organizer: ChatDriver, services: Services) -> None:
    await publish(services)
    await signed_up(services, 2)
    await organizer.settle(language="en")
    [question] = texts(await organizer.send("/cancelevent flood"))
    assert "paid" not in question
    assert [label for label in _labels(organizer.messages()[-1])] == [
        "Yes, cancel it",
        "No, keep it",
    ]


# -- end to end: `python -m bot` and the Bot API emulator as Telegram ------------------------

PEOPLE = 600


@pytest.mark.end_to_end
async def test_a_paid_cancellation_reaches_six_hundred_people_faster_than_30_a_second(
    tmp_path: Path, database_url: str
) -> None:
    """600 signed up for a session that is cancelled: told at once with a paid broadcast,
    far faster than Telegram's 30 free messages a second (the emulator refuses more than 30
    a second of those, and counts the paid ones apart, up to 1,000 a second, 0.1 Star
    each), every one of them once, 60 Stars spent, no 429."""
    from collections import Counter

    from bot.db import to_db
    from bot.devtools.emulator_server import BotApiServer, FloodControl
    from tests.store import oracle
    from tests.test_end_to_end import ORGANIZER, programme_file, serving, with_profiles

    server = BotApiServer(BotApiEmulator(open_chats=True), FloodControl(30))
    async with serving(server, tmp_path, database_url) as bot:
        await bot.create_database()
        people = [FakeUser(id=20_000 + i, first_name=f"P{i}") for i in range(PEOPLE)]
        with_profiles(bot.database, people)
        await bot.start(PAID_BROADCAST_STARS="100")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        bot.emulator.user_document(ORGANIZER, "programme.csv", programme_file(start))
        await bot.until(
            lambda: any("1 event added" in m.get("text", "") for m in bot.messages(ORGANIZER))
        )
        now = to_db(datetime.now(UTC))
        with oracle(bot.database) as conn:
            [event_id] = conn.execute("SELECT event_id FROM events WHERE code = 'flood'").fetchone()
            conn.executemany(
                "INSERT INTO registrations (event_id, user_id, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (event_id, p.id, "confirmed" if i < 50 else "waitlisted", now, now)
                    for i, p in enumerate(people)
                ],
            )
        [question] = await bot.say(ORGANIZER, "/cancelevent flood")
        assert "600 messages at 0.1 Star each, 60 Stars" in question["text"]
        pressed = time.monotonic()
        await bot.press(ORGANIZER, "Yes, and tell them at once (paid)", replies=0)

        def told() -> Counter[int]:
            return Counter(
                m["chat"]["id"]
                for (chat, _), m in bot.emulator.messages.items()
                if chat >= 20_000 and "has been cancelled" in str(m.get("caption", m.get("text")))
            )

        await bot.until(lambda: len(told()) == PEOPLE)
        took = time.monotonic() - pressed
        print(f"600 paid notices in {took:.1f} s ({PEOPLE / took:.0f} a second)")
        assert set(told().values()) == {1}
        # Faster than the free limit could ever allow, however busy the machine is: more
        # than 30 in some second (the emulator would refuse a 31st free one).
        paid = sorted(server.paid_arrivals)
        busiest = max(sum(1 for t in paid if start_at <= t < start_at + 1) for start_at in paid)
        print(f"busiest second: {busiest} paid messages")
        assert busiest > 30
        assert server.stars_spent_tenths == PEOPLE
        assert len(server.paid_arrivals) == PEOPLE
    assert server.flood is not None and server.flood.refused == 0
    assert server.paid_flood.refused == 0
