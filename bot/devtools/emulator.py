"""An in-process stand-in for Telegram's Bot API, for the demo and for the tests.

It keeps what a real server keeps for a private bot (chats, messages, uploaded files, the
update queue) and answers the methods this bot uses the way Telegram does, errors included:
HTML that does not parse, texts over 4,096 characters, button data over 64 bytes, an edit
that changes nothing. Anything else it is asked is refused loudly, so a test notices a call
it did not expect. `EmulatorRequest` plugs it into python-telegram-bot below the `Bot`, so
the real `Application` runs unchanged on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from telegram.request import BaseRequest, RequestData

from bot.devtools.emulator_webhook import WebhookPusher
from bot.telegram_html import HtmlError, parse

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


class ApiError(Exception):
    """An error answer, shaped like Telegram's: status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, as the server saw it."""

    method: str
    params: JSON
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user on the other side of the chat."""

    id: int
    first_name: str = "Amina"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def formatted(html: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: the plain text and its entities, or the 400 Telegram
    would answer."""
    try:
        result = parse(html)
    except HtmlError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc.detail}") from None
    return result.text, [entity.to_json() for entity in result.entities]


def html_to_text(html: str) -> str:
    return formatted(html)[0]


def _flag(value: Any) -> bool:
    """A boolean parameter as it arrives: True in-process, "true" over HTTP."""
    return value is True or str(value).lower() == "true"


