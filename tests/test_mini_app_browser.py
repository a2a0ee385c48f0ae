"""The Mini App in a real browser (headless Chromium at a phone's 360 pixels), served by the
bot itself: a participant's first sign-up in English and in Arabic, mistakes shown next to
their fields, a forged or expired sign-in refused.

The page is opened at the address the card's Register button carries (its host swapped for
this machine's), as Telegram opens it, with a stand-in for telegram-web-app.js
(`tests.browser`). Screenshots go to MINI_APP_SCREENSHOTS (a folder) when it is set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.models import Contact, Profile, RegistrationStatus
from bot.services.container import Services
from tests.browser import CONTRAST, DARK, LIGHT, Browser, needs_browser
from tests.conftest import ORGANIZER_ID, START, ChatDriver, chat_as
from tests.mini_apps import settings, telegram_init_data
from tests.programme_files import programme, row
from tests.store import Store

__all__ = ["settings"]  # the fixture this module's tests take

pytestmark = needs_browser

SOON = START + timedelta(days=2)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    browser = Browser()
    yield browser
    browser.close()


@pytest.fixture
async def browser(chromium: Browser) -> AsyncIterator[Browser]:
    yield chromium
    await chromium.open("about:blank")


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MINI_APP_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def publish(services: Services) -> None:
    result = await services.programme.import_now(
        programme(
            [
                row(
                    "flood",
                    SOON,
                    title="Early warning systems for urban floods",
                    title_ar="أنظمة الإنذار المبكر بالفيضانات في المدن",
                )
            ]
        ),
        admin_id=None,
    )
    assert not hasattr(result, "problems")


async def open_form(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    theme: dict[str, str] = LIGHT,
) -> None:
    """The programme published, Amina's card, and its form opened as Telegram opens it."""
    await publish(services)
    await amina.send("/start flood")
    user = {"id": amina.user.id, "first_name": "Amina", "language_code": "en"}
    await browser.as_telegram_user(telegram_init_data(user, clock.now()), theme)
    await browser.open(form_address(amina, app))
    await browser.wait_for("!document.getElementById('form').hidden")


def form_address(chat: ChatDriver, app: BotApplication) -> str:
    """The address the card's Register button opens, served here."""
    rows = chat.last_message_with_buttons()["reply_markup"]["inline_keyboard"]
    url = next(b["web_app"]["url"] for r in rows for b in r if "web_app" in b)
    parts = urlsplit(url)
    return f"http://127.0.0.1:{app.web_servers[0].port}{parts.path}?{parts.query}"


async def test_a_first_sign_up_in_english(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    emulator: BotApiEmulator,
    services: Services,
    db: Store,
    tmp_path: Path,
) -> None:
    await publish(services)
    await amina.send("/start flood")
    user = {
        "id": amina.user.id,
        "first_name": "Amina",
        "last_name": "Diallo",
        "language_code": "en",
    }
    await browser.as_telegram_user(telegram_init_data(user, clock.now()))
    await browser.open(form_address(amina, app))
    await browser.wait_for("!document.getElementById('form').hidden")
    assert await browser.run("return document.getElementById('full_name').value") == "Amina Diallo"
    assert await browser.run("return document.activeElement.id") == "full_name"
    heading = await browser.run("return document.getElementById('heading').textContent")
    assert heading == "Register for “Early warning systems for urban floods”"
    await browser.type_into("country", "kenya")
    await browser.wait_for("document.getElementById('country').value === 'Kenya'")
    await browser.type_into("city", "Nairobi")
    await browser.wait_for("document.getElementById('timezone').value === 'Africa/Nairobi'")
    await browser.type_into("organization", "Kenya Red Cross")
    await browser.type_into("email", "amina@example.org")
    await browser.click("consent")
    await browser.screenshot(shots(tmp_path) / "form-en.png")
    # nothing wider than the phone: no sideways scrolling
    assert await browser.run("return document.documentElement.scrollWidth") <= 360
    mark = len(emulator.calls)
    await browser.click("submit")
    done = await browser.wait_for(
        "!document.getElementById('done').hidden && "
        "document.getElementById('done-text').textContent"
    )
    assert done == "You are registered. The confirmation and the calendar file are in the chat."
    assert await browser.run("return document.activeElement.id") == "done-text"
    await browser.screenshot(shots(tmp_path) / "done-en.png")
    sends = [c.method for c in emulator.calls[mark:] if c.method.startswith("send")]
    assert sends == ["sendDocument"]
    assert "Early warning systems for urban floods" in amina.last_text()
    row_ = await db.fetch_one("SELECT status FROM registrations")
    assert row_ == (RegistrationStatus.CONFIRMED.value,)
    await browser.click("close")
    assert await browser.run("return window.__telegram.closed") == 1


