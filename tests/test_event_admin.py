"""Organizers publishing the programme in chat: CSV upload, /newevent, /editevent, /cancelevent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import Update

from bot.clock import FrozenClock
from bot.devtools.emulator import ApiCall
from bot.devtools.sample_programme import sample_programme_csv
from bot.models import Contact
from bot.services.container import Services
from handlers.buttons import CancelEvent
from tests.conftest import START, ChatDriver, buttons_of, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)
REFUSAL = "Sorry, this is only for the programme’s organizers."


async def upload(chat: ChatDriver, name: str, content: bytes) -> list[ApiCall]:
    update: dict[str, Any] = chat.emulator.user_document(chat.user, name, content)
    mark = len(chat.emulator.calls)
    await chat.app.process_update(Update.de_json(update, chat.app.bot))
    return chat.emulator.calls[mark:]


async def test_an_organizer_imports_a_programme_by_sending_it(
    organizer: ChatDriver, db: Store
) -> None:
    """A CSV document from an organizer is imported and summarized."""
    await organizer.settle(language="en")
    [reply] = texts(await upload(organizer, "programme.csv", sample_programme_csv(START)))
    assert reply.splitlines() == [
        "The programme was imported.",
        "8 events added",
        "0 events updated",
        "0 events unchanged",
    ]
    assert await db.read(lambda u: u.events.count()) == 8


async def test_a_bad_file_in_chat_lists_its_problems(organizer: ChatDriver, db: Store) -> None:
    """Problems come back with row numbers, in the organizer's language; nothing is written."""
    await organizer.settle(language="en")
    data = programme([row("a", SOON), row("b", SOON, capacity="-1")])
    [reply] = texts(await upload(organizer, "programme.csv", data))
    assert reply.startswith("Nothing was imported.")
    assert "Row 3: The capacity must be a whole number" in reply
    assert await db.read(lambda u: u.events.count()) == 0


async def test_a_participant_cannot_import(amina: ChatDriver, db: Store) -> None:
    """A CSV from a participant is refused politely and changes nothing."""
    [reply] = texts(await upload(amina, "programme.csv", sample_programme_csv(START)))
    assert reply == REFUSAL
    assert await db.read(lambda u: u.events.count()) == 0


async def test_a_long_problem_list_is_split_into_messages(organizer: ChatDriver) -> None:
    """Even hundreds of bad rows give readable messages under Telegram's length limit."""
    await organizer.settle(language="en")
    data = programme([row(f"x{i}", SOON, topic="nope" * 20) for i in range(200)])
    replies = texts(await upload(organizer, "big.csv", data))
    assert all(len(reply) <= 4096 for reply in replies)
    assert "…and 170 more problems." in replies[-1]


async def run_wizard(chat: ChatDriver, steps: list[str]) -> list[str]:
    replies: list[str] = []
    for step in steps:
        if step.startswith("press:"):
            calls = await chat.press_label(step.removeprefix("press:"))
        else:
            calls = await chat.send(step)
        replies.extend(texts(calls))
    return replies


async def test_newevent_happy_path(organizer: ChatDriver, db: Store) -> None:
    """Every answer is checked and echoed; Save stores the event with a deep link."""
    await organizer.settle(language="en", timezone="Africa/Nairobi")
    replies = await run_wizard(
        organizer,
        [
            "/newevent",
            "Flood drills for schools",
            "press:Disaster risk reduction",
            "2026-12-05 10:00",
            "90",
            "press:No limit",
            "press:French",
            "https://meet.example.org/j/1?pwd=<abc>",  # refused: Telegram would choke on it
            "https://meet.example.org/drills?a=1&b=2",
            "Practical drills.",
            "press:Use flood-drills-for-schools",
            "press:Save",
        ],
    )
    echo = "That is Saturday, December 5, 2026, 10:00\u202fAM · Nairobi (UTC+03:00)."
    assert any(r.startswith(echo) for r in replies)
    # A refused answer is explained, and its question put again with its buttons.
    assert (
        "“https://meet.example.org/j/1?pwd=<abc>” is not a complete web address: write it as https://…"
        "\n\nWhat is the link to join it (https://…)?" in replies
    )
    assert any(
        r.startswith("Please check the event:")
        and "Practical drills." in r
        and "https://meet.example.org/drills?a=1&b=2" in r
        for r in replies
    )
    saved = replies[-1]
    assert saved.startswith("Saved. The event’s code is flood-drills-for-schools and ")
    event = await db.read(lambda u: u.events.by_code("flood-drills-for-schools"))
    assert event is not None
    assert event.starts_at == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert (event.topic, event.capacity, event.language, event.duration_minutes) == (
        "disaster-risk-reduction",
        None,
        "fr",
        90,
    )


