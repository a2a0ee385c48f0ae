"""/broadcast's preview of every language version with its recipients, and the test copy."""

from __future__ import annotations

from bot.devtools.emulator import BotApiEmulator, FakeUser
from bot.i18n import RLM
from bot.models import Contact
from bot.services.container import Services
from tests.conftest import ChatDriver, buttons_of, texts
from tests.store import Store

# Recipients besides the organizer (who reads English): the language they chose, or their
# Telegram client's when they chose none ("pt-br" is not one of the bot's: English).
READERS = {
    801: ("fr", None),
    802: ("fr", None),
    803: ("ar", None),
    804: (None, "es-ES"),
    805: ("zh", None),
    806: (None, "pt-br"),
    807: ("en", None),
}


async def readers(services: Services, emulator: BotApiEmulator) -> None:
    for user_id, (chosen, client) in READERS.items():
        await services.users.touch(Contact(user_id, "R", language_code=client))
        if chosen:
            await services.users.choose_language(user_id, chosen)
        emulator.user_message(FakeUser(id=user_id), "/start")  # their chat with the bot exists


async def compose(organizer: ChatDriver, versions: dict[str, str]) -> None:
    """/broadcast to everyone: the default text, then a version per language code."""
    await organizer.send("/broadcast")
    await organizer.press("bc:a:everyone")
    await organizer.send(versions.pop("default"))
    for language, text in versions.items():
        await organizer.press(f"bc:v:{language}")
        await organizer.send(text)


async def test_the_preview_shows_each_version_with_its_recipients(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """Readers of six languages, versions in French and Arabic: the preview counts who gets
    which (the default version going to English, Spanish and Chinese readers, said so), then
    shows each version as its readers will see it, one message each, the Arabic one right to
    left; what is then sent matches it."""
    await organizer.settle(language="en")
    await readers(services, emulator)
    await compose(
        organizer,
        {
            "default": "<b>Registration</b> is open.",
            "fr": "Les <b>inscriptions</b> sont ouvertes.",
            "ar": "التسجيل مفتوح.",
        },
    )
    calls = await organizer.press_label("Preview")
    sent = [call for call in calls if call.method == "sendMessage"]
    assert len(sent) == 4  # the summary, then one message per version
    summary, default, french, arabic = texts(calls)[-4:]
    assert summary.split("\n") == [
        "To: Everyone",
        "8 recipients",
        "• Default version: 5 recipients",
        "• French version: 2 recipients",
        "• Arabic version: 1 recipient",
        "The default version goes to people whose language has no version of its own: "
        "English (3), Spanish (1), and Chinese (1).",
        "",
        "This is how each version will look:",
    ]
    assert default == "Default version: 5 recipients\n\nRegistration is open."
    assert french == "French version: 2 recipients\n\nLes inscriptions sont ouvertes."
    assert arabic == f"Arabic version: 1 recipient\n\n{RLM}التسجيل مفتوح."
    labels = [label for label, _ in buttons_of(organizer.last_message_with_buttons())]
    assert labels == ["Send", "Send later", "Send a test to me", "Cancel"]
    assert organizer.last_message_with_buttons()["text"] == arabic
    await organizer.press_label("Send")
    await services.delivery.drain_once()
    assert texts(emulator.sent_to(803))[-1] == f"{RLM}التسجيل مفتوح."
    assert texts(emulator.sent_to(802))[-1] == "Les inscriptions sont ouvertes."
    assert texts(emulator.sent_to(804))[-1] == "Registration is open."
    assert texts(emulator.sent_to(806))[-1] == "Registration is open."


async def test_a_version_as_long_as_a_message_is_previewed_alone(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """Two versions of 4,080 characters: each is one message, within Telegram's 4,096, shown
    without its title (which would not fit with it); the summary still names them."""
    await organizer.settle(language="en")
    await readers(services, emulator)
    await compose(organizer, {"default": "e" * 4080, "fr": "f" * 4080})
    calls = await organizer.press_label("Preview")
    summary, default, french = texts(calls)[-3:]
    assert "• French version: 2 recipients" in summary
    assert (default, french) == ("e" * 4080, "f" * 4080)
    assert len([call for call in calls if call.method == "sendMessage"]) == 3


async def test_a_test_copy_reaches_the_organizer_alone_and_records_nothing(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """ "Send a test to me": one message to the organizer, their language's version exactly
    as a reader gets it (no title); no campaign, delivery or audit entry; nobody else gets
    anything; Send under the preview still works afterwards."""
    await organizer.settle(language="fr")
    await readers(services, emulator)
    await compose(
        organizer,
        {"default": "Registration is open.", "fr": "Les <b>inscriptions</b> sont ouvertes."},
    )
    await organizer.press("bc:preview")
    before = len(emulator.calls)
    calls = await organizer.press("bs:test")  # "Send a test to me", in French
    sent = [call for call in calls if call.method == "sendMessage"]
    assert [call.params["chat_id"] for call in sent] == [organizer.user.id]
    assert sent[0].params["text"] == "Les <b>inscriptions</b> sont ouvertes."
    assert "reply_markup" not in sent[0].params or not sent[0].params["reply_markup"]
    assert all(
        call.params.get("chat_id") in (organizer.user.id, None) for call in emulator.calls[before:]
    )
    assert await db.fetch_all("SELECT * FROM campaigns") == []
    assert await db.fetch_all("SELECT * FROM deliveries") == []
    assert await db.fetch_all("SELECT * FROM admin_audit WHERE action LIKE '%broadcast%'") == []
    await organizer.press("bc:send")  # the preview's Send, still on the last message
    assert await services.delivery.drain_once() == 8
    row = await db.fetch_one("SELECT COUNT(*) FROM campaigns")
    assert row == (1,)


async def test_a_test_copy_from_an_older_preview_is_refused(
    organizer: ChatDriver, services: Services, emulator: BotApiEmulator
) -> None:
    """The draft changed after the preview (a version added): its test button no longer
    acts, so the copy never shows a text that is not the one that would go."""
    await organizer.settle(language="en")
    await compose(organizer, {"default": "Hello"})
    versions = organizer.last_message_with_buttons()["message_id"]
    await organizer.press_label("Preview")
    old_preview = organizer.last_message_with_buttons()["message_id"]
    await organizer.press("bc:v:fr", message_id=versions)  # a version added after it
    await organizer.send("Bonjour")
    calls = await organizer.press("bs:test", message_id=old_preview)
    assert texts(calls) == ["This button is no longer active."]
