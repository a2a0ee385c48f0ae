"""The typed context every handler receives: the services, and who is asking.

`BotData` is the application-wide slot for the services (filled in when the database opens);
`Viewer` is the user behind the current update with their translator and time zone, loaded
once per update by `load_viewer`, so no handler repeats that lookup or casts `bot_data`.
What a user's wizard remembers between updates is read and written through `handlers.session`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.clock import Clock
from bot.i18n import Catalogs, Translator, language_tag
from bot.models import Contact, User
from bot.services.container import Services
from bot.services.organizers import PARTICIPANT, OrganizerRole
from handlers.flood import Admission, FloodGuard
from handlers.form_cards import FormCards
from handlers.send_scheduler import answer_after_others


class BotData:
    """Application-scoped dependencies; they exist between start-up and shutdown."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._catalogs: Catalogs | None = None
        self.worker: asyncio.Task[None] | None = None  # the delivery worker, while it runs
        self.flood = FloodGuard()
        self.form_cards = FormCards()  # the cards whose Register opens the Mini App's form
        self.stopped_for_good = False  # stopping: the database file went away, or the token
        # Records an update as handled (the durable inbox; set when the application is built).
        self.record_handled: Callable[[int], None] = lambda update_id: None

    def start(self, services: Services, catalogs: Catalogs) -> None:
        self._services = services
        self._catalogs = catalogs

    def stop(self) -> None:
        self._services = None

    @property
    def ready(self) -> bool:
        """Started: the database is open and the services built."""
        return self._services is not None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not started: post_init has not run")
        return self._services

    @property
    def catalogs(self) -> Catalogs:
        if self._catalogs is None:
            raise RuntimeError("catalogs are not loaded: post_init has not run")
        return self._catalogs


@dataclass(frozen=True)
class Viewer:
    """The user an update comes from, with what is needed to answer them in their terms."""

    user: User
    t: Translator
    timezone: str
    role: OrganizerRole = PARTICIPANT

    @property
    def user_id(self) -> int:
        return self.user.user_id

    @property
    def is_organizer(self) -> bool:
        return self.role.is_organizer


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """python-telegram-bot's context with typed access to our services and the viewer."""

    _viewer: Viewer | None = None
    update_id: int | None = None  # of the update being handled (set by load_viewer)

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def viewer(self) -> Viewer:
        if self._viewer is None:
            raise RuntimeError("no viewer: the update has no user or load_viewer did not run")
        return self._viewer

    @viewer.setter
    def viewer(self, viewer: Viewer) -> None:
        self._viewer = viewer

    def now(self) -> datetime:
        return self.services.clock.now()

    def answer_delivered(self) -> None:
        """The person has their answer: the update counts as handled from now on, so a crash
        during the handler's cosmetic rest (refreshing a card, behind other people's replies
        in the send queue) does not have the answer sent a second time after the restart."""
        if self.update_id is not None:
            self.bot_data.record_handled(self.update_id)


def contact_of(update: Update) -> Contact | None:
    """The domain's view of the Telegram user behind an update."""
    tg_user = update.effective_user
    if tg_user is None or tg_user.is_bot:
        return None
    return Contact(
        user_id=tg_user.id,
        first_name=tg_user.first_name or "",
        last_name=tg_user.last_name,
        username=tg_user.username,
        language_code=language_tag(tg_user.language_code),
    )


def make_viewer(
    services: Services, catalogs: Catalogs, user: User, role: OrganizerRole = PARTICIPANT
) -> Viewer:
    return Viewer(
        user=user,
        t=catalogs.get(services.users.language_of(user)),
        timezone=services.users.timezone_of(user),
        role=role,
    )


def sent_at(update: Update, clock: Clock) -> datetime:
    """When the person sent it, as Telegram stamped it (a button press: now). A flood is
    counted as it was sent, not as the bot got round to it: a backlog of a flood drains at
    once instead of being answered one reply a second for minutes."""
    now = clock.now()
    message = update.message
    return min(message.date, now) if message is not None and message.date else now


async def load_viewer(update: object, context: BotContext) -> None:
    """Runs before every handler: record the user and load their language and time zone.

    The bot lives in private chats and answers new messages and button presses; updates from
    groups, channels or other bots stop here, and so do edits of earlier messages (an edited
    name must not be taken as the answer to whatever question is open now).
    """
    if not isinstance(update, Update) or (update.message is None and update.callback_query is None):
        raise ApplicationHandlerStop
    chat = update.effective_chat
    contact = contact_of(update)
    if contact is None or (chat is not None and chat.type != chat.PRIVATE):
        raise ApplicationHandlerStop
    context.update_id = update.update_id
    services = context.services
    flood = context.bot_data.flood
    admission = flood.admit(contact.user_id, sent_at(update, services.clock))
    if admission is not Admission.ANSWER or flood.is_flooding(contact.user_id):
        answer_after_others()  # the notice too: it must not delay anyone else's answer
    if admission is not Admission.ANSWER:
        if admission is Admission.DROP_AND_WARN:
            user = await services.users.touch(contact)
            t = make_viewer(services, context.bot_data.catalogs, user).t
            text = t._(
                "You are sending messages faster than I can answer. I will answer "
                "again in a few seconds."
            )
            await context.bot.send_message(chat_id=contact.user_id, text=t.directed(text))
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop
    user = await services.users.touch(contact)
    role = await services.organizers.role(user.user_id)
    context.viewer = make_viewer(services, context.bot_data.catalogs, user, role)
    query = update.callback_query
    if query is not None and not query.data:
        # python-telegram-bot lets a press without data match every button handler; Telegram
        # never sends one, so it is forged or broken: answer it and go no further.
        await query.answer(context.viewer.t._("This button is no longer active."))
        raise ApplicationHandlerStop


async def refresh_viewer(context: BotContext) -> Viewer:
    """Reload the viewer after their language or time zone changed within this update."""
    user = await context.services.users.get(context.viewer.user_id)
    if user is not None:
        role = await context.services.organizers.role(user.user_id)
        context.viewer = make_viewer(context.services, context.bot_data.catalogs, user, role)
    return context.viewer
