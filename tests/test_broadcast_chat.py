"""/broadcast and /broadcasts as an organizer uses them in chat."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from babel.dates import format_time

from bot.clock import FrozenClock
from bot.db.times import to_db
from bot.devtools.emulator import JSON, ApiCall, BotApiEmulator, FakeUser
from bot.models import Audience, AudienceKind, CampaignKind, Contact
from bot.services import delivery
from bot.services.container import Services
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store


async def test_a_broadcast_from_audience_to_summary(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """Audience, message, a French version, preview with the count, send, progress, summary."""
    await organizer.settle(language="en")
    for user_id, language in ((801, "fr"), (802, "en"), (803, "ar")):
        await services.users.touch(Contact(user_id, "R", language_code=language))
        emulator.user_message(FakeUser(id=user_id), "/start")  # their chat with the bot exists
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    [problem] = texts(await organizer.send("<b>Registration is open"))
    assert problem == (
        "Telegram would refuse this formatting (<b> is never closed). Please correct it and "
        "send the message again."
    )
    await organizer.send("<b>Registration</b> is open for December.")
    await organizer.press_label("French")
    await organizer.send("Les <b>inscriptions</b> sont ouvertes.")
    preview = texts(await organizer.press_label("Preview"))
    assert "4 recipients" in preview[0] and "• French version: 1 recipient" in preview[0]
    assert preview[1:] == [
        "Default version: 3 recipients\n\nRegistration is open for December.",
        "French version: 1 recipient\n\nLes inscriptions sont ouvertes.",
    ]
    calls = await organizer.press_label("Send")
    assert texts(calls)[0].startswith("Broadcast #1 · sending")
    assert await services.delivery.drain_once() == 4
    assert texts(emulator.sent_to(801))[-1] == "Les inscriptions sont ouvertes."
    assert texts(emulator.sent_to(802))[-1] == "Registration is open for December."
    await services.delivery.drain_once()  # the campaign is closed and summarized
    summary = next(m["text"] for m in organizer.messages() if m["text"].startswith("Broadcast"))
    assert summary.startswith("Broadcast #1 · finished") and "Sent: 4" in summary
    [listing] = texts(await organizer.send("/broadcasts"))
    assert "Broadcast #1 · finished" in listing


async def test_a_segment_and_stopping_a_running_broadcast(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Registrants of one event; a running broadcast can be stopped from /broadcasts."""
    await organizer.settle(language="en")
    await services.programme.import_now(programme([row("flood", START + timedelta(days=2))]), None)
    for user_id in (901, 902):
        await services.users.touch(Contact(user_id, "R"))
        await services.registrations.sign_up(user_id, "flood")
    await organizer.send("/broadcast")
    await organizer.press_label("Registrants of an event")
    [missing] = texts(await organizer.send("nope"))
    assert missing == "There is no event with the code \u2068nope\u2069."
    await organizer.send("flood")
    await organizer.send("Bring your questions!")
    preview = texts(await organizer.press_label("Preview"))
    assert "To: Registrants of an event: Session flood" in preview[0]
    assert "2 recipients" in preview[0]
    await organizer.press_label("Send")
    await organizer.send("/broadcasts")
    labels = [label for label, _ in buttons_of(organizer.last_message_with_buttons())]
    assert labels == ["Stop broadcast #1"]
    progress, stopped = texts(await organizer.press_label("Stop broadcast #1"))
    assert progress.startswith("Broadcast #1 · stopped"), progress  # its progress message
    assert stopped == "Broadcast #1 is stopped; nothing more will be sent."
    assert await services.delivery.drain_once() == 0
    skipped = await db.fetch_one("SELECT COUNT(*) FROM deliveries WHERE status = 'skipped'")
    assert skipped is not None and skipped[0] == 2


