"""The organizers' dashboard API, over HTTP on the bot's web server: only organizers get data
(an event organizer only about their events), the registrants table searches, filters,
sorts and pages, attendance is marked through the same service (and audit log) as in chat,
and the lists download as CSV and Excel or come to the chat."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
from openpyxl import load_workbook

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.models import Contact, Profile
from bot.services.container import Services
from tests.conftest import ORGANIZER_ID, START, chat_as
from tests.mini_apps import client, settings, signed_as
from tests.programme_files import programme, row
from tests.store import Store

__all__ = ["client", "settings"]  # the fixtures this module's tests take

SOON = START + timedelta(days=2)
OLGA = {"id": ORGANIZER_ID, "first_name": "Olga", "language_code": "en"}
PEOPLE = [
    # id, name, country, language, email
    (2001, "Amina Diallo", "KE", "en", "amina@example.org"),
    (2002, "Аня Петрова", "RU", "ru", "anya@example.ru"),
    (2003, "Zhang Wei", "CN", "zh", "wei@example.cn"),
    (2004, "Jean Dupont", "FR", "fr", ""),
    (2005, "أميرة الحداد", "EG", "ar", "amira@example.eg"),
    (2006, "Ana Gómez", "CO", "es", "ana@example.co"),
]


as_user = signed_as


async def programme_of(services: Services, capacity: str = "4") -> None:
    result = await services.programme.import_now(
        programme(
            [
                row("flood", SOON, capacity=capacity, title="Urban floods"),
                row("heat", SOON + timedelta(days=1), title="Heat waves"),
            ]
        ),
        admin_id=None,
    )
    assert not hasattr(result, "problems")


async def register_people(services: Services, code: str = "flood") -> None:
    for user_id, name, country, language, email in PEOPLE:
        await services.users.touch(Contact(user_id, name.split()[0], language_code=language))
        await services.users.choose_language(user_id, language)
        zone = {"KE": "Africa/Nairobi", "RU": "Europe/Moscow"}.get(country, "UTC")
        profile = Profile(name, country, "City", "Org " + name[:3], "", email)
        await services.profiles.save(user_id, profile, zone)
        await services.registrations.sign_up(user_id, code)


async def test_only_organizers_get_data(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services
) -> None:
    await programme_of(services)
    participant = as_user(clock, {"id": 2001, "first_name": "Amina"})
    for path, body in (
        ("api/admin/events", None),
        ("api/admin/registrants", {"event": "flood"}),
        ("api/admin/export", {"format": "csv"}),
    ):
        answer = await (
            client.get(path, headers=participant)
            if body is None
            else client.post(path, json=body, headers=participant)
        )
        assert answer.status_code == 403, path
        assert answer.json() == {"error": "organizers only"}
    assert (await client.get("api/admin/events")).status_code == 401


async def test_the_events_with_their_counts(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services
) -> None:
    await programme_of(services)
    await register_people(services)
    answer = await client.get("api/admin/events", headers=as_user(clock, OLGA))
    assert answer.status_code == 200
    events = answer.json()["events"]
    assert [e["code"] for e in events] == ["flood", "heat"]
    assert events[0]["title"] == "Urban floods"
    assert events[0]["counts"] == "Confirmed: 4 of 4 · waitlist: 2 · attended: 0"
    assert events[0]["state_label"] == "Upcoming"


async def test_an_event_organizer_sees_only_their_events(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services, db: Store
) -> None:
    await programme_of(services)
    await register_people(services)
    await services.users.touch(Contact(3001, "Carla"))
    heat = await services.events.find("heat")
    assert heat is not None
    await services.organizers.add(ORGANIZER_ID, 3001, [heat.event.event_id])
    carla = as_user(clock, {"id": 3001, "first_name": "Carla"})
    listed = await client.get("api/admin/events", headers=carla)
    assert [e["code"] for e in listed.json()["events"]] == ["heat"]
    refused = await client.post("api/admin/registrants", json={"event": "flood"}, headers=carla)
    assert refused.status_code == 404
    marked = await client.post(
        "api/admin/attendance",
        json={"event": "flood", "user": 2001, "present": True},
        headers=carla,
    )
    assert marked.status_code == 404
    assert await db.fetch_all("SELECT user_id FROM attendance") == []
    # her own event's list: its registrants only (nobody), the whole list none of the others
    export = await client.post("api/admin/export", json={"format": "csv"}, headers=carla)
    lines = list(csv.reader(io.StringIO(export.text.removeprefix("\ufeff"))))
    assert len(lines) == 1  # the header


async def table(client: httpx.AsyncClient, headers: dict[str, str], **query: Any) -> Any:
    answer = await client.post(
        "api/admin/registrants", json={"event": "flood", **query}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_registrants_table_searches_filters_and_sorts(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services
) -> None:
    await programme_of(services)
    await register_people(services)
    olga = as_user(clock, OLGA)
    everyone = await table(client, olga)
    assert [r["name"] for r in everyone["rows"]] == [p[1] for p in PEOPLE]
    assert everyone["summary"] == "6 of 6 registrants"
    assert [r["status_label"] for r in everyone["rows"]][-2:] == [
        "Waitlist, number 1",
        "Waitlist, number 2",
    ]
    assert {c["code"] for c in everyone["countries"]} == {"KE", "RU", "CN", "FR", "EG", "CO"}
    # search: part of a name in another width or case, an email, a country in another language
    assert [r["id"] for r in (await table(client, olga, search="ＡＮＹＡ"))["rows"]] == [2002]
    assert [r["id"] for r in (await table(client, olga, search="example.cn"))["rows"]] == [2003]
    assert [r["id"] for r in (await table(client, olga, search="Египет"))["rows"]] == [2005]
    # accents or none, either way ("gomez" is "Gómez", as typed on a phone)
    for typed in ("gomez", "GÓMEZ", "Gómez", "ｇｏｍｅｚ", "ana gomez"):
        assert [r["id"] for r in (await table(client, olga, search=typed))["rows"]] == [2006]
    found = await table(client, olga, search="an")  # Ana, Zhang, Jean, and anya@ by email
    assert found["summary"] == "4 of 6 registrants"
    assert [r["id"] for r in found["rows"]] == [2002, 2003, 2004, 2006]
    # filters
    waitlist = await table(client, olga, status="waitlisted")
    assert [r["id"] for r in waitlist["rows"]] == [2005, 2006]
    assert [r["id"] for r in (await table(client, olga, country="FR"))["rows"]] == [2004]
    assert [r["id"] for r in (await table(client, olga, language="zh"))["rows"]] == [2003]
    # sorting by name, both ways
    by_name = [r["name"] for r in (await table(client, olga, sort="name"))["rows"]]
    assert by_name[0] == "Amina Diallo" and by_name[-1] == "أميرة الحداد"
    backwards = [
        r["name"] for r in (await table(client, olga, sort="name", descending=True))["rows"]
    ]
    assert backwards == list(reversed(by_name))
    # forged choices are no filter, not an error
    odd = await table(
        client, olga, status="'; DROP TABLE users", country="XX", sort="evil", page=-4
    )
    assert odd["summary"] == "6 of 6 registrants"


async def test_attendance_is_marked_as_in_chat_and_audited(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services, db: Store
) -> None:
    await programme_of(services)
    await register_people(services)
    olga = as_user(clock, OLGA)
    answer = await client.post(
        "api/admin/attendance", json={"event": "flood", "user": 2001, "present": True}, headers=olga
    )
    assert answer.json() == {"present": True, "changed": True}
    again = await client.post(
        "api/admin/attendance", json={"event": "flood", "user": 2001, "present": True}, headers=olga
    )
    assert again.json() == {"present": True, "changed": False}
    assert (await table(client, olga, attended="yes"))["rows"][0]["id"] == 2001
    assert [r["id"] for r in (await table(client, olga, attended="no"))["rows"]][:1] == [2002]
    audit = await db.fetch_all(
        "SELECT admin_id, action, detail FROM admin_audit WHERE action = 'attendance'"
    )
    assert audit == [(ORGANIZER_ID, "attendance", "flood 2001 present")]
    stranger = await client.post(
        "api/admin/attendance", json={"event": "flood", "user": 9999, "present": True}, headers=olga
    )
    assert stranger.status_code == 404
    for forged in ({"user": "2001", "present": True}, {"user": 2001, "present": "yes"}):
        refused = await client.post(
            "api/admin/attendance", json={"event": "flood", **forged}, headers=olga
        )
        assert refused.status_code == 404


async def test_downloads_as_csv_and_excel_and_to_the_chat(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    app: BotApplication,
) -> None:
    await programme_of(services)
    await register_people(services)
    olga = as_user(clock, OLGA)
    answer = await client.post(
        "api/admin/export", json={"format": "csv", "event": "flood"}, headers=olga
    )
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="registrations-flood-2026-11-28.csv"'
    )
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert {r["name"] for r in rows} == {p[1] for p in PEOPLE}
    workbook = await client.post("api/admin/export", json={"format": "xlsx"}, headers=olga)
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0][:3] == ["event_code", "event_title", "name"]
    assert {r[2] for r in cells[1:]} == {p[1] for p in PEOPLE}
    audit = await db.fetch_all("SELECT detail FROM admin_audit WHERE action = 'export' ORDER BY id")
    assert audit == [("flood 6",), ("all 6",)]

    await chat_as(app, emulator, id=ORGANIZER_ID, first_name="Olga").send("/start")
    mark = len(emulator.calls)
    sent = await client.post(
        "api/admin/export", json={"format": "xlsx", "event": "flood", "to_chat": True}, headers=olga
    )
    assert sent.json() == {"sent": True, "rows": 6}
    documents = [c for c in emulator.calls[mark:] if c.method == "sendDocument"]
    assert len(documents) == 1 and documents[0].params["chat_id"] == ORGANIZER_ID
    assert documents[0].params["caption"] == "6 registrations"


async def test_the_admin_menu_opens_the_dashboard(
    app: BotApplication, emulator: BotApiEmulator, clock: FrozenClock
) -> None:
    olga = chat_as(app, emulator, id=ORGANIZER_ID, first_name="Olga", language_code="es")
    await olga.send("/admin")
    rows = olga.messages()[-1]["reply_markup"]["inline_keyboard"]
    assert rows == [
        [
            {
                "text": "Abrir el panel",
                "web_app": {"url": "https://bot.example.org/app/dashboard?lang=es"},
            }
        ]
    ]


async def preview(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    return await client.post("api/admin/broadcast/preview", json=body, headers=headers)


async def test_a_broadcast_is_previewed_per_version_and_sent_once(
    app: BotApplication,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    services: Services,
    emulator: BotApiEmulator,
    db: Store,
) -> None:
    await programme_of(services, capacity="10")
    await register_people(services)
    await chat_as(app, emulator, id=ORGANIZER_ID, first_name="Olga").send("/start")
    olga = as_user(clock, OLGA)
    registrants = {"kind": "registrants", "event": "flood"}
    # every problem said by version, nothing queued
    wrong = await preview(
        client,
        olga,
        audience=registrants,
        texts={"default": "Hello <b>all", "fr": "   ", "ru": "x" * 4096},
    )
    assert wrong.status_code == 422
    errors = wrong.json()["errors"]
    assert set(errors) == {"default", "ru"}
    assert errors["default"].startswith("Telegram would refuse this formatting")
    assert errors["ru"].startswith("The message is 4,096 characters long")
    typed = {
        "default": "Room <b>B2</b> & the link: <a href='https://meet.example.org/x'>join</a>",
        "fr": "Salle <b>B2</b>",
    }
    answer = await preview(client, olga, audience=registrants, texts=typed)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["recipients"] == "6 recipients"
    headers = [v["header"] for v in shown["versions"]]
    assert headers == ["Default version: 5 recipients", "French version: 1 recipient"]
    default = shown["versions"][0]
    assert "Room B2 & the link: join" in default["text"]
    assert {"type": "bold", "offset": default["text"].index("B2"), "length": 2} in default[
        "entities"
    ]
    assert next(e for e in default["entities"] if e["type"] == "text_link")["url"] == (
        "https://meet.example.org/x"
    )
    mark = len(emulator.calls)
    body = {"audience": registrants, "texts": typed, "draft": shown["draft"]}
    for _ in range(2):  # a double tap
        sent = await client.post("api/admin/broadcast/send", json=body, headers=olga)
        assert sent.status_code == 200
    assert sent.json() == {"message": "The broadcast is on its way. Its progress is in the chat."}
    campaigns = await db.fetch_all("SELECT kind, audience FROM campaigns WHERE kind = 'broadcast'")
    event = await services.events.find("flood")
    assert event is not None
    assert campaigns == [("broadcast", f"registrants:{event.event.event_id}")]
    audit = await db.fetch_all(
        "SELECT admin_id, action FROM admin_audit WHERE action = 'broadcast'"
    )
    assert audit == [(ORGANIZER_ID, "broadcast")]
    progress = [c for c in emulator.calls[mark:] if c.method == "sendMessage"]
    assert progress and progress[0].params["chat_id"] == ORGANIZER_ID


async def test_the_composer_keeps_to_what_this_organizer_may_write_to(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services, db: Store
) -> None:
    await programme_of(services)
    await services.users.touch(Contact(3001, "Carla"))
    heat = await services.events.find("heat")
    assert heat is not None
    await services.organizers.add(ORGANIZER_ID, 3001, [heat.event.event_id])
    carla = as_user(clock, {"id": 3001, "first_name": "Carla"})
    kinds = (await client.get("api/admin/audiences", headers=carla)).json()["kinds"]
    assert [k["kind"] for k in kinds] == ["registrants", "waitlist", "attendees", "no-shows"]
    texts = {"default": "Hello"}
    for audience, said in (
        ({"kind": "everyone"}, "only for organizers of the whole programme"),
        ({"kind": "registrants", "event": "flood"}, "not one of the events you organize"),
        ({"kind": "attendees", "event": "heat"}, "has not started yet"),
        ({"kind": "nobody"}, "Choose who should receive the message."),
    ):
        answer = await preview(client, carla, audience=audience, texts=texts)
        assert answer.status_code == 422
        assert said in answer.json()["errors"]["audience"]
    forged = await client.post(
        "api/admin/broadcast/send",
        json={"audience": {"kind": "everyone"}, "texts": texts, "draft": "abcdefghijkl"},
        headers=carla,
    )
    assert forged.status_code == 422
    assert await db.fetch_all("SELECT campaign_id FROM campaigns WHERE kind = 'broadcast'") == []


async def test_statistics_with_their_breakdowns(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services
) -> None:
    await programme_of(services, capacity="10")
    await register_people(services)
    answer = (await client.get("api/admin/stats", headers=as_user(clock, OLGA))).json()
    assert answer["total"].startswith("registered: 6 · waitlist: 0 · attended: 0")
    titles = [b["title"] for b in answer["breakdowns"]]
    assert titles == ["By topic", "By country", "By language"]
    countries = answer["breakdowns"][1]["lines"]
    assert {line["label"] for line in countries} == {
        "Kenya",
        "Russia",
        "China",
        "France",
        "Egypt",
        "Colombia",
    }
    assert sum(line["registered"] for line in countries) == 6


async def test_a_download_link_for_telegrams_own_download(
    client: httpx.AsyncClient, clock: FrozenClock, services: Services, db: Store
) -> None:
    """The Telegram app fetches the file itself (WebApp.downloadFile), without the page's
    signature: a two-minute link, signed, that names nobody."""
    await programme_of(services)
    await register_people(services)
    olga = as_user(clock, OLGA)
    made = await client.post(
        "api/admin/export/link", json={"format": "csv", "event": "flood"}, headers=olga
    )
    assert made.status_code == 200
    link = made.json()
    assert link["file_name"] == "registrations-flood-2026-11-28.csv"
    assert str(ORGANIZER_ID) not in link["path"] and "Olga" not in link["path"]
    fetched = await client.get(link["path"])  # no signature: the link is the permission
    assert fetched.status_code == 200
    rows = list(csv.DictReader(io.StringIO(fetched.text.removeprefix("\ufeff"))))
    assert {r["name"] for r in rows} == {p[1] for p in PEOPLE}
    audit = await db.fetch_all("SELECT admin_id, detail FROM admin_audit WHERE action = 'export'")
    assert audit == [(ORGANIZER_ID, "flood link")]
    token = link["path"].removeprefix("download/")
    body, _, signature = token.partition(".")
    forged = "download/" + body[:-2] + "xx." + signature
    assert (await client.get(forged)).status_code == 404
    clock.advance(timedelta(minutes=3))
    assert (await client.get(link["path"])).status_code == 404
    participant = as_user(clock, {"id": 2001, "first_name": "Amina"})
    refused = await client.post(
        "api/admin/export/link", json={"format": "csv"}, headers=participant
    )
    assert refused.status_code == 403
