"""Co-organizers: owners (ADMIN_IDS) add and remove organizers in chat, for the whole
programme or for chosen events, and an event organizer sees and manages only their events."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.app import BotApplication
from bot.devtools.emulator import BotApiEmulator, FakeUser
from bot.models import Contact, Profile
from bot.services.container import Services
from handlers.buttons import BroadcastAudience, OrganizerScopeChoice, RegistrantsPage
from tests.conftest import ORGANIZER_ID, START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

LI = FakeUser(
    id=7301, first_name="伟", last_name="李", username="LiWei_Chengdu", language_code="zh"
)
OMAR = FakeUser(id=7302, first_name="عمر", username="omar_amman", language_code="ar")


async def setup(services: Services) -> None:
    await services.programme.import_now(
        programme(
            [
                row("flood", START + timedelta(days=3)),
                row("heat", START + timedelta(days=4)),
                row("tourism", START + timedelta(days=5)),
            ]
        ),
        None,
    )
    for user_id, name, country, code in (
        (7401, "Amina Diallo", "KE", "flood"),
        (7402, "Вера Смирнова", "RU", "heat"),
        (7403, "Zoë Ndlovu", "KE", "tourism"),
    ):
        await services.users.touch(Contact(user_id, name.split()[0]))
        await services.profiles.save(user_id, Profile(name, country, "City", "", "", ""), "UTC")
        await services.registrations.sign_up(user_id, code)


def chat(app: BotApplication, emulator: BotApiEmulator, user: FakeUser) -> ChatDriver:
    return chat_as(
        app,
        emulator,
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def menu_of(emulator: BotApiEmulator, user_id: int) -> list[str] | None:
    scope = json.dumps({"chat_id": user_id, "type": "chat"}, sort_keys=True)
    commands = emulator.commands.get((scope, ""))
    return None if commands is None else [c["command"] for c in commands]


async def test_an_owner_adds_a_programme_organizer_by_forwarding_one_of_their_messages(
    app: BotApplication, emulator: BotApiEmulator, organizer: ChatDriver, services: Services
) -> None:
    await setup(services)
    li = chat(app, emulator, LI)
    await li.send("/start")  # Li has written to the bot, in Chinese
    await organizer.settle(language="en")
    [question] = texts(await organizer.send("/addorganizer"))
    assert "Forward me any message from them" in question
    calls = await organizer.forward("Hello from Chengdu", LI)
    assert texts(calls, ORGANIZER_ID) == [
        "What will \u2068李伟\u2069 · @LiWei_Chengdu · 7301 organize?"
    ]
    calls = await organizer.press(OrganizerScopeChoice("all").pack())
    [done] = [t for t in texts(calls, ORGANIZER_ID) if "now an organizer" in t]
    assert done == (
        "\u2068李伟\u2069 · @LiWei_Chengdu · 7301 is now an organizer: the whole programme."
    )
    [told] = texts(calls, LI.id)
    assert "/admin" in told and "整个项目的组织方" in told  # in Li's own language
    assert "registrants" in (menu_of(emulator, LI.id) or [])
    [listing] = texts(await li.send("/registrants heat"))
    assert "Вера Смирнова" in listing
    [organizers] = texts(await li.send("/organizers"))
    assert "7301" in organizers and str(ORGANIZER_ID) in organizers


async def test_an_event_organizer_sees_and_manages_only_their_events(
    app: BotApplication,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
) -> None:
    await setup(services)
    omar = chat(app, emulator, OMAR)
    await omar.send("/start")
    await organizer.settle(language="en")
    calls = await organizer.send("/addorganizer @Omar_Amman flood TOURISM")
    assert texts(calls, ORGANIZER_ID) == [
        "\u2068عمر\u2069 · @omar_amman · 7302 is now an organizer: flood and tourism."
    ]
    await omar.settle(language="en")
    [own] = texts(await omar.send("/registrants flood"))
    assert "Amina Diallo" in own
    [refused] = texts(await omar.send("/registrants heat"))
    assert refused == "Sorry, this event is not one of the events you organize."
    heat = await db.read(lambda u: u.events.by_code("heat"))
    assert heat is not None
    forged = await omar.press(RegistrantsPage(heat.event_id, 0).pack(), message_id=1)
    assert [c.params.get("text") for c in forged if c.method == "answerCallbackQuery"] == [
        "Sorry, this event is not one of the events you organize."
    ]
    assert not [c for c in forged if c.method == "sendMessage"]
    [stats, *_] = texts(await omar.send("/stats"))
    assert "2 events" in stats and "heat" not in stats
    export = await omar.send("/export")
    [document] = [c for c in export if c.method == "sendDocument"]
    [(_, content)] = document.files.values()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(r["event_code"] for r in rows) == ["flood", "tourism"]
    audit = await db.read(
        lambda u: u.audit._all("SELECT admin_id, detail FROM admin_audit WHERE action = 'export'")
    )
    assert [tuple(r) for r in audit] == [(OMAR.id, "all 2")]
    [whole] = texts(await omar.send("/organizers"))
    assert "only for organizers of the whole programme" in whole
    [not_owner] = texts(await omar.send("/addorganizer 7401"))
    assert "only the programme’s owners" in not_owner


async def test_removing_an_organizer_takes_their_rights_and_menu_and_is_audited(
    app: BotApplication,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
) -> None:
    await setup(services)
    li = chat(app, emulator, LI)
    await li.send("/start")
    await organizer.settle(language="en")
    await organizer.send("/addorganizer 7301 flood heat")
    [partly] = texts(await organizer.send("/removeorganizer @liwei_chengdu heat"))
    assert partly.endswith("still organizes: flood.")
    [gone] = texts(await organizer.send("/removeorganizer 7301"), ORGANIZER_ID)
    assert gone.endswith("is no longer an organizer.")
    assert menu_of(emulator, LI.id) is None
    await li.settle(language="en")
    [refused] = texts(await li.send("/registrants flood"))
    assert "only for the programme’s organizers" in refused
    [again] = texts(await organizer.send("/removeorganizer 7301"))
    assert again.endswith("was not an organizer.")
    [owner] = texts(await organizer.send(f"/removeorganizer {ORGANIZER_ID}"))
    assert "owner" in owner and "ADMIN_IDS" in owner
    actions = await db.read(
        lambda u: [
            tuple(r)
            for r in u.audit._all("SELECT admin_id, action, detail FROM admin_audit ORDER BY id")
        ]
    )
    assert [(a, b) for a, b, _ in actions if b.startswith("organizer")] == [
        (ORGANIZER_ID, "organizer-added"),
        (ORGANIZER_ID, "organizer-removed"),
        (ORGANIZER_ID, "organizer-removed"),
    ]


async def test_people_the_bot_cannot_name_are_explained_and_nothing_changes(
    app: BotApplication, emulator: BotApiEmulator, organizer: ChatDriver, services: Services
) -> None:
    await setup(services)
    await organizer.settle(language="en")
    [unknown] = texts(await organizer.send("/addorganizer @nobody_here"))
    assert unknown.startswith("I do not know \u2068@nobody_here\u2069.")
    [hidden] = texts(await organizer.forward("hi", None, hidden_name="Someone"))
    assert "privacy settings hide who wrote" in hidden
    await organizer.send("/addorganizer 7301")
    await organizer.press(OrganizerScopeChoice("some").pack())
    [codes] = texts(await organizer.send("flood nosuch"))
    assert codes.startswith("There is no event with this code: \u2068nosuch\u2069.")
    [done] = texts(await organizer.send("flood"))
    assert done.startswith("User 7301 is now an organizer: flood.\n")
    # 7301 never wrote to the bot: the owner is asked to tell them.
    assert "I could not tell them" in done
    participant = chat_as(app, emulator, id=7501, first_name="Pat", language_code="en")
    [refused] = texts(await participant.send("/organizers"))
    assert "only for the programme’s organizers" in refused
    assert (await services.organizers.role(7501)).is_organizer is False


async def test_a_forgotten_organizer_is_an_organizer_no_more(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    await setup(services)
    await services.users.touch(Contact(7301, "Li"))
    await services.organizers.add(ORGANIZER_ID, 7301, None)
    assert (await services.organizers.role(7301)).whole_programme
    await db.write(lambda u: u.users.erase(7301))
    assert not (await services.organizers.role(7301)).is_organizer


async def test_an_event_organizer_broadcasts_only_to_the_people_of_their_events(
    app: BotApplication,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
) -> None:
    await setup(services)
    await services.users.touch(Contact(OMAR.id, "Omar"))
    await services.organizers.add(ORGANIZER_ID, OMAR.id, [await event_id(services, "flood")])
    omar = chat(app, emulator, OMAR)
    await omar.settle(language="en")
    await omar.send("/broadcast")
    labels = [label for label, _ in buttons_of(omar.last_message_with_buttons())]
    assert "Everyone" not in labels and "Registrants of an event" in labels
    forged = await omar.press(BroadcastAudience("everyone").pack())
    assert [c.params.get("text") for c in forged if c.method == "answerCallbackQuery"] == [
        "Sorry, this is only for organizers of the whole programme. You organize chosen "
        "events: /admin lists what you can do for them."
    ]
    await omar.press(BroadcastAudience("registrants").pack())
    [refused] = texts(await omar.send("heat"))
    assert refused == "Sorry, this event is not one of the events you organize."
    await organizer.settle(language="en")
    await organizer.send("/broadcast")
    await organizer.press(BroadcastAudience("everyone").pack())
    await organizer.send("News for everyone")
    await organizer.press_label("Preview")
    await organizer.press_label("Send")
    [none_of_theirs] = texts(await omar.send("/broadcasts"))
    assert none_of_theirs.startswith("No broadcasts yet.")


async def event_id(services: Services, code: str) -> int:
    listing = await services.events.find(code)
    assert listing is not None
    return listing.event.event_id


async def test_menus_and_admin_show_each_organizer_what_they_can_use(
    app: BotApplication, emulator: BotApiEmulator, organizer: ChatDriver, services: Services
) -> None:
    """An organizer of chosen events gets their menu (one call, in their language) without
    the whole programme's commands, and /admin lists the same; a programme organizer whose
    rights are narrowed by codes is told how."""
    await setup(services)
    omar = chat(app, emulator, OMAR)
    await omar.send("/start")
    await organizer.settle(language="en")
    calls = await organizer.send("/addorganizer 7302 flood")
    assert [c.method for c in calls].count("setMyCommands") == 1
    menu = menu_of(emulator, OMAR.id) or []
    assert "registrants" in menu and "newevent" not in menu and "addorganizer" not in menu
    await omar.settle(language="en")
    [admin] = texts(await omar.send("/admin"))
    assert "/registrants" in admin and "/newevent" not in admin and "/organizers" not in admin
    assert "You organize these events: flood." in admin
    li = chat(app, emulator, LI)
    await li.send("/start")
    await organizer.send("/addorganizer 7301")
    await organizer.press(OrganizerScopeChoice("all").pack())
    assert "newevent" in (menu_of(emulator, LI.id) or [])
    [narrowed] = texts(await organizer.send("/removeorganizer 7301 flood"), ORGANIZER_ID)
    assert "organizes the whole programme, not chosen events" in narrowed
    assert (await services.organizers.role(LI.id)).whole_programme