async def test_a_first_sign_up_in_arabic_right_to_left(
    app: BotApplication,
    emulator: BotApiEmulator,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    db: Store,
    tmp_path: Path,
) -> None:
    await publish(services)
    amira = chat_as(app, emulator, id=1002, first_name="أميرة", language_code="ar")
    await amira.send("/start flood")
    user = {"id": 1002, "first_name": "أميرة", "last_name": "الحداد", "language_code": "ar"}
    await browser.as_telegram_user(telegram_init_data(user, clock.now()), theme=DARK)
    await browser.open(form_address(amira, app))
    await browser.wait_for("!document.getElementById('form').hidden")
    assert await browser.run("return document.documentElement.dir") == "rtl"
    assert await browser.run("return document.documentElement.lang") == "ar"
    # the page follows Telegram's (dark) theme
    page = "getComputedStyle(document.documentElement)"
    assert await browser.run(f"return {page}.backgroundColor") == "rgb(33, 33, 33)"
    assert await browser.run(f"return {page}.color") == "rgb(255, 255, 255)"
    await browser.type_into("country", "مصر")
    await browser.wait_for("document.getElementById('country').value === 'مصر'")
    await browser.type_into("city", "القاهرة")
    await browser.wait_for("document.getElementById('timezone').value === 'Africa/Cairo'")
    await browser.type_into("email", "amira@example.org")
    await browser.click("consent")
    # "/profile" inside the Arabic notice reads left to right: its slash before its "p"
    slash_first = await browser.run(
        """
        const bdi = [...document.querySelectorAll('#privacy bdi')]
          .find((b) => b.textContent === '/profile');
        const text = bdi.firstChild, range = document.createRange();
        range.setStart(text, 0); range.setEnd(text, 1);
        const slash = range.getBoundingClientRect().x;
        range.setStart(text, 1); range.setEnd(text, 2);
        return slash < range.getBoundingClientRect().x;
        """
    )
    assert slash_first is True
    await browser.screenshot(shots(tmp_path) / "form-ar.png")
    await browser.click("submit")
    await browser.wait_for("!document.getElementById('done').hidden")
    await browser.screenshot(shots(tmp_path) / "done-ar.png")
    stored = await db.fetch_one(
        "SELECT full_name, country, city, timezone FROM users WHERE user_id = 1002"
    )
    assert stored == ("أميرة الحداد", "EG", "القاهرة", "Africa/Cairo")
    assert "أنظمة الإنذار المبكر" in amira.last_text()


async def test_an_invalid_email_is_shown_next_to_its_field(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    db: Store,
    services: Services,
) -> None:
    await open_form(app, amina, browser, clock, services)
    await browser.type_into("email", "amina@example")
    error = await browser.wait_for(
        "!document.getElementById('error-email').hidden && "
        "document.getElementById('error-email').textContent"
    )
    assert error == "“amina@example” does not look like an email address, such as name@example.org."
    email = "document.getElementById('email')"
    assert await browser.run(f"return {email}.getAttribute('aria-invalid')") == "true"
    described = await browser.run(f"return {email}.getAttribute('aria-describedby')")
    assert "error-email" in described.split()
    # Register with the country missing too: both said at their fields, the first focused
    await browser.click("submit")
    await browser.wait_for("!document.getElementById('summary').hidden")
    assert await browser.run("return document.activeElement.id") == "country"
    assert await browser.run("return document.getElementById('error-country').hidden") is False
    assert await browser.run("return document.getElementById('error-consent').hidden") is False
    assert await db.fetch_all("SELECT event_id FROM registrations") == []
    # corrected: the message goes away
    await browser.type_into("email", "amina@example.org")
    await browser.wait_for("document.getElementById('error-email').hidden")


@pytest.mark.parametrize("how", ["forged", "expired"])
async def test_a_forged_or_expired_sign_in_is_refused(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    db: Store,
    how: str,
) -> None:
    await publish(services)
    await amina.send("/start flood")
    user = {"id": 4242, "first_name": "Mallory", "language_code": "en"}
    if how == "forged":
        init_data = telegram_init_data(user, clock.now(), token="999:NOT-THIS-BOT")
    else:
        init_data = telegram_init_data(user, clock.now() - timedelta(days=2))
    await browser.as_telegram_user(init_data)
    await browser.open(form_address(amina, app))
    said = await browser.wait_for("document.getElementById('status').textContent")
    assert said == "This form has expired. Close it and press Register again in the chat."
    assert await browser.run("return document.getElementById('form').hidden") is True
    assert await db.fetch_one("SELECT 1 FROM users WHERE user_id = 4242") is None