async def test_newevent_refuses_a_bad_date_and_keeps_asking(
    organizer: ChatDriver, db: Store
) -> None:
    """An impossible or past date is explained; the question stays open; /cancel leaves."""
    await organizer.settle(language="en")
    replies = await run_wizard(
        organizer,
        [
            "/newevent",
            "Title",
            "press:Food security",
            "tomorrow at ten",
            "2026-02-30 10:00",
            "2020-01-01 10:00",
        ],
    )
    question = (
        "When does it start? Write the date and time in your time zone (UTC) as YYYY-MM-DD HH:MM."
    )
    for problem in (
        "Please write the date and time as YYYY-MM-DD HH:MM, for example 2026-12-03 14:00.",
        "“2026-02-30 10:00” is not a date that exists.",
        "The start “2020-01-01 10:00” is in the past.",
    ):
        assert f"{problem}\n\n{question}" in replies
    [stopped] = texts(await organizer.send("/cancel"))
    assert stopped == "Stopped. Nothing was saved."
    [after] = texts(await organizer.send("2026-12-05 10:00"))
    assert "/help" in after  # the wizard is over
    assert await db.read(lambda u: u.events.count()) == 0


async def test_newevent_puts_every_question_again_with_its_buttons(organizer: ChatDriver) -> None:
    """Words where a button is expected, a sticker where words are, a refused number: the
    question comes again with its buttons, so nobody is left without a way on."""
    await organizer.settle(language="en")
    await organizer.send("/newevent")
    await organizer.send("Title")
    [again] = texts(await organizer.send("Climate"))  # typed instead of pressed
    assert again == "Please choose one of the buttons.\n\nWhich topic?"
    labels = [label for label, _ in buttons_of(organizer.last_message_with_buttons())]
    assert "Climate change" in labels and len(labels) == 8
    [start] = texts(await organizer.send("  climate   CHANGE "))  # a button's words: taken
    assert start.startswith("When does it start?")
    await organizer.send("2026-12-05 10:00")
    await organizer.send("90")
    [again] = texts(await organizer.send("many"))
    assert again.endswith("\n\nHow many seats? Send a number, or choose:")
    assert [label for label, _ in buttons_of(organizer.last_message_with_buttons())] == ["No limit"]
    [again] = texts(await organizer.send_sticker())
    assert again == "Please type an answer.\n\nHow many seats? Send a number, or choose:"
    assert [label for label, _ in buttons_of(organizer.last_message_with_buttons())] == ["No limit"]
    await organizer.press_label("No limit")
    [again] = texts(await organizer.send("klingon"))
    assert again.endswith("Choose, or send a language code such as pt or sw.")
    assert len(buttons_of(organizer.last_message_with_buttons())) == 6


async def test_a_participant_cannot_use_organizer_commands(
    amina: ChatDriver, services: Services, db: Store
) -> None:
    """/newevent, /editevent, /cancelevent, /admin and forged organizer buttons are refused."""
    await services.programme.import_now(programme([row("a", SOON)]), admin_id=None)
    for command in ("/newevent", "/editevent a", "/cancelevent a", "/admin"):
        assert texts(await amina.send(command)) == [REFUSAL], command
    for forged in ("cx:yes:a", "nw:save", "ed:f:title"):
        calls = await amina.press(forged, message_id=1)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and not event.is_cancelled


