"""A bare python-telegram-bot bot for the throughput comparison: the framework alone.

It answers the throughput journey (/start, /events, an event card button, Register) with the
very Bot API calls our bot makes for it, payloads included (HTML text, keyboards, calendar
file), but with no database, no i18n and no services: the replies are our bot's own, recorded
once per language from the emulator (`Reply.of`) and replayed for every user. What is left is
what python-telegram-bot costs for that traffic, so our bot's updates/s over this bot's is the
share of the framework's ceiling that our own code leaves.

It is built like ours where the framework is concerned: the same `Defaults(parse_mode=HTML)`,
the same per-user concurrent update processor, no rate limiter (the benchmark's bot has none),
and it sends through the same `Bot` methods with the same arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from bot.devtools.emulator import ApiCall
from bot.update_processor import PerUserUpdateProcessor

START, EVENTS, CARD, REGISTER = "/start", "/events", "card", "Register"
STEPS = (START, EVENTS, CARD, REGISTER)

BareApplication = Application[Any, Any, Any, Any, Any, Any]


def _decoded(value: Any) -> Any:
    """A parameter as the emulator received it: objects arrive in-process as JSON strings or
    as dicts, depending on python-telegram-bot's request path."""
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


@dataclass(frozen=True)
class Reply:
    """One Bot API call of our bot's answer, ready to be made again for another chat."""

    method: str  # sendMessage, editMessageText, sendDocument or answerCallbackQuery
    text: str | None = None  # the message's HTML, a document's caption, a button's notice
    markup: InlineKeyboardMarkup | None = None
    document: tuple[str, bytes] | None = None  # file name and content
    no_preview: bool = False
    show_alert: bool = False

    @classmethod
    def of(cls, call: ApiCall) -> Reply:
        """The reply our bot made in `call`; refuses what this bot would not replay alike."""
        params = call.params
        known = {
            "chat_id",
            "message_id",
            "callback_query_id",
            "text",
            "caption",
            "parse_mode",
            "reply_markup",
            "link_preview_options",
            "document",
            "show_alert",
        }
        extra = set(params) - known
        if extra:
            raise ValueError(f"{call.method}: parameters the bare bot does not replay: {extra}")
        markup = _decoded(params.get("reply_markup"))
        preview = _decoded(params.get("link_preview_options")) or {}
        document = None
        if call.method == "sendDocument":
            # Uploaded as a multipart part named "document" (or referred to by attach://).
            document = call.files[
                str(params.get("document") or "document").removeprefix("attach://")
            ]
        return cls(
            method=call.method,
            text=params.get("text", params.get("caption")),
            markup=InlineKeyboardMarkup.de_json(markup, None) if markup else None,
            document=document,
            no_preview=bool(preview.get("is_disabled")),
            show_alert=bool(params.get("show_alert")),
        )

    def buttons(self) -> list[str]:
        """The callback data of this reply's buttons."""
        if self.markup is None:
            return []
        return [
            str(button.callback_data)
            for row in self.markup.inline_keyboard
            for button in row
            if button.callback_data is not None
        ]


Script = Mapping[str, Sequence[Reply]]  # a step of the journey -> our bot's replies to it


async def replay(replies: Sequence[Reply], update: Update, context: Any) -> None:
    """Our bot's replies to this step, to this user: the same calls, in the same order."""
    assert update.effective_user is not None
    chat_id = update.effective_user.id
    query = update.callback_query
    bot = context.bot
    for reply in replies:
        if reply.method == "sendMessage":
            await bot.send_message(
                chat_id=chat_id,
                text=reply.text,
                reply_markup=reply.markup,
                disable_web_page_preview=reply.no_preview or None,
            )
        elif reply.method == "editMessageText":
            assert query is not None
            await query.edit_message_text(
                text=reply.text or "",
                reply_markup=reply.markup,
                disable_web_page_preview=reply.no_preview or None,
            )
        elif reply.method == "sendDocument":
            assert reply.document is not None
            name, content = reply.document
            await bot.send_document(
                chat_id=chat_id, document=content, filename=name, caption=reply.text
            )
        elif reply.method == "answerCallbackQuery":
            assert query is not None
            await query.answer(text=reply.text, show_alert=reply.show_alert)
        else:
            raise ValueError(f"the bare bot does not replay {reply.method}")


def build_bare_bot(
    request: BaseRequest, scripts: Mapping[str, Script], default_language: str = "en"
) -> BareApplication:
    """The bare bot on `request`, answering in the script of each user's client language.

    A button press is answered as the step whose buttons offered it: the card is one of the
    list's buttons, Register one of the card's.
    """
    default = scripts[default_language]

    def script_of(update: Update) -> Script:
        user = update.effective_user
        return scripts.get((user.language_code if user else None) or "", default)

    offered_by: dict[str, str] = {}  # button data -> the step it leads to
    for script in scripts.values():
        for data in (d for reply in script[EVENTS] for d in reply.buttons()):
            offered_by.setdefault(data, CARD)
        for data in (d for reply in script[CARD] for d in reply.buttons()):
            offered_by.setdefault(data, REGISTER)

    def step(name: str) -> Callable[[Update, Any], Any]:
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await replay(script_of(update)[name], update, context)

        return answer

    def leads_to(name: str) -> Callable[[object], bool]:
        return lambda data: offered_by.get(str(data)) == name

    app: BareApplication = (
        Application.builder()
        .token("1:BARE")
        .request(request)
        .get_updates_request(request)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(PerUserUpdateProcessor())
        .build()
    )
    app.add_handler(CommandHandler("start", step(START)))
    app.add_handler(CommandHandler("events", step(EVENTS)))
    app.add_handler(CallbackQueryHandler(step(CARD), pattern=leads_to(CARD)))
    app.add_handler(CallbackQueryHandler(step(REGISTER), pattern=leads_to(REGISTER)))
    return app
