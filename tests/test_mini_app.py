"""The Mini App's server side, over HTTP on the bot's own web server: Telegram's initData
checked as the Bot API documentation describes it, the form's answers checked by the chat's
rules, a registration made from the form and confirmed in the chat in one message.

initData is signed here the way the documentation says Telegram signs it ("Validating data
received via the Mini App"), written from the documentation, not with the bot's code.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.models import Profile, RegistrationStatus
from bot.services.container import Services
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of
from tests.mini_apps import client, settings, signed_as, telegram_init_data
from tests.programme_files import programme, row
from tests.store import Store
from tests.test_course_signup import COURSE, make_course, statuses

__all__ = ["client", "settings"]  # the fixtures this module's tests take

SOON = START + timedelta(days=2)
AMINA = {"id": 1001, "first_name": "Amina", "last_name": "Diallo", "language_code": "en"}


def signed(clock: FrozenClock, user: dict[str, Any] = AMINA) -> dict[str, str]:
    return signed_as(clock, user)


async def publish(services: Services, **overrides: str) -> None:
    result = await services.programme.import_now(
        programme([row("flood", SOON, **overrides)]), admin_id=None
    )
    assert not hasattr(result, "problems")


GOOD = {
    "full_name": "Amina Diallo",
    "country": "Kenya",
    "city": "Nairobi",
    "organization": "Kenya Red Cross",
    "role": "",
    "email": "amina@example.org",
    "timezone": "",
}


async def test_me_answers_the_signed_in_user_and_refuses_everyone_else(
    client: httpx.AsyncClient, clock: FrozenClock, db: Store
) -> None:
    refused = [
        await client.get("api/me"),
        await client.get("api/me", headers={"Authorization": "Bearer x"}),
        # signed with another bot's token
        await client.get(
            "api/me",
            headers={"Authorization": "tma " + telegram_init_data(AMINA, clock.now(), "9:OTHER")},
        ),
        # signed yesterday and a minute: older than a day
        await client.get(
            "api/me",
            headers={
                "Authorization": "tma "
                + telegram_init_data(AMINA, clock.now() - timedelta(days=1, minutes=1))
            },
        ),
    ]
    genuine = telegram_init_data(AMINA, clock.now())
    forged = genuine.replace("Amina", "Olga")  # the user changed, the hash kept
    refused.append(await client.get("api/me", headers={"Authorization": "tma " + forged}))
    for answer in refused:
        assert answer.status_code == 401
        assert answer.json() == {"error": "unauthorized"}
    assert await db.fetch_all("SELECT user_id FROM users") == []  # nobody was recorded

    answer = await client.get("api/me", headers={"Authorization": "tma " + genuine})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "language": "en",
        "direction": "ltr",
        "timezone": None,
        "name": "Amina Diallo",
        "profile": None,
        "organizer": False,
        "registered": None,
    }


async def test_init_data_fields_are_checked_as_signed_in_any_order(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """Telegram's fields come in its own order, with fields the bot does not use (a signature
    for third parties, the chat type): all of them are signed, so all are checked."""
    data = telegram_init_data(
        AMINA, clock.now(), chat_type="sender", chat_instance="-87", signature="abc"
    )
    shuffled = "&".join(reversed(data.split("&")))
    answer = await client.get("api/me", headers={"Authorization": "tma " + shuffled})
    assert answer.status_code == 200
    dropped = "&".join(part for part in data.split("&") if not part.startswith("chat_type="))
    answer = await client.get("api/me", headers={"Authorization": "tma " + dropped})
    assert answer.status_code == 401


async def test_the_card_opens_the_form_for_a_newcomer_and_registers_in_one_press_otherwise(
    amina: ChatDriver, services: Services
) -> None:
    await publish(services)
    await amina.settle(language="fr")
    await amina.send("/start flood")
    buttons = amina.last_message_with_buttons()["reply_markup"]["inline_keyboard"]
    opens = [b for r in buttons for b in r if "web_app" in b]
    assert len(opens) == 1 and opens[0]["text"] == "S’inscrire"
    address = urlsplit(opens[0]["web_app"]["url"])
    assert (address.scheme, address.netloc, address.path) == (
        "https",
        "bot.example.org",
        "/app/form",
    )
    assert parse_qs(address.query) == {"event": ["flood"], "lang": ["fr"]}
    assert "Répondre plutôt dans le chat" in [t for t, _ in buttons_of(amina.messages()[-1])]

    await services.profiles.save(amina.user.id, Profile("Amina", "KE", "Nairobi"), "Africa/Nairobi")
    await amina.send("/start flood")
    labels = buttons_of(amina.messages()[-1])
    assert ("S’inscrire", "r:flood") in [(t, d[:7]) for t, d in labels] or any(
        t == "S’inscrire" and d for t, d in labels
    )
    assert not any(
        "web_app" in b for r in amina.messages()[-1]["reply_markup"]["inline_keyboard"] for b in r
    )


async def test_a_first_sign_up_through_the_form_is_one_message_in_the_chat(
    amina: ChatDriver,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    emulator: BotApiEmulator,
    services: Services,
    db: Store,
) -> None:
    await publish(services)
    await amina.send("/start flood")  # the card, whose Register opens the form
    headers = signed(clock)
    wrong = {**GOOD, "email": "amina@", "full_name": "  "}
    mark = len(emulator.calls)
    answer = await client.post(
        "api/register", json={"event": "flood", "answers": wrong}, headers=headers
    )
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert errors == {
        "full_name": "Please type an answer.",
        "email": "“amina@” does not look like an email address, such as name@example.org.",
        "consent": "Please tick the box to agree, or close the form: nothing is stored.",
    }
    assert emulator.calls[mark:] == []
    assert await db.fetch_all("SELECT event_id FROM registrations") == []
    assert await db.fetch_one("SELECT full_name FROM users WHERE user_id = 1001") == (None,)

    answer = await client.post(
        "api/register", json={"event": "flood", "answers": GOOD, "consent": True}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "outcome": "confirmed",
        "message": "You are registered. The confirmation and the calendar file are in the chat.",
    }
    sent = [c for c in emulator.calls[mark:] if c.method.startswith("send")]
    assert [c.method for c in sent] == ["sendDocument"]  # the confirmation with its calendar
    caption = str(sent[0].params["caption"])
    assert caption.startswith("Thank you, your profile is saved.")
    assert "Session flood" in caption
    stored = await db.fetch_one(
        "SELECT full_name, country, city, organization, email, timezone FROM users "
        "WHERE user_id = 1001"
    )
    assert stored == (
        "Amina Diallo",
        "KE",
        "Nairobi",
        "Kenya Red Cross",
        "amina@example.org",
        "Africa/Nairobi",
    )
    status = await db.fetch_one("SELECT status FROM registrations")
    assert status == (RegistrationStatus.CONFIRMED.value,)


async def test_the_time_zone_is_asked_only_where_the_country_and_city_leave_it_open(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    headers = signed(clock)
    kenya = await client.post("api/zones", json={"country": "Kenya", "city": ""}, headers=headers)
    assert kenya.json()["zone"] == "Africa/Nairobi"
    brazil = await client.post("api/zones", json={"country": "Brazil", "city": ""}, headers=headers)
    assert brazil.json()["zone"] is None
    zones = [choice["zone"] for choice in brazil.json()["choices"]]
    assert zones[0] == "America/Sao_Paulo" and "America/Manaus" in zones
    manaus = await client.post(
        "api/zones", json={"country": "Brasil", "city": "Manaus"}, headers=headers
    )
    assert manaus.json()["zone"] == "America/Manaus"
    # the form without a zone for Brazil: asked next to the field
    answer = await client.post(
        "api/register",
        json={"answers": {**GOOD, "country": "Brazil", "city": "Aldeia Xyzzy"}, "consent": True},
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"timezone": "Please choose your time zone."}
    chosen = {**GOOD, "country": "Brazil", "city": "Aldeia Xyzzy", "timezone": "America/Recife"}
    answer = await client.post(
        "api/register", json={"answers": chosen, "consent": True}, headers=headers
    )
    assert answer.json()["outcome"] == "saved"


async def test_each_field_is_checked_as_the_participant_leaves_it(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    headers = signed(clock)

    async def check(field: str, value: str) -> dict[str, Any]:
        answer = await client.post(
            "api/check", json={"field": field, "value": value}, headers=headers
        )
        assert answer.status_code == 200
        return dict(answer.json())

    assert await check("country", "ＫＥＮＹＡ") == {"ok": True, "value": "Kenya"}
    assert await check("country", "كينيا") == {"ok": True, "value": "Kenya"}
    # a name as the suggestions list it is that country ("Guinea" typed in chat may be three)
    assert await check("country", "Guinea") == {"ok": True, "value": "Guinea"}
    congo = await check("country", "Congo")
    assert congo["ok"] is False and congo["problem"].startswith("Which one do you mean:")
    assert await check("full_name", "\u202eAmina\u200f") == {"ok": True, "value": "Amina"}
    assert (await check("full_name", "12345"))["problem"] == "Please write your name in letters."
    assert await check("email", "ａｍｉｎａ＠example.org") == {
        "ok": True,
        "value": "amina@example.org",
    }
    assert await check("role", "") == {"ok": True, "value": ""}
    bad = await client.post("api/check", json={"field": "timezone", "value": "x"}, headers=headers)
    assert bad.status_code == 400


async def test_cities_are_suggested_in_the_country_named(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    headers = signed(clock)
    answer = await client.post(
        "api/cities", json={"text": "Nai", "country": "Kenya"}, headers=headers
    )
    assert answer.json()["cities"][0] == "Nairobi"
    answer = await client.post(
        "api/cities", json={"text": "Lag", "country": "Nigeria"}, headers=headers
    )
    assert answer.json()["cities"][0] == "Lagos"


async def test_the_form_page_is_in_the_readers_language_and_direction(
    client: httpx.AsyncClient, services: Services
) -> None:
    await publish(services, title_ar="أنظمة الإنذار المبكر")
    page = await client.get("form", params={"event": "flood", "lang": "ar"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="ar" dir="rtl">' in html
    assert "أنظمة الإنذار المبكر" in html
    assert '<label for="email">' in html
    assert 'aria-describedby="error-email"' in html or "error-email" in html
    assert "https://telegram.org/js/telegram-web-app.js" in html
    gone = await client.get("form", params={"event": "nothing-here", "lang": "en"})
    assert "no longer in the programme" in gone.text
    assert 'id="form"' not in gone.text


async def test_bodies_that_are_not_a_form_change_nothing(
    client: httpx.AsyncClient, clock: FrozenClock, db: Store
) -> None:
    headers = signed(clock)
    for body in (b"[]", b"not json", b'{"answers": 5}', b"x" * 20_000):
        answer = await client.post(
            "api/register", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert answer.status_code in (400, 413)
    weird = {**GOOD, "full_name": ["Amina"], "email": {"a": 1}}
    answer = await client.post(
        "api/register", json={"answers": weird, "consent": True}, headers=headers
    )
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"full_name", "email"}
    assert await db.fetch_one("SELECT full_name FROM users WHERE user_id = 1001") == (None,)


async def test_a_whole_course_through_the_form(
    amina: ChatDriver,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    emulator: BotApiEmulator,
    services: Services,
    db: Store,
) -> None:
    await make_course(services, db)
    await amina.settle(language="en")
    await amina.send(f"/start {COURSE}")
    rows = amina.last_message_with_buttons()["reply_markup"]["inline_keyboard"]
    [opens] = [b for r in rows for b in r if "web_app" in b]
    assert opens["text"] == "Register for the whole course"
    address = urlsplit(opens["web_app"]["url"])
    assert parse_qs(address.query) == {"course": [COURSE], "lang": ["en"]}
    page = await client.get("form", params={"course": COURSE, "lang": "en"})
    assert 'data-course="' + COURSE + '"' in page.text
    mark = len(emulator.calls)
    answer = await client.post(
        "api/register",
        json={"course": COURSE, "answers": GOOD, "consent": True},
        headers=signed(clock),
    )
    assert answer.json()["outcome"] == "course"
    sent = [c for c in emulator.calls[mark:] if c.method.startswith("send")]
    assert [c.method for c in sent] == ["sendDocument"]  # every seat, one calendar file
    assert set((await statuses(db, amina.user.id)).values()) == {"confirmed"}


async def test_a_session_nobody_can_join_says_so_instead_of_asking(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services
) -> None:
    await publish(services)
    flood = await services.events.find("flood")
    assert flood is not None
    await services.events.cancel(flood.event, admin_id=ORGANIZER_ID)
    page = await client.get("form", params={"event": "FLOOD", "lang": "fr"})
    assert "annulé" in page.text
    assert 'id="form"' not in page.text


ODD_TEXTS = [
    "王小明",
    "Анна Петрова",
    "أميرة الحداد",
    "Ｎａｉｒｏｂｉ",
    "Кenya",  # a Cyrillic К among Latin letters
    "🌊🌊",
    "\u202eAmina\u202c",
    "Amina\u200b\u200d",
    "\u2800",  # the Braille blank
    "x" * 5_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
async def test_any_text_in_any_field_is_an_answer_or_a_problem_never_an_error(
    client: httpx.AsyncClient, clock: FrozenClock, db: Store, text: str
) -> None:
    headers = signed(clock)
    for field in ("full_name", "country", "city", "organization", "role", "email"):
        answers = {**GOOD, field: text}
        answer = await client.post(
            "api/register", json={"answers": answers, "consent": True}, headers=headers
        )
        assert answer.status_code in (200, 422), (field, answer.text)
        if answer.status_code == 422:
            assert set(answer.json()["errors"]) <= {field, "timezone"}, answer.text
        checked = await client.post(
            "api/check", json={"field": field, "value": text}, headers=headers
        )
        assert checked.status_code == 200
    stored = await db.fetch_one(
        "SELECT full_name, city, organization, role FROM users WHERE user_id = 1001"
    )
    for value in stored or ():
        assert value is None or not any(ch in value for ch in "\u202e\u202c\u200b"), value
        assert value is None or len(value) <= 150


async def register_by_form(
    client: httpx.AsyncClient, clock: FrozenClock, code: str = "flood"
) -> httpx.Response:
    return await client.post(
        "api/register",
        json={"event": code, "answers": GOOD, "consent": True},
        headers=signed(clock),
    )


async def test_the_card_shows_the_registration_made_through_the_form(
    amina: ChatDriver,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    emulator: BotApiEmulator,
    services: Services,
) -> None:
    """At most three Bot API sends for a first sign-up through the form: the card, the
    confirmation with its calendar file, and the card shown as it now stands (no Register
    left on it to invite a second registration)."""
    await publish(services)
    mark = len(emulator.calls)
    await amina.send("/start flood")
    card = amina.last_message_with_buttons()
    answer = await register_by_form(client, clock)
    assert answer.json()["outcome"] == "confirmed"
    sends = [c.method for c in emulator.calls[mark:] if c.method.startswith(("send", "edit"))]
    assert sends == ["sendMessage", "sendDocument", "editMessageText"]
    now = next(m for m in amina.messages() if m["message_id"] == card["message_id"])
    assert "You are registered." in now["text"]
    labels = [label for label, _ in buttons_of(now)]
    assert "Cancel my registration" in labels and "Register" not in labels


async def test_registered_already_is_said_on_the_page_and_not_again_in_chat(
    amina: ChatDriver,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    emulator: BotApiEmulator,
    services: Services,
    db: Store,
) -> None:
    await publish(services)
    await amina.send("/start flood")
    mark = len(emulator.calls)
    # the same form sent three times at once (two pages open, a retry)
    answers = await asyncio.gather(*(register_by_form(client, clock) for _ in range(3)))
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["already-confirmed", "already-confirmed", "confirmed"]
    documents = [c for c in emulator.calls[mark:] if c.method == "sendDocument"]
    assert len(documents) == 1
    assert await db.fetch_one("SELECT COUNT(*) FROM registrations") == (1,)
    # the form opened again: the page says so instead of asking
    me = await client.get("api/me", params={"event": "flood"}, headers=signed(clock))
    assert me.json()["registered"] == "You are already registered for “Session flood”."
    nobody = await client.get("api/me", params={"event": "heat"}, headers=signed(clock))
    assert nobody.json()["registered"] is None


async def test_a_country_the_form_cannot_settle_is_asked_in_the_readers_words(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    headers = signed(clock)

    async def problem(value: str, language: str = "en") -> str:
        user = {**AMINA, "language_code": language}
        answer = await client.post(
            "api/check",
            json={"field": "country", "value": value},
            headers=signed_as(clock, {**user, "id": 1001 if language == "en" else 1003}),
        )
        return str(answer.json().get("problem"))

    assert await problem("Kongo") == "Do you mean Republic of the Congo?"
    assert await problem("Congo") == "Which one do you mean: DR Congo or Republic of the Congo?"
    # listed in the reader's language, by its own rules ("or" is "أو" in Arabic)
    assert await problem("Congo", "ar") == (
        "أيّها تقصد: جمهورية الكونغو الديمقراطية أو جمهورية الكونغو؟"
    )
    unknown = await client.post(
        "api/check", json={"field": "country", "value": "Unknown Region"}, headers=headers
    )
    assert unknown.json()["ok"] is False


async def test_profile_offers_the_form_to_edit_every_answer(
    amina: ChatDriver, client: httpx.AsyncClient, clock: FrozenClock, db: Store
) -> None:
    await amina.settle(language="ru")
    await amina.send("/profile")  # no profile yet: nothing to edit
    assert not any("web_app" in str(m.get("reply_markup")) for m in amina.messages())
    answer = await client.post(
        "api/register", json={"answers": GOOD, "consent": True}, headers=signed(clock)
    )
    assert answer.json()["outcome"] == "saved"
    await amina.send("/profile")
    rows = amina.messages()[-1]["reply_markup"]["inline_keyboard"]
    assert rows[0] == [
        {
            "text": "Изменить всё в форме",
            "web_app": {"url": "https://bot.example.org/app/form?lang=ru"},
        }
    ]
    # the form, opened from there, edits: consent was given, the answers are replaced
    me = (await client.get("api/me", headers=signed(clock))).json()
    assert me["profile"]["city"] == "Nairobi"
    moved = {**GOOD, "country": "Uganda", "city": "Kampala"}
    again = await client.post("api/register", json={"answers": moved}, headers=signed(clock))
    assert again.status_code == 200
    stored = await db.fetch_one("SELECT country, city, timezone FROM users WHERE user_id = 1001")
    assert stored == ("UG", "Kampala", "Africa/Kampala")
    # the /profile message that opened the form shows the profile as it now is
    shown = amina.messages()[-1]["text"]
    assert shown.startswith("Сохранено.") and "Kampala" in shown and "Nairobi" not in shown
