"""What the Mini App asks of the bot's chat side: who is calling (their language, role and
profile), and a registration made from the form, confirmed in the chat.

A form's Register does what answering the last profile question in chat does (the profile
saved, then the same `sign_up`): one message in the chat with the time, the link and the
calendar file, so a first sign-up through the form costs the card and that message. The
wizard's questions, if the participant had begun them in chat, are dropped: the form
answered them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import SUPPORTED_LANGUAGES
from bot.models import Audience, Contact, RegistrationStatus
from bot.services.broadcasts import DEFAULT
from bot.services.formatting import organizer_html, parse_html
from bot.services.profile_form import CheckedForm
from bot.services.registrations import SignUp
from handlers.broadcast import as_read, message_problem, version_headers
from handlers.broadcast_progress import progress_text
from handlers.context import BotContext, BotData, Viewer, make_viewer
from handlers.courses import sign_up_course
from handlers.profile import ProfileFlow, profile_screen
from handlers.registration import sign_up
from handlers.session import clear_state
from handlers.shared_sessions import SharedSessions
from handlers.ui import edit_message, send

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VersionPreview:
    """One version of a broadcast as its readers will see it: its text and Telegram's
    entities (bold, links...), which the page lays out as Telegram would."""

    version: str  # "default" or a language
    header: str  # which version, for how many people
    text: str
    entities: list[dict[str, Any]]


@dataclass(frozen=True)
class BroadcastPlan:
    problems: dict[str, str]  # by version: what is wrong (then nothing else is filled)
    recipients: str = ""
    versions: list[VersionPreview] = field(default_factory=list)
    others: str = ""  # the languages that get the default version, with their counts


def as_html(typed: dict[str, str]) -> dict[str, str]:
    """Versions typed in the page, as the chat takes a message: typed tags are Telegram
    formatting, and what cannot be markup is escaped."""
    return {
        version: organizer_html(html.escape(text, quote=False)).strip()
        for version, text in typed.items()
        if text.strip()
    }


_App = Application[Any, Any, Any, Any, Any, Any]


class MiniAppDesk:
    """The bot as the Mini App's server sees it; usable once the database is open."""

    def __init__(self, app: _App, shared_sessions: SharedSessions | None = None) -> None:
        self._app = app
        self._shared = shared_sessions
        # People registering now: their lock, and how many of their requests use it.
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @property
    def data(self) -> BotData:
        data = self._app.bot_data
        assert isinstance(data, BotData)
        return data

    @property
    def ready(self) -> bool:
        return self.data.ready and not self.data.stopped_for_good

    async def enter(self, contact: Contact) -> Viewer:
        """The caller as a viewer (recorded as the chat records them)."""
        services = self.data.services
        user = await services.users.touch(contact)
        role = await services.organizers.role(user.user_id)
        return make_viewer(services, self.data.catalogs, user, role)

    async def save_profile(self, viewer: Viewer, form: CheckedForm) -> Viewer:
        """The whole profile stored (with consent: given on the form), the chat's unfinished
        questions dropped."""
        await self.data.services.profiles.save(viewer.user_id, form.profile, form.timezone)
        await self._drop_questions(viewer.user_id)
        user = await self.data.services.users.get(viewer.user_id)
        assert user is not None
        return make_viewer(self.data.services, self.data.catalogs, user, viewer.role)

    async def register(self, viewer: Viewer, code: str, course: bool = False) -> SignUp | None:
        """Signed up as the chat signs up (a profile exists), the outcome said in the chat
        in one message after "your profile is saved"; the outcome (None for a course: each
        session has its own, said in the chat)."""
        context = self._context(viewer)
        saved = viewer.t._("Thank you, your profile is saved.")
        kind = "course" if course else "event"
        card = self.data.form_cards.take(viewer.user_id, kind, code, self.data.services.clock.now())
        try:
            async with self._one_at_a_time(viewer.user_id):
                if course:
                    await sign_up_course(context, code, preface=saved, card_message=card)
                    return None
                return await sign_up(context, code, preface=saved, card_message=card, repeat=False)
        except TelegramError as exc:
            # The chat could not be told (blocked, or never started): the page tells.
            logger.warning("Could not confirm a form's registration in the chat: %s", exc)
            return None if course else await self._stands(viewer.user_id, code)

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, user_id: int) -> AsyncIterator[None]:
        """One registration at a time per person: the same form sent twice at once (two
        pages open, a retry) registers once and is confirmed in chat once."""
        lock, users = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[user_id]
            if users == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, users - 1)

    async def _stands(self, user_id: int, code: str) -> SignUp | None:
        card = await self.data.services.registrations.card(code, user_id)
        if card is not None and card.status is RegistrationStatus.CONFIRMED:
            return SignUp.ALREADY_CONFIRMED
        if card is not None and card.status is RegistrationStatus.WAITLISTED:
            return SignUp.ALREADY_WAITLISTED
        return SignUp.NO_SUCH_EVENT if card is None else None

    async def profile_saved(self, viewer: Viewer) -> None:
        """The profile changed through the form: the /profile message that opened it shows
        it as it now is (one edit), instead of the answers it had."""
        context = self._context(viewer)
        now = self.data.services.clock.now()
        message_id = self.data.form_cards.take(viewer.user_id, "profile", "", now)
        if message_id is not None:
            await edit_message(context, message_id, *profile_screen(context, viewer.t._("Saved.")))

    async def send_file(self, viewer: Viewer, name: str, content: bytes, caption: str) -> bool:
        """A file into the viewer's chat (an export asked for from the dashboard): whether
        Telegram took it."""
        try:
            await self._app.bot.send_document(
                chat_id=viewer.user_id,
                document=content,
                filename=name,
                caption=viewer.t.directed(caption),
            )
        except TelegramError as exc:
            logger.warning("Could not send a dashboard export to the chat: %s", exc)
            return False
        return True

    async def plan_broadcast(
        self, viewer: Viewer, audience: Audience, typed: dict[str, str]
    ) -> BroadcastPlan:
        """The broadcast as the chat's preview shows it: each version's problem (Telegram
        would refuse its formatting, it is too long or empty), else who gets which version
        and each version as its readers will see it."""
        t = viewer.t
        texts = as_html(typed)
        problems = {
            version: problem
            for version, text in texts.items()
            if (problem := message_problem(t, text)) is not None
        }
        if DEFAULT not in texts:
            problems[DEFAULT] = t._("The message is empty.")
        if problems:
            return BroadcastPlan(problems)
        context = self._context(viewer)
        reach = await self.data.services.broadcasts.reach(audience)
        versions = [code for code in SUPPORTED_LANGUAGES if code in texts]
        headers = version_headers(t, reach, versions)
        shown = []
        for version, header in headers.items():
            html = await as_read(context, texts, audience, version, reach)
            text, entities = parse_html(html)
            shown.append(VersionPreview(version, header, text, entities))
        others = reach.without_version(set(versions))
        return BroadcastPlan(
            {},
            t.ngettext("{count} recipient", "{count} recipients", reach.total),
            shown,
            t._(
                "The default version goes to people whose language has no version of its "
                "own: {languages}.",
                languages=t.and_list(
                    [
                        t._(
                            "{language} ({count})",
                            language=t.language_in_text(code),
                            count=t.number(count),
                        )
                        for code, count in others.items()
                    ]
                ),
            )
            if others
            else "",
        )

    async def start_broadcast(
        self, viewer: Viewer, audience: Audience, typed: dict[str, str], draft: str
    ) -> None:
        """Queued as the chat's Send queues it (the same `draft` twice: once), its progress
        shown in the organizer's chat."""
        services = self.data.services
        campaign_id = await services.broadcasts.start(
            viewer.user_id, audience, as_html(typed), draft=f"web-{draft}"
        )
        status = await services.broadcasts.status(campaign_id)
        assert status is not None
        message = None
        try:
            text = progress_text(viewer.t, status, finished=False, timezone=viewer.timezone)
            message = await send(self._context(viewer), text)
        except TelegramError as exc:
            logger.warning("Could not show a dashboard broadcast's progress: %s", exc)
        finally:  # without it, the summary comes as a new message when the broadcast ends
            await services.broadcasts.watch(
                campaign_id, viewer.user_id, message.message_id if message else None
            )

    def _context(self, viewer: Viewer) -> BotContext:
        context = BotContext(self._app, chat_id=viewer.user_id, user_id=viewer.user_id)
        context.viewer = viewer
        return context

    async def _drop_questions(self, user_id: int) -> None:
        """The profile questions begun in chat, if any, forgotten (in the database too when
        several processes share conversations)."""
        if self._shared is not None:
            await self._shared.load(user_id)
        context = BotContext(self._app, chat_id=user_id, user_id=user_id)
        clear_state(context, ProfileFlow)
        if self._shared is not None:
            await self._shared.save(user_id)