async def test_an_organizer_searches_registrants_and_marks_attendance(
    app: BotApplication,
    emulator: BotApiEmulator,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    db: Store,
    tmp_path: Path,
) -> None:
    await publish(services)
    for user_id, name, country in (
        (2001, "Amina Diallo", "KE"),
        (2002, "Аня Петрова", "RU"),
        (2003, "Zhang Wei", "CN"),
    ):
        await services.users.touch(Contact(user_id, name.split()[0]))
        await services.profiles.save(user_id, Profile(name, country, "City"), "UTC")
        await services.registrations.sign_up(user_id, "flood")
    # a participant who has the dashboard's address sees the refusal, nothing of the page
    amina = {"id": 2001, "first_name": "Amina", "language_code": "en"}
    await browser.as_telegram_user(telegram_init_data(amina, clock.now()))
    await browser.open(f"http://127.0.0.1:{app.web_servers[0].port}/app/dashboard?lang=en")
    said = await browser.wait_for("document.getElementById('status').textContent")
    assert said == "The dashboard is for the programme’s organizers."
    # nothing of the page on screen (what is drawn, not only what is marked hidden)
    shown = await browser.run(
        "return [...document.querySelectorAll('main > section, nav.tabs, button')].filter("
        "(e) => e.getClientRects().length > 0).length"
    )
    assert shown == 0
    olga = chat_as(app, emulator, id=ORGANIZER_ID, first_name="Olga", language_code="en")
    await olga.send("/admin")
    rows = olga.messages()[-1]["reply_markup"]["inline_keyboard"]
    url = urlsplit(rows[0][0]["web_app"]["url"])
    address = f"http://127.0.0.1:{app.web_servers[0].port}{url.path}?{url.query}"
    olga_user = {"id": ORGANIZER_ID, "first_name": "Olga", "language_code": "en"}
    await browser.as_telegram_user(telegram_init_data(olga_user, clock.now()))
    await browser.open(address)
    await browser.wait_for("document.querySelector('button.event[data-code=flood]')")
    counts = await browser.run(
        "return document.querySelector('button.event[data-code=flood]').textContent"
    )
    assert "Confirmed: 3 of 50 · waitlist: 0 · attended: 0" in counts
    await browser.run("document.querySelector('button.event[data-code=flood]').click()")
    await browser.wait_for("document.querySelectorAll('#rows tr').length === 3")
    assert await browser.run("return document.activeElement.id") == "event-title"
    # a search by part of a name, in another case, finds one person
    await browser.type_into("search", "аня", leave=False)
    await browser.wait_for(
        "document.querySelectorAll('#rows tr').length === 1 && "
        "document.getElementById('found').textContent === '1 of 3 registrants'"
    )
    name = await browser.run(
        "return document.querySelector('#rows tr td:nth-child(2)').textContent"
    )
    assert name.startswith("Аня Петрова")
    box = "document.querySelector('#rows input[type=checkbox]')"
    assert (
        await browser.run(f"return {box}.getAttribute('aria-label')") == "Аня Петрова was present"
    )
    # marked present with the keyboard: focus the box, press Space
    await browser.run(f"{box}.focus()")
    await browser.press_key(" ")
    await browser.wait_for(
        "document.getElementById('event-counts').textContent.endsWith('attended: 1')"
    )
    await browser.screenshot(shots(tmp_path) / "dashboard-en.png")
    # Download CSV: Telegram's own download, with a link its app can fetch by itself
    await browser.run("document.querySelector('[data-export=csv][data-event]').click()")
    asked = await browser.wait_for("window.__telegram.downloads[0]")
    assert asked["file_name"] == "registrations-flood-2026-11-28.csv"
    async with httpx.AsyncClient() as http:
        fetched = await http.get(asked["url"])
    assert fetched.status_code == 200 and "Аня Петрова" in fetched.text
    assert await db.fetch_all("SELECT user_id FROM attendance") == [(2002,)]
    audit = await db.fetch_all(
        "SELECT admin_id, detail FROM admin_audit WHERE action = 'attendance'"
    )
    assert audit == [(ORGANIZER_ID, "flood 2002 present")]
    assert await browser.run("return document.documentElement.scrollWidth") <= 360