async def test_editevent_changes_the_title_the_organizer_reads(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """A French organizer of an event with a French title changes that title; an English
    one changes the default title; each language keeps its own."""
    await services.programme.import_now(
        programme([row("a", SOON, title="Old", title_fr="Ancien")]), admin_id=None
    )
    await organizer.settle(language="fr")
    await run_wizard(organizer, ["/editevent a", "press:Titre", "Nouveau titre"])
    await organizer.settle(language="en")
    await run_wizard(organizer, ["/editevent a", "press:Title", "New title"])
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None
    assert (event.title_in("fr"), event.title_in("en")) == ("Nouveau titre", "New title")


async def test_editevent_changes_one_field(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """An organizer changes the capacity; a bad value is explained first."""
    await organizer.settle(language="en")
    await services.programme.import_now(programme([row("a", SOON)]), admin_id=None)
    replies = await run_wizard(organizer, ["/editevent a", "press:Seats", "many", "25"])
    assert replies[0] == "What do you want to change in “\u2068Session a\u2069”?"
    assert any(r.startswith("The capacity must be a whole number") for r in replies)
    assert "Saved." in replies and any("25 seats left" in r for r in replies)
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and event.capacity == 25
    [missing] = texts(await organizer.send("/editevent nope"))
    assert missing == "There is no event with the code \u2068nope\u2069."
    [usage] = texts(await organizer.send("/editevent"))
    assert usage == "Please add the event’s code: /editevent CODE"


async def test_cancelevent_asks_first(organizer: ChatDriver, services: Services, db: Store) -> None:
    """/cancelevent asks for confirmation, saying how many will be told; No keeps it, Yes
    cancels it once."""
    await organizer.settle(language="en")
    await services.programme.import_now(programme([row("a", SOON)]), admin_id=None)
    [question] = texts(await organizer.send("/cancelevent a"))
    assert question.startswith("Cancel “\u2068Session a\u2069” on ")
    assert question.endswith("Nobody has signed up, so nobody will be told.")
    for user_id in (971, 972, 973):
        await services.users.touch(Contact(user_id, "R"))
        await services.registrations.sign_up(user_id, "a")
    [question] = texts(await organizer.send("/cancelevent a"))
    assert question.endswith("The 3 people signed up will be told.")
    labels = [label for label, _ in buttons_of(organizer.last_message_with_buttons())]
    assert labels == ["Yes, cancel it", "No, keep it"]
    await organizer.press_label("No, keep it")
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and not event.is_cancelled
    await organizer.send("/cancelevent a")
    question = organizer.last_message_with_buttons()["message_id"]
    calls = await organizer.press_label("Yes, cancel it")
    assert texts(calls) == ["“\u2068Session a\u2069” is cancelled."]
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and event.is_cancelled
    again = await organizer.press(CancelEvent("a").pack(), message_id=question)
    assert texts(again) == ["This event has been cancelled."]


async def test_editevent_sets_the_minimum_attendance(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """How long someone must be in the session to count as present: minutes, or back to
    half of the duration."""
    await organizer.settle(language="en")
    await services.programme.import_now(programme([row("a", SOON)]), admin_id=None)
    replies = await run_wizard(
        organizer, ["/editevent a", "press:Minimum attendance", "half an hour", "30"]
    )
    assert any(
        r.startswith("The minimum attendance must be a whole number of minutes") for r in replies
    )
    assert "Saved." in replies
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and (event.min_attendance_minutes, event.attendance_minutes) == (
        30,
        30,
    )
    await run_wizard(
        organizer, ["/editevent a", "press:Minimum attendance", "press:Half of the duration"]
    )
    event = await db.read(lambda u: u.events.by_code("a"))
    assert event is not None and event.min_attendance_minutes is None
    assert event.attendance_minutes == (event.duration_minutes + 1) // 2


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        ("en", "2d,3h,15m", "2 days, 3 hours, 15 minutes"),
        ("en", "27h,90m", "1 day and 3 hours, 1 hour and 30 minutes"),
        ("fr", "2d,3h", "2\u00a0jours, 3\u00a0heures"),
        ("ru", "2d,1h", "2 дня, 1 час"),
    ],
)
async def test_reminder_times_read_as_they_were_given(
    organizer: ChatDriver, services: Services, language: str, typed: str, shown: str
) -> None:
    """/reminders CODE 2d,3h,15m answers in days, hours and minutes, not "48 hours"."""
    await organizer.settle(language=language)
    await services.programme.import_now(programme([row("flood", START + timedelta(days=5))]), None)
    [answer] = texts(await organizer.send(f"/reminders flood {typed}"))
    assert shown in answer, answer


async def test_reminders_of_a_session_that_started_are_not_promised(
    organizer: ChatDriver, services: Services, clock: FrozenClock, db: Store
) -> None:
    """A session already held (or cancelled) sends no reminders: /reminders says so and
    changes nothing."""
    await organizer.settle(language="en")
    await services.programme.import_now(programme([row("flood", START + timedelta(days=5))]), None)
    clock.set(START + timedelta(days=5, minutes=1))
    [answer] = texts(await organizer.send("/reminders flood 2d"))
    assert answer == "This session has started or is cancelled: it has no reminders to send."
    event = await db.read(lambda u: u.events.by_code("flood"))
    assert event is not None
    assert await db.read(lambda u: u.outbox.event_offsets(event.event_id)) == []
