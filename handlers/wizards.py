"""Multi-step conversations ("wizards") that cannot trip over each other or the rest of the bot.

Each wizard is a python-telegram-bot `ConversationHandler` in a handler group of its own,
ahead of the general handlers. Its steps stop further processing of the update they answer
(so a typed answer is not also treated as an unknown message), while any other command ends
the wizard quietly and goes on to be handled normally: sending /events in the middle of
/timezone simply shows the events. /cancel leaves any wizard.

A user is in one wizard at a time: starting another one (say, Register in the middle of
/timezone) leaves the first, and a wizard left alone for WIZARD_IDLE ends by itself. In both
cases the next message goes where it would have gone without the wizard, so a name typed
for the profile does not land in a time-zone search, and a check-in code typed two days after
an abandoned /timezone reaches the check-in.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.context import BotContext
from handlers.ui import send

Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
AnyHandler = BaseHandler[Update, Any, object]

GROUP_LOAD_VIEWER = -1
GROUP_TIMEZONE = 1
GROUP_NEW_EVENT = 2
GROUP_EDIT_EVENT = 3
GROUP_PROFILE = 4
GROUP_BROADCAST = 5
GROUP_FEEDBACK = 6
GROUP_GENERAL = 10

WIZARD_IDLE = timedelta(minutes=30)
# Session key: (name of the user's current wizard, time of its last step, its scratch key).
_CURRENT = "wizard"


def _stopping(step: Step) -> Step:
    @functools.wraps(step)
    async def wrapper(update: Update, context: BotContext) -> int:
        raise ApplicationHandlerStop(await step(update, context))

    return wrapper


@dataclass(frozen=True)
class _Wizard:
    name: str
    scratch: str | None  # the session key of the answers so far, dropped when it ends

    def finish(self, context: BotContext) -> None:
        """Forget the wizard's answers, and that it was the user's current one."""
        if self.scratch:
            context.session.pop(self.scratch, None)
        current = context.session.get(_CURRENT)
        if current is not None and current[0] == self.name:
            del context.session[_CURRENT]

    def _become_current(self, context: BotContext) -> None:
        previous = context.session.get(_CURRENT)
        if previous is not None and previous[0] != self.name and previous[2]:
            context.session.pop(previous[2], None)  # the wizard it replaces is over
        context.session[_CURRENT] = (self.name, context.now(), self.scratch)

    def entering(self, step: Step) -> Step:
        """An entry point: the wizard becomes the user's current one."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int:
            self._become_current(context)
            raise ApplicationHandlerStop(await self._ended(context, await step(update, context)))

        return wrapper

    def continuing(self, step: Step) -> Step:
        """A step, taken only while the wizard is current and recently used; otherwise the
        wizard ends and the update goes on as if it had not been there."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int:
            current = context.session.get(_CURRENT)
            now = context.now()
            if current is None or current[0] != self.name or now - current[1] > WIZARD_IDLE:
                self.finish(context)
                return ConversationHandler.END
            context.session[_CURRENT] = (self.name, now, self.scratch)
            raise ApplicationHandlerStop(await self._ended(context, await step(update, context)))

        return wrapper

    def leaving(self, step: Step) -> Step:
        """/cancel or another command: the wizard ends whatever the step says."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int:
            self.finish(context)
            return await step(update, context)

        return wrapper

    async def timed_out(self, update: object, context: BotContext) -> None:
        """python-telegram-bot's own timeout, which also forgets the conversation itself."""
        self.finish(context)
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None and not context.session:
            context.application.drop_user_data(user.id)

    async def _ended(self, context: BotContext, state: int) -> int:
        if state == ConversationHandler.END:
            self.finish(context)
        return state


async def _leave_quietly(update: Update, context: BotContext) -> int:
    return ConversationHandler.END


async def _words_please(update: Update, context: BotContext) -> None:
    """A sticker, photo or voice note where an answer is expected: ask again, stay put."""
    await send(context, context.viewer.t._("Please type an answer."))


def build_wizard(
    name: str,
    entry_points: list[AnyHandler],
    states: dict[object, list[AnyHandler]],
    on_cancel: Step,
    scratch: str | None = None,
) -> ConversationHandler[BotContext]:
    """`scratch` names the session key where the wizard keeps its answers; it is dropped
    whenever the wizard ends, however it ends."""
    wizard = _Wizard(name, scratch)
    for handler in entry_points:
        handler.callback = wizard.entering(cast(Step, handler.callback))
    for handler in (h for handlers in states.values() for h in handlers):
        handler.callback = wizard.continuing(cast(Step, handler.callback))
    with warnings.catch_warnings():
        # Conversations are tracked per user, not per message, on purpose: a wizard's buttons
        # belong to the user's current step, whichever message carries them.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            name=name,
            entry_points=entry_points,
            states={
                state: [
                    *handlers,
                    MessageHandler(
                        filters.UpdateType.MESSAGE & ~filters.TEXT,
                        wizard.continuing(_words_please),  # type: ignore[arg-type]
                    ),
                ]
                for state, handlers in states.items()
            }
            | {ConversationHandler.TIMEOUT: [TypeHandler(Update, wizard.timed_out)]},
            conversation_timeout=WIZARD_IDLE,
            fallbacks=[
                CommandHandler("cancel", _stopping(wizard.leaving(on_cancel))),
                MessageHandler(filters.COMMAND, wizard.leaving(_leave_quietly)),
            ],
            allow_reentry=True,
        )