async def test_participants_cannot_broadcast(amina: ChatDriver, db: Store) -> None:
    """/broadcast, /broadcasts and a forged stop button are refused; nothing is queued."""
    refusal = "Sorry, this is only for the programme’s organizers."
    assert texts(await amina.send("/broadcast")) == [refusal]
    assert texts(await amina.send("/broadcasts")) == [refusal]
    await amina.press("bc:x:1", message_id=1)
    assert await db.fetch_all("SELECT * FROM campaigns") == []


async def test_a_message_too_long_for_arabic_readers_is_refused(organizer: ChatDriver) -> None:
    """40 lines of 4,079 characters in all: fine in English, but Arabic readers' copies get a
    right-to-left mark per line and would pass Telegram's 4,096, so it is refused up front."""
    await organizer.settle(language="en")
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    text = "\n".join(["x" * 100] * 39 + ["x" * 140])
    assert len(text) == 4079
    [problem] = texts(await organizer.send(text))
    assert problem == "The message is 4,079 characters long; at most 4,056 fit in one message."
    assert texts(await organizer.send(text[:4000]))[0].startswith("Add a version")


async def news_to_one_participant(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> int:
    """An organizer who has talked with the bot starts a broadcast to everyone (them and one
    participant); its campaign id."""
    await organizer.settle(language="en")
    await organizer.send("/help")
    await services.users.touch(Contact(801, "R"))
    emulator.user_message(FakeUser(id=801), "/start")
    return await services.broadcasts.start(
        organizer.user.id, Audience(AudienceKind.EVERYONE), {"default": "News"}
    )


async def test_a_broadcast_that_finished_before_its_progress_message_was_known(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """Telegram slow to answer the organizer's Send: the worker finished meanwhile. The
    progress message, once known, ends with the summary rather than "sending" for ever."""
    campaign_id = await news_to_one_participant(organizer, services, emulator)
    await services.delivery.drain_once()
    await services.delivery.drain_once()  # closed while nobody knew the progress message
    assert not any(m["text"].startswith("Broadcast") for m in organizer.messages())
    shown = organizer.messages()[-1]["message_id"]  # the bot's latest message stands in for it
    await services.broadcasts.watch(campaign_id, organizer.user.id, shown)
    [summary] = [m["text"] for m in organizer.messages() if m["text"].startswith("Broadcast")]
    assert summary.startswith(f"Broadcast #{campaign_id} · finished") and "Sent: 2" in summary


async def test_a_broadcast_whose_progress_message_was_lost_in_a_crash_still_ends_with_a_summary(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """The bot stopped between queueing the broadcast and recording its progress message:
    after the restart (another BroadcastService) the organizer gets the summary anyway."""
    campaign_id = await news_to_one_participant(organizer, services, emulator)
    services.broadcasts._awaiting_message.clear()  # what a restarted process knows
    await services.delivery.drain_once()
    await services.delivery.drain_once()
    [summary] = [m["text"] for m in organizer.messages() if m["text"].startswith("Broadcast")]
    assert summary.startswith(f"Broadcast #{campaign_id} · finished") and "Sent: 2" in summary


async def test_typed_tags_and_telegram_formatting_reach_recipients_as_they_looked(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """The organizer types <b> tags in a message that also holds a link and an email (which
    Telegram's client marks as entities) and applies Telegram's own italic to a word; a bare
    "<" and "&" are ordinary text. Recipients see bold, italic and the text as typed, never
    raw tags; code stays literal."""
    await organizer.settle(language="en")
    await services.users.touch(Contact(811, "R", language_code="en"))
    emulator.user_message(FakeUser(id=811), "/start")
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    text = (
        "<b>Important</b>: Q&A <5 minutes per city. Slides: https://example.org/a?x=1&y=2 "
        "or mail info@example.org. Typed as is: <b>"
    )
    entities = [
        {
            "type": "url",
            "offset": text.index("https"),
            "length": len("https://example.org/a?x=1&y=2"),
        },
        {"type": "email", "offset": text.index("info@"), "length": len("info@example.org")},
        {"type": "italic", "offset": text.index("Slides"), "length": len("Slides")},
        {"type": "code", "offset": text.index("<b>", 20), "length": 3},
    ]
    await organizer.send(text, entities=entities)
    preview = texts(await organizer.press_label("Preview"))
    assert preview[1].startswith("Default version: 2 recipients\n\nImportant: Q&A <5 minutes")
    await organizer.press_label("Send")
    await services.delivery.drain_once()
    [received] = [
        message
        for (chat, _), message in emulator.messages.items()
        if chat == 811 and "Important" in message.get("text", "")
    ]
    assert received["text"] == (
        "Important: Q&A <5 minutes per city. Slides: https://example.org/a?x=1&y=2 or mail "
        "info@example.org. Typed as is: <b>"
    )
    kinds = {
        (e["type"], received["text"][e["offset"] : e["offset"] + e["length"]])
        for e in received["entities"]
    }
    assert ("bold", "Important") in kinds and ("italic", "Slides") in kinds
    assert ("code", "<b>") in kinds


async def test_the_progress_message_moves_every_few_seconds_of_a_large_broadcast(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """3,000 recipients at a broadcast's pace under load (11.6 a second, each copy moving
    the clock): the organizer's progress message is edited at least every 5 s, its count
    grows, its time left is the pace's, and it ends with the figures. One copy in flight at
    a time: with several, copies move this clock while a progress edit waits its turn on
    the event loop, which real time does not do."""
    monkeypatch.setattr(delivery, "SENDS_IN_FLIGHT", 1)
    await organizer.settle(language="en")
    recipients = range(50_000, 53_000)
    await db.execute_many(
        "INSERT INTO users (user_id, first_name, language, created_at, last_seen_at)"
        " VALUES (?, 'R', 'en', ?, ?)",
        [(user_id, to_db(clock.now()), to_db(clock.now())) for user_id in recipients],
    )
    emulator._open_chats = True  # three thousand chats that exist on Telegram's side
    edits: list[tuple[float, str]] = []

    def pace(call: ApiCall, result: JSON) -> None:
        if call.method == "sendMessage" and call.params.get("chat_id") != organizer.user.id:
            clock.advance(timedelta(seconds=1 / 11.6))
        text = str(result.get("text", ""))
        if call.method == "editMessageText" and text.startswith("Broadcast #"):
            edits.append(((clock.now() - begin).total_seconds(), text))

    emulator.listeners.append(pace)
    await organizer.send("/broadcast")
    await organizer.press_label("Everyone")
    await organizer.send("Registration is open.")
    await organizer.press_label("Preview")
    begin = clock.now()
    await organizer.press_label("Send")
    while await services.delivery.drain_once():
        pass
    await services.delivery.drain_once()  # closed and summed up
    sending = [(at, text) for at, text in edits if "· sending" in text]
    assert len(sending) >= 3_000 / 11.6 / 5
    times = [0.0] + [at for at, _ in edits]
    assert max(b - a for a, b in itertools.pairwise(times)) <= 5.0, times[:12]
    counts = [int(re.search(r"Sent: ([\d,]+)", text)[1].replace(",", "")) for _, text in sending]  # type: ignore[index]
    assert counts == sorted(counts) and counts[-1] > 2_900
    halfway = next(text for _, text in sending if "Remaining: 1,5" in text)
    assert "About 2 minutes left" in halfway  # 1,500 at 11.6 a second, not at 29
    # ... and when it should end, in the organizer's zone (UTC here): at that pace, about
    # 3,000 / 11.6 s after Send.
    end = begin + timedelta(seconds=3_000 / 11.6)
    expected = {format_time(end + timedelta(minutes=m), "short", locale="en") for m in (-1, 0, 1)}
    [end_line] = [line for line in halfway.split("\n") if line.startswith("Expected end: ")]
    assert end_line.removeprefix("Expected end: about ") in expected
    assert edits[-1][1].startswith("Broadcast #") and "finished" in edits[-1][1]
    assert "Sent: 3,001" in edits[-1][1]


async def test_a_progress_message_recorded_after_the_first_copies_still_moves(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    clock: FrozenClock,
) -> None:
    """The worker starts sending before Telegram has answered the organizer's Send (so the
    progress message is not known yet when it reads the broadcast): the message, once known,
    is still edited as the copies go, not only at the end."""
    await organizer.settle(language="en")
    await organizer.send("/help")
    await db.execute_many(
        "INSERT INTO users (user_id, first_name, language, created_at, last_seen_at)"
        " VALUES (?, 'R', 'en', ?, ?)",
        [(user_id, to_db(clock.now()), to_db(clock.now())) for user_id in range(60_000, 60_300)],
    )
    emulator._open_chats = True
    emulator.listeners.append(
        lambda call, result: (
            clock.advance(timedelta(seconds=1 / 11.6)) if call.method == "sendMessage" else None
        )
    )
    campaign_id = await services.broadcasts.start(
        organizer.user.id, Audience(AudienceKind.EVERYONE), {"default": "News"}
    )
    await services.delivery.drain_once()  # the first hundred, the progress message unknown
    shown = organizer.messages()[-1]["message_id"]
    await services.broadcasts.watch(campaign_id, organizer.user.id, shown)
    await services.delivery.drain_once()
    [progress] = [m["text"] for m in organizer.messages() if m["text"].startswith("Broadcast")]
    sent = re.search(r"Sent: (\d+)", progress)
    assert "· sending" in progress and sent is not None and 0 < int(sent[1]) < 300, progress


async def test_broadcasts_are_numbered_on_their_own(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """Reminders and notices queued first do not count: the first broadcast is #1. The list
    says when, by whom, to whom and the first words of each."""
    await services.programme.import_now(programme([row("flood", START + timedelta(days=2))]), None)
    for user_id in (901, 902):
        await services.users.touch(Contact(user_id, "R"))
        await services.registrations.sign_up(user_id, "flood")
    await db.write(
        lambda u: u.outbox.enqueue(
            CampaignKind.REMINDER, "r-1", Audience(AudienceKind.EVERYONE), {}, START
        )
    )
    campaign_id = await news_to_one_participant(organizer, services, emulator)
    assert campaign_id > 1
    [listing] = texts(await organizer.send("/broadcasts"))
    assert listing.count("Broadcast #") == 1
    lines = listing.split("\n")
    assert lines[:4] == [
        "Broadcast #1 · sending",
        "Nov 28, 2026, 9:00\u202fAM · UTC, by \u2068Olga\u2069",
        "To: Everyone",
        "“News”",
    ]
    labels = [label for label, _ in buttons_of(organizer.last_message_with_buttons())]
    assert labels == ["Stop broadcast #1"]
    stopped = texts(await organizer.press_label("Stop broadcast #1"))[-1]
    assert stopped == "Broadcast #1 is stopped; nothing more will be sent."


async def test_the_same_preview_confirmed_twice_is_one_broadcast(
    services: Services, db: Store
) -> None:
    """Send handled again (the update redone after a crash, whose state the database kept):
    the broadcast queued the first time is found, not queued again."""
    everyone = Audience(AudienceKind.EVERYONE)
    texts = {"default": "Only once"}
    first = await services.broadcasts.start(ORGANIZER_ID, everyone, texts, draft="preview-41")
    again = await services.broadcasts.start(ORGANIZER_ID, everyone, texts, draft="preview-41")
    other = await services.broadcasts.start(ORGANIZER_ID, everyone, texts, draft="preview-57")
    assert again == first != other
    assert await db.fetch_one("SELECT COUNT(*) FROM campaigns") == (2,)
    assert await db.fetch_one("SELECT COUNT(*) FROM admin_audit WHERE action = 'broadcast'") == (2,)