async def test_an_organizer_previews_a_broadcast_and_reads_the_statistics(
    app: BotApplication,
    emulator: BotApiEmulator,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    db: Store,
    tmp_path: Path,
) -> None:
    await publish(services)
    for user_id, name, country in ((2001, "Amina Diallo", "KE"), (2002, "Аня Петрова", "RU")):
        await services.users.touch(Contact(user_id, name.split()[0]))
        await services.profiles.save(user_id, Profile(name, country, "City"), "UTC")
        await services.registrations.sign_up(user_id, "flood")
    olga = chat_as(app, emulator, id=ORGANIZER_ID, first_name="Olga", language_code="ar")
    await olga.send("/admin")
    rows = olga.messages()[-1]["reply_markup"]["inline_keyboard"]
    url = urlsplit(rows[0][0]["web_app"]["url"])
    address = f"http://127.0.0.1:{app.web_servers[0].port}{url.path}?{url.query}"
    olga_user = {"id": ORGANIZER_ID, "first_name": "Olga", "language_code": "ar"}
    await browser.as_telegram_user(telegram_init_data(olga_user, clock.now()), theme=DARK)
    await browser.open(address)
    await browser.wait_for("document.querySelector('button.event')")
    assert await browser.run("return document.documentElement.dir") == "rtl"
    await browser.run("document.querySelector('[data-tab=broadcast-view]').click()")
    await browser.wait_for("document.getElementById('audience-kind').options.length > 3")
    await browser.type_into("text-default", "Room <b>B2</b> <i>today</i>", leave=False)
    await browser.click("preview-button")
    await browser.wait_for("!document.getElementById('preview').hidden")
    assert await browser.run("return document.activeElement.id") == "preview-heading"
    bold = await browser.run("return document.querySelector('.bubble strong').textContent")
    assert bold == "B2"
    await browser.screenshot(shots(tmp_path) / "broadcast-ar.png")
    mark = len(emulator.calls)
    await browser.click("send-button")
    # sent: the preview goes away, the texts are cleared, the status says so
    await browser.wait_for(
        "document.getElementById('preview').hidden && "
        "document.getElementById('text-default').value === ''"
    )
    assert [c.method for c in emulator.calls[mark:] if c.method.startswith("send")] == [
        "sendMessage"  # the progress message in the organizer's chat
    ]
    assert await db.fetch_one("SELECT COUNT(*) FROM campaigns WHERE kind = 'broadcast'") == (1,)
    await browser.run("document.querySelector('[data-tab=stats-view]').click()")
    await browser.wait_for("document.querySelectorAll('table.chart').length === 3")
    await browser.screenshot(shots(tmp_path) / "stats-ar.png")
    assert await browser.run("return document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("theme", ["light", "dark"], ids=["light", "dark"])
async def test_the_forms_texts_are_readable_in_telegrams_themes(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
    theme: str,
) -> None:
    """WCAG 2.1 AA contrast with Telegram's own theme colours: 4.5:1 for text, 3:1 for the
    large text of the main button."""
    await open_form(app, amina, browser, clock, services, DARK if theme == "dark" else LIGHT)
    await browser.type_into("email", "amina@")
    await browser.wait_for("!document.getElementById('error-email').hidden")
    for selector, least in (
        ("label[for=full_name]", 4.5),
        ("#hint-full_name", 4.5),
        ("#error-email", 4.5),
        ("#full_name", 4.5),
        ("#privacy", 4.5),
        (".optional", 4.5),
        ("#submit", 3.0),
    ):
        ratio = await browser.run(
            f"return (function() {{ {CONTRAST} }}).apply(null, arguments)",
            await browser.call(lambda s=selector: browser.driver.find_element("css selector", s)),
        )
        assert ratio >= least, (selector, round(ratio, 2))


async def test_a_zone_the_city_decided_is_asked_again_for_another_city(
    app: BotApplication,
    amina: ChatDriver,
    browser: Browser,
    clock: FrozenClock,
    services: Services,
) -> None:
    await open_form(app, amina, browser, clock, services)
    zone = "document.getElementById('timezone')"
    await browser.type_into("country", "United States")
    await browser.type_into("city", "Denver")
    await browser.wait_for(f"{zone}.value === 'America/Denver'")
    await browser.type_into("city", "Smallville")
    await browser.wait_for(f"{zone}.options.length > 3 && {zone}.value === ''")
    # chosen by hand, a zone stays while it still fits
    await browser.run(
        f"{zone}.value = 'America/Chicago'; {zone}.dispatchEvent(new Event('change'))"
    )
    await browser.type_into("city", "Gotham")
    await browser.wait_for(f"{zone}.options.length > 3")
    assert await browser.run(f"return {zone}.value") == "America/Chicago"
    # problems said on Register, then corrected: each goes, and the summary with the last
    await browser.type_into("email", "amina@")
    await browser.click("submit")
    await browser.wait_for("!document.getElementById('summary').hidden")
    assert await browser.run("return document.activeElement.id") == "email"
    assert await browser.run("return document.getElementById('error-consent').hidden") is False
    await browser.click("consent")
    await browser.wait_for("document.getElementById('error-consent').hidden")
    assert await browser.run("return document.getElementById('summary').hidden") is False
    await browser.type_into("email", "amina@example.org")
    await browser.wait_for("document.getElementById('summary').hidden")
    drawn = "document.getElementById('summary').getClientRects().length"
    assert await browser.run(f"return {drawn}") == 0
    await browser.click("submit")
    await browser.wait_for("!document.getElementById('done').hidden")
