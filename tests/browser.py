"""A real browser for the Mini App's tests: Debian's Chromium, headless, driven by Selenium
through Debian's chromedriver, at a phone's width.

Selenium blocks while the browser works, and the bot serving the page runs on the test's
event loop: every call goes through a thread, so the loop keeps serving. Telegram's
`telegram-web-app.js` is not fetched (the machine has no network, and a test must not talk
to Telegram): the request is blocked, and a stand-in `window.Telegram.WebApp` with the
test's signed initData and theme is installed before the page's own scripts run, as the real
script leaves it (Telegram's Mini App documentation: initData, themeParams, ready, expand,
close, HapticFeedback, and the --tg-theme-* CSS variables it sets).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PHONE = (360, 780)  # the narrowest phone the page is made for, in CSS pixels

INSTALLED = Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()
# CI sets REQUIRE_BROWSER: there a missing browser fails the tests instead of skipping them.
needs_browser = pytest.mark.skipif(
    not INSTALLED and not os.environ.get("REQUIRE_BROWSER"),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
)

LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
    "destructive_text_color": "#e53935",
}
DARK = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "link_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#181818",
    "destructive_text_color": "#ff595a",
}


def telegram_stand_in(init_data: str, theme: dict[str, str]) -> str:
    """window.Telegram.WebApp as telegram-web-app.js leaves it, for one signed user."""
    return f"""
(() => {{
  const theme = {json.dumps(theme)};
  const paint = () => {{
    const root = document.documentElement;
    for (const [key, value] of Object.entries(theme)) {{
      root.style.setProperty("--tg-theme-" + key.replaceAll("_", "-"), value);
    }}
  }};
  // telegram-web-app.js paints from the page's head; here, as soon as the page exists.
  document.addEventListener("DOMContentLoaded", paint, {{once: true}});
  window.__telegram = {{ready: 0, expanded: 0, closed: 0, haptics: [], downloads: []}};
  window.Telegram = {{WebApp: {{
    initData: {json.dumps(init_data)},
    version: "8.0",
    platform: "android",
    colorScheme: {json.dumps("dark" if theme is DARK else "light")},
    themeParams: theme,
    ready() {{ window.__telegram.ready += 1; }},
    expand() {{ window.__telegram.expanded += 1; }},
    close() {{ window.__telegram.closed += 1; }},
    HapticFeedback: {{notificationOccurred(kind) {{ window.__telegram.haptics.push(kind); }}}},
    isVersionAtLeast(version) {{ return parseFloat(version) <= 8.0; }},
    downloadFile(params) {{ window.__telegram.downloads.push(params); }},
  }}}};
}})();
"""


class Browser:
    """One headless Chromium window, phone-sized, every call made off the event loop."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self._profile = tempfile.mkdtemp(prefix="chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={self._profile}",
            "--force-device-scale-factor=1",
            f"--window-size={PHONE[0]},{PHONE[1]}",
        ):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        # The viewport itself 360 wide (a window's size includes its frame).
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True},
        )
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*telegram.org*"]})
        self._stand_in: str | None = None

    async def call(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(work, *args)

    async def as_telegram_user(self, init_data: str, theme: dict[str, str] = LIGHT) -> None:
        """From the next page on, opened as Telegram opens a Mini App for this user."""

        def install() -> None:
            if self._stand_in is not None:
                self.driver.execute_cdp_cmd(
                    "Page.removeScriptToEvaluateOnNewDocument", {"identifier": self._stand_in}
                )
            added = self.driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument",
                {"source": telegram_stand_in(init_data, theme)},
            )
            self._stand_in = str(added["identifier"])

        await self.call(install)

    async def open(self, url: str) -> None:
        await self.call(self.driver.get, url)

    async def run(self, script: str, *args: Any) -> Any:
        return await self.call(self.driver.execute_script, script, *args)

    async def wait_for(self, script: str, within: float = 10.0) -> Any:
        """Until `script` (a JS expression) is truthy in the page; its value."""
        from selenium.webdriver.support.ui import WebDriverWait

        def until() -> Any:
            return WebDriverWait(self.driver, within, poll_frequency=0.05).until(
                lambda driver: driver.execute_script(f"return ({script});")
            )

        return await self.call(until)

    async def type_into(self, element_id: str, text: str, leave: bool = True) -> None:
        """Typed as a person types (key by key), then Tab to the next field (a change)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        def typing() -> None:
            field = self.driver.find_element(By.ID, element_id)
            field.clear()
            field.send_keys(text)
            if leave:
                field.send_keys(Keys.TAB)

        await self.call(typing)

    async def click(self, element_id: str) -> None:
        from selenium.webdriver.common.by import By

        await self.call(lambda: self.driver.find_element(By.ID, element_id).click())

    async def press_key(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        await self.call(lambda: ActionChains(self.driver).send_keys(key).perform())

    async def screenshot(self, path: Path) -> None:
        """The whole page (not only what fits the phone's screen), as a PNG."""

        def shoot() -> None:
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": PHONE[0], "height": int(height), "deviceScaleFactor": 1, "mobile": True},
            )
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )
            import base64

            path.write_bytes(base64.b64decode(shot["data"]))
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True},
            )

        await self.call(shoot)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self._profile, ignore_errors=True)


# WCAG 2.1's contrast ratio (its definitions of relative luminance and contrast), computed
# in the page from the colours the browser resolved: text against the first opaque
# background behind it.
CONTRAST = """
const channels = (css) => {
  const numbers = css.match(/[\\d.]+/g).map(Number);
  if (css.startsWith("color(")) {
    return [numbers[0] * 255, numbers[1] * 255, numbers[2] * 255, numbers[3] ?? 1];
  }
  return [numbers[0], numbers[1], numbers[2], numbers[3] ?? 1];
};
const luminance = ([r, g, b]) => {
  const [R, G, B] = [r, g, b].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
};
const behind = (element) => {
  for (let node = element; node; node = node.parentElement) {
    const colour = channels(getComputedStyle(node).backgroundColor);
    if (colour[3] > 0.5) return colour;
  }
  return [255, 255, 255, 1];
};
const element = arguments[0];
const fore = luminance(channels(getComputedStyle(element).color));
const back = luminance(behind(element));
return (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
"""