def _decode(value: Any) -> Any:
    """Objects arrive as JSON strings over HTTP and as dicts in-process; accept both."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class BotApiEmulator:
    """The server side of a private bot: what it was asked, and what users send it."""

    def __init__(
        self,
        bot_id: int = 7_000_000_001,
        username: str = "webinar_demo_bot",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        open_chats: bool = False,
    ) -> None:
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Webinars",
            "username": username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._now = now
        self._open_chats = open_chats  # any chat id is valid (benchmarks with many users)
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], JSON] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.listeners: list[Callable[[ApiCall, JSON], None]] = []
        self.failures: dict[str, list[ApiError]] = {}
        self.unsupported: list[str] = []
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._users: dict[int, FakeUser] = {}
        self._arrived: asyncio.Event | None = None
        self._drained: asyncio.Event | None = None
        self._changed: asyncio.Condition | None = None
        self.polls = 0  # getUpdates calls: the bot is alive and listening
        self.webhook: WebhookPusher | None = None  # set by setWebhook: updates are posted
        # Stand-in for a load balancer: the bot processes the webhook's posts go to in turn.
        self.webhook_backends: list[str] | None = None

    # -- the user's side ---------------------------------------------------------------

    def _chat(self, user: FakeUser) -> JSON:
        self._users[user.id] = user
        chat: JSON = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            chat["last_name"] = user.last_name
        if user.username:
            chat["username"] = user.username
        return chat

    def _timestamp(self) -> int:
        return int(self._now().timestamp())

    def _enqueue(self, payload: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        if self._drained is not None:
            self._drained.clear()
        if self._arrived is not None:
            self._arrived.set()
        if self.webhook is not None:
            self.webhook.wake()
        return update

    def user_message(self, user: FakeUser, text: str, entities: list[JSON] | None = None) -> JSON:
        """A text message from `user`; a leading /command gets its entity, as Telegram does,
        and `entities` are the formatting the client applied or links it found."""
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": user.to_json(),
            "chat": self._chat(user),
            "date": self._timestamp(),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if entities:
            message["entities"] = [*message.get("entities", []), *entities]
        self.messages[(user.id, message["message_id"])] = message
        return self._enqueue({"message": message})

    def user_forward(
        self, user: FakeUser, text: str, author: FakeUser | None, hidden_name: str = ""
    ) -> JSON:
        """A message `user` forwards to the bot: Telegram names its `author` in
        `forward_origin`, or only their name when their privacy settings hide them."""
        origin: JSON = (
            {"type": "user", "date": self._timestamp(), "sender_user": author.to_json()}
            if author is not None
            else {"type": "hidden_user", "date": self._timestamp(), "sender_user_name": hidden_name}
        )
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": user.to_json(),
            "chat": self._chat(user),
            "date": self._timestamp(),
            "forward_origin": origin,
            "text": text,
        }
        self.messages[(user.id, message["message_id"])] = message
        return self._enqueue({"message": message})

    def user_sticker(self, user: FakeUser) -> JSON:
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": user.to_json(),
            "chat": self._chat(user),
            "date": self._timestamp(),
            "sticker": {
                "file_id": "sticker-1",
                "file_unique_id": "s1",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "👍",
            },
        }
        return self._enqueue({"message": message})

    def user_document(
        self,
        user: FakeUser,
        file_name: str,
        content: bytes,
        mime_type: str = "text/csv",
        caption: str = "",
    ) -> JSON:
        file_id = self._store_file(file_name, content)
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": user.to_json(),
            "chat": self._chat(user),
            "date": self._timestamp(),
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(content),
            },
        }
        if caption:
            message["caption"] = caption
        return self._enqueue({"message": message})

    def user_presses(self, user: FakeUser, message_id: int, data: str) -> JSON:
        """A press on an inline button of the bot's message `message_id` (data not checked)."""
        message = self.messages.get((user.id, message_id)) or {
            "message_id": message_id,
            "chat": self._chat(user),
            "date": 0,
        }
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.to_json(),
            "chat_instance": str(user.id),
            "message": message,
            "data": data,
        }
        self._chat(user)
        return self._enqueue({"callback_query": query})

    # -- the bot's side ------------------------------------------------------------------

    def fail_next(self, method: str, error: ApiError) -> None:
        """Answer the next call of `method` with `error` (429, 403, 5xx on demand)."""
        self.failures.setdefault(method, []).append(error)

    async def handle(
        self, method: str, params: JSON, files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, JSON body) exactly as Telegram shapes them."""
        call = ApiCall(method, params, files or {})
        if method != "getUpdates":
            self.calls.append(call)
        try:
            pending = self.failures.get(method)
            if pending:
                raise pending.pop(0)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                logger.error("Bot API emulator: unsupported method %s", method)
                self.unsupported.append(method)
                raise ApiError(404, "Not Found")
            result = handler(params, call.files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            body: JSON = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.status, body
        for listener in self.listeners:
            listener(call, result if isinstance(result, dict) else {})
        await self._notify()
        return 200, {"ok": True, "result": result}

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait, woken by each call the bot makes, until `predicate` holds (callers bound it
        with `asyncio.timeout`)."""
        self._changed = self._changed or asyncio.Condition()
        async with self._changed:
            await self._changed.wait_for(predicate)

    def _api_getme(self, params: JSON, files: Any) -> JSON:
        return self.bot_user

    async def _api_deletewebhook(self, params: JSON, files: Any) -> bool:
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if _flag(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _api_setwebhook(self, params: JSON, files: Any) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deletewebhook(params, files)
        parts = urlparse(url)
        if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if self.webhook is not None:
            await self.webhook.stop()
        if _flag(params.get("drop_pending_updates")):
            self._updates.clear()
        self.webhook = WebhookPusher(
            url,
            None if secret is None else str(secret),
            int(params.get("max_connections") or 40),
            lambda: self._updates,
            self._posted,
            self.webhook_backends,
        )
        self.webhook.start()
        return True

    async def stop_posting(self) -> None:
        """No more posts to the webhook (the emulator is going away); it stays set."""
        if self.webhook is not None:
            await self.webhook.stop()

    def _posted(self, update_id: int) -> None:
        """The bot accepted a posted update: Telegram forgets it."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        if not self._updates:
            self._drained_event().set()

    def _api_getwebhookinfo(self, params: JSON, files: Any) -> JSON:
        if self.webhook is None:
            return {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
        info: JSON = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            "max_connections": self.webhook.max_connections,
        }
        if self.webhook.last_error is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error
        return info

    def _api_close(self, params: JSON, files: Any) -> bool:
        return True

    async def _api_getupdates(self, params: JSON, files: Any) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self.polls += 1
        await self._notify()
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._drained_event().set()
        if not self._updates and timeout > 0:
            self._arrived = self._arrived or asyncio.Event()
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
        return self._updates[:limit]

    def _drained_event(self) -> asyncio.Event:
        if self._drained is None:
            self._drained = asyncio.Event()
        return self._drained

    async def wait_until_fetched(self) -> None:
        """Return once the bot has fetched and confirmed every queued update."""
        await self._drained_event().wait()

    def _api_setmycommands(self, params: JSON, files: Any) -> bool:
        commands = _decode(params.get("commands")) or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if (
                not 1 <= len(command["command"]) <= 32
                or not 1 <= len(command["description"]) <= 256
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = json.dumps(_decode(params.get("scope")) or {"type": "default"}, sort_keys=True)
        self.commands[(scope, str(params.get("language_code") or ""))] = commands
        return True

    def _api_deletemycommands(self, params: JSON, files: Any) -> bool:
        scope = json.dumps(_decode(params.get("scope")) or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, str(params.get("language_code") or "")), None)
        return True

    def _api_answercallbackquery(self, params: JSON, files: Any) -> bool:
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _api_sendchataction(self, params: JSON, files: Any) -> bool:
        return True

    def _check_markup(self, params: JSON) -> JSON | None:
        markup = _decode(params.get("reply_markup"))
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
        return dict(markup)

    def _render(self, params: JSON, key: str = "text", limit: int = MAX_TEXT_LENGTH) -> JSON:
        """The text (or caption) as Telegram stores it, with its entities when formatted."""
        raw = str(params.get(key) or "")
        text, entities = formatted(raw) if params.get("parse_mode") == "HTML" else (raw, [])
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        content: JSON = {key: text}
        for entity in entities:
            if "user" in entity:  # a tg://user?id= link: Telegram returns the whole user
                entity["user"] = self._user_json(entity["user"]["id"])
        if entities:
            content["entities" if key == "text" else "caption_entities"] = entities
        return content

    def _user_json(self, user_id: int) -> JSON:
        user = self._users.get(user_id) or FakeUser(id=user_id, first_name=f"User {user_id}")
        return user.to_json()

    def _chat_of(self, params: JSON) -> JSON:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        user = self._users.get(chat_id)
        if user is None and self._open_chats and chat_id > 0:
            user = FakeUser(id=chat_id, first_name=f"User {chat_id}")
        if user is None:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat(user)

    def _new_message(self, params: JSON, **content: Any) -> JSON:
        chat = self._chat_of(params)
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": chat,
            "date": self._timestamp(),
            **content,
        }
        markup = self._check_markup(params)
        if markup:
            message["reply_markup"] = markup
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def _api_sendmessage(self, params: JSON, files: Any) -> JSON:
        return self._new_message(params, **self._render(params))

    def _stored_message(self, params: JSON) -> JSON:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None or message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _api_editmessagetext(self, params: JSON, files: Any) -> JSON:
        message = self._stored_message(params)
        content = self._render(params)
        markup = self._check_markup(params)
        if (
            content.get("text") == message.get("text")
            and content.get("entities") == message.get("entities")
            and markup == message.get("reply_markup")
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current content "
                "and reply markup of the message",
            )
        message.pop("entities", None)
        message.update(content)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = self._timestamp()
        return message

    def _api_editmessagereplymarkup(self, params: JSON, files: Any) -> JSON:
        message = self._stored_message(params)
        markup = self._check_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _api_deletemessage(self, params: JSON, files: Any) -> bool:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        if self.messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _store_file(self, name: str, content: bytes) -> str:
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = (name, content)
        return file_id

    def _api_senddocument(self, params: JSON, files: dict[str, tuple[str, bytes]]) -> JSON:
        reference = str(params.get("document") or "")
        if not reference or reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://") or "document")
            if upload is None or not upload[1]:
                raise ApiError(400, "Bad Request: file must be non-empty")
            name, content = upload
        elif reference in self.files:
            name, content = self.files[reference]
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        file_id = self._store_file(name, content)
        caption = (
            self._render(params, "caption", MAX_CAPTION_LENGTH) if params.get("caption") else {}
        )
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(content),
        }
        return self._new_message(params, document=document, **caption)

    def _api_sendphoto(self, params: JSON, files: dict[str, tuple[str, bytes]]) -> JSON:
        upload = files.get(str(params.get("photo") or "").removeprefix("attach://") or "photo")
        if upload is None or not upload[1]:
            raise ApiError(400, "Bad Request: photo must be non-empty")
        file_id = self._store_file(upload[0], upload[1])
        caption = (
            self._render(params, "caption", MAX_CAPTION_LENGTH) if params.get("caption") else {}
        )
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 450,
                "file_size": len(upload[1]),
            }
        ]
        return self._new_message(params, photo=photo, **caption)

    def _api_getfile(self, params: JSON, files: Any) -> JSON:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        content = self.files[file_id][1]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def download(self, file_path: str) -> tuple[int, bytes]:
        file_id = file_path.rsplit("/", 1)[-1]
        if file_id not in self.files:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return 200, self.files[file_id][1]

    # -- what tests and the demo read ------------------------------------------------------

    def has_pending_updates(self) -> bool:
        """True while some update has not been confirmed by a later getUpdates offset."""
        return bool(self._updates)

    def pending_updates(self) -> int:
        """How many updates wait for the bot to fetch or confirm them (Telegram's queue)."""
        return len(self._updates)

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """Every message-producing call addressed to `chat_id`, oldest first."""
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendDocument", "editMessageText")
            and str(c.params.get("chat_id")) == str(chat_id)
        ]


class EmulatorRequest(BaseRequest):
    """python-telegram-bot's network layer, short-circuited into a `BotApiEmulator`."""

    def __init__(self, emulator: BotApiEmulator, read_timeout: float | None = 5.0) -> None:
        self.emulator = emulator
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        path = urlparse(url).path
        if "/file/" in path:
            return self.emulator.download(path)
        api_method = path.rsplit("/", 1)[-1]
        params: JSON = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                filename, content = part[0], part[1]
                data = content if isinstance(content, bytes) else content.read()
                files[name] = (str(filename), data)
        status, body = await self.emulator.handle(api_method, params, files)
        return status, json.dumps(body).encode()
