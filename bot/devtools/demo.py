"""`python -m bot demo`: the real bot in a terminal chat, against the built-in Bot API emulator.

The bot runs exactly as in production (long polling, handlers, database) but its requests go
to `BotApiEmulator`, so no token and no network are needed. The demo user is an organizer,
so the admin commands can be tried too. The database lives in a temporary folder, starts with the
sample programme, and is gone when the demo ends.

Two lines are the demo's own, for what a chat in a terminal cannot do: `:file PATH [CAPTION]`
sends a file (a programme, an attendance report with the event code as caption), and
`:later 2h` (or `30m`, `1d`) moves the bot's clock forward, to try a session while it runs or
after it.
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings
from bot.devtools.emulator import ApiCall, BotApiEmulator, EmulatorRequest, FakeUser
from bot.devtools.sample_programme import sample_programme_csv
from bot.offsets import parse_offsets

DEMO_USER = FakeUser(id=1001, first_name="Amina", username="amina_demo", language_code="en")
DEMO_TOKEN = "1000000001:DEMO-token-not-used-by-any-server"


class ShiftedClock:
    """The real time, moved forward by `:later`: the bot and the emulator both read it."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


@dataclass
class TerminalChat:
    """Prints what the bot sends and remembers the buttons a number can press."""

    out: TextIO
    buttons: list[tuple[int, str]] = field(default_factory=list)  # (message id, callback data)

    def show(self, call: ApiCall, result: dict[str, Any]) -> None:
        if call.method in ("sendMessage", "editMessageText"):
            marker = "bot" if call.method == "sendMessage" else "bot (edited)"
            self._print(f"{marker}> {result.get('text', '')}")
            self._show_buttons(result)
        elif call.method in ("sendDocument", "sendPhoto"):
            document = result.get("document") or {"file_name": "picture"}
            if "photo" in result:
                document = {**document, "file_size": result["photo"][-1].get("file_size")}
            caption = result.get("caption")
            self._print(
                f"bot> [file {document.get('file_name')}, {document.get('file_size')} bytes]"
            )
            if caption:
                self._print(f"     {caption}")
            self._show_buttons(result)
        elif call.method == "answerCallbackQuery" and call.params.get("text"):
            self._print(f"bot (notice)> {call.params['text']}")

    def _show_buttons(self, message: dict[str, Any]) -> None:
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if not rows:
            return
        self.buttons = []
        for row in rows:
            labels = []
            for button in row:
                if "callback_data" in button:
                    self.buttons.append((message["message_id"], button["callback_data"]))
                    labels.append(f"[{len(self.buttons)}] {button['text']}")
                elif "url" in button:
                    labels.append(f"{button['text']} <{button['url']}>")
            self._print("     " + "   ".join(labels))

    def note(self, text: str) -> None:
        """A line of the demo's own (not from the bot)."""
        self._print(text)

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


async def _wait_until_idle(emulator: BotApiEmulator, app: Any) -> None:
    """Return once the bot fetched every update and finished answering them."""
    await emulator.wait_until_fetched()
    await app.update_queue.join()


async def run_demo(settings: Settings, stdin: TextIO, out: TextIO) -> None:
    """Chat until the input ends (Ctrl-D) or the user presses Ctrl-C."""
    clock = ShiftedClock()
    emulator = BotApiEmulator(now=clock.now)
    chat = TerminalChat(out)
    emulator.listeners.append(chat.show)
    with tempfile.TemporaryDirectory(prefix="webinar-bot-demo-") as folder:
        demo_settings = replace(
            settings,
            database_path=Path(folder) / "demo.sqlite3",
            admin_ids=settings.admin_ids | {DEMO_USER.id},
        )
        app = build_application(
            demo_settings, token=DEMO_TOKEN, request=EmulatorRequest(emulator), clock=clock
        )
        async with app:
            await app.post_init(app)  # type: ignore[misc]
            services = app.bot_data.services
            await services.programme.import_now(
                sample_programme_csv(services.clock.now()), admin_id=None
            )
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0)
            out.write(
                "Demo chat with the webinar bot (you are an organizer). Type a message, or the "
                "number of a button to press it; to send a number as a message, start it with "
                "' (so '1 sends 1). `:file PATH [CAPTION]` sends a file; `:later 2h` moves "
                "the clock forward. Ctrl-D ends the demo.\n\n"
            )
            out.flush()
            loop = asyncio.get_running_loop()
            try:
                emulator.user_message(DEMO_USER, "/start")
                await _wait_until_idle(emulator, app)
                while True:
                    line = await loop.run_in_executor(None, stdin.readline)
                    if not line:
                        break
                    _handle_input(line.strip(), emulator, chat, clock)
                    await _wait_until_idle(emulator, app)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)  # type: ignore[misc]


def _handle_input(
    line: str, emulator: BotApiEmulator, chat: TerminalChat, clock: ShiftedClock
) -> None:
    if not line:
        return
    if line.startswith(":file "):
        _send_file(line.removeprefix(":file ").strip(), emulator, chat)
    elif line.startswith(":later "):
        try:
            [minutes] = parse_offsets(line.removeprefix(":later ").strip())
        except ValueError:
            chat.note("demo> say how much later, e.g. :later 2h, :later 30m or :later 1d")
            return
        clock.shift += timedelta(minutes=minutes)
        chat.note(f"demo> the bot's clock now reads {clock.now():%Y-%m-%d %H:%M} UTC")
    elif line.startswith("'") and len(line) > 1:
        emulator.user_message(DEMO_USER, line[1:])  # a number meant as an answer
    elif line.isdecimal() and 1 <= int(line) <= len(chat.buttons):
        message_id, data = chat.buttons[int(line) - 1]
        emulator.user_presses(DEMO_USER, message_id, data)
    else:
        emulator.user_message(DEMO_USER, line)


def _send_file(argument: str, emulator: BotApiEmulator, chat: TerminalChat) -> None:
    """`:file PATH [CAPTION]`: the file as Telegram would deliver it, with its caption."""
    path_text, _, caption = argument.partition(" ")
    path = Path(path_text).expanduser()
    try:
        content = path.read_bytes()
    except OSError as exc:
        chat.note(f"demo> cannot read {path}: {exc.strerror or exc}")
        return
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    emulator.user_document(DEMO_USER, path.name, content, mime, caption.strip())
