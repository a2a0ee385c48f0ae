"""First contact and the language: greeting, picker, choice stored, every reply follows it."""

from __future__ import annotations

from bot.devtools.emulator import BotApiEmulator
from bot.i18n import RLM
from bot.services.container import Services
from tests.conftest import ChatDriver, buttons_of, chat_as, texts
from tests.store import Store

PICKER = ["English", "Français", "Español", "العربية", "中文", "Русский"]


async def test_start_greets_in_the_client_language_and_offers_the_picker(
    app: object, emulator: BotApiEmulator, db: Store
) -> None:
    """A French client is greeted in French, by name, with the six languages to choose from."""
    chat = chat_as(app, emulator, id=2001, first_name="Léa", language_code="fr")  # type: ignore[arg-type]
    [reply] = texts(await chat.send("/start"))
    assert reply.startswith("Bonjour") and "Léa" in reply
    assert [label for label, _ in buttons_of(chat.last_message_with_buttons())] == PICKER
    user = await db.read(lambda u: u.users.get(2001))
    assert user is not None and user.language is None and user.telegram_language == "fr"


async def test_an_unsupported_or_hostile_client_language_falls_back_to_english(
    app: object, emulator: BotApiEmulator
) -> None:
    """German, empty or garbage language codes get the English greeting."""
    for user_id, code in ((2002, "de"), (2003, ""), (2004, "zz-\u202e\u0000")):
        chat = chat_as(app, emulator, id=user_id, first_name="X", language_code=code)  # type: ignore[arg-type]
        [reply] = texts(await chat.send("/start"))
        assert reply.startswith("Hello")


async def test_choosing_a_language_is_stored_and_changes_the_next_reply(
    amina: ChatDriver, db: Store
) -> None:
    """After picking Español, the confirmation and every later reply are in Spanish."""
    await amina.send("/start")
    calls = await amina.press_label("Español")
    assert any(c.method == "answerCallbackQuery" for c in calls)
    [confirmation] = texts(calls)  # the picker becomes the confirmation and the next steps
    assert "(español)" in confirmation  # CLDR writes it lower-case in running text
    assert not confirmation.startswith("Done: I will write")
    assert "/timezone" in confirmation and "/help" in confirmation
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.language == "es"
    [help_text] = texts(await amina.send("/help"))
    assert "/language" in help_text and "Commands:" not in help_text


async def test_language_command_switches_again_and_marks_the_current_one(amina: ChatDriver) -> None:
    """/language shows the picker with the current language ticked; a new pick applies at once."""
    await amina.send("/start")
    await amina.press_label("Русский")
    await amina.send("/language")
    labels = [label for label, _ in buttons_of(amina.last_message_with_buttons())]
    assert "✓ Русский" in labels
    calls = await amina.press_label("العربية")
    [confirmation] = texts(calls)  # no "next steps" the second time
    assert confirmation.startswith(RLM) and "العربية" in confirmation


async def test_arabic_replies_read_right_to_left(amina: ChatDriver) -> None:
    """Every line of an Arabic reply starts with a right-to-left mark, commands included."""
    await amina.send("/start")
    await amina.press_label("العربية")
    [help_text] = texts(await amina.send("/help"))
    lines = [line for line in help_text.split("\n") if line]
    assert lines and all(line.startswith(RLM) for line in lines)


async def test_names_in_any_script_and_without_username_work(
    app: object, emulator: BotApiEmulator
) -> None:
    """Names in Arabic, Chinese or with bidi overrides are greeted safely; HTML is escaped."""
    for user_id, name in (
        (2101, "محمد"),
        (2102, "王芳"),
        (2103, "<b>Eve\u202e</b>"),
        (2104, "\u200b"),
    ):
        chat = chat_as(app, emulator, id=user_id, first_name=name, language_code="en")  # type: ignore[arg-type]
        [reply] = texts(await chat.send("/start"))
        assert reply.startswith("Hello")
        assert "\u202e" not in reply
    assert "<b>Eve</b>" in texts(emulator.sent_to(2103))[0]
    assert texts(emulator.sent_to(2104))[0].startswith("Hello!")


async def test_a_forged_language_button_changes_nothing(
    amina: ChatDriver, db: Store, services: Services
) -> None:
    """`lang:xx` or an oversized payload is answered as stale and the stored language stays."""
    await amina.send("/start")
    await amina.press_label("Français")
    stale = amina.app.bot_data.catalogs.get("fr")._("This button is no longer active.")
    assert stale != "This button is no longer active."
    for forged in ("lang:de", "lang:" + "x" * 59, "lang:", "lang:fr\n"):
        calls = await amina.press(forged, message_id=1)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert texts(calls) == [stale]
    user = await db.read(lambda u: u.users.get(amina.user.id))
    assert user is not None and user.language == "fr"
