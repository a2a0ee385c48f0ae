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
from datetime import datetime, timedelta
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
from handlers.session import clear_state, get_state, nothing_kept, set_state
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
GROUP_ORGANIZERS = 7
GROUP_GENERAL = 10

WIZARD_IDLE = timedelta(minutes=30)


@dataclass(frozen=True)
class CurrentWizard:
    """The user's one wizard at a time: its name, when they last answered it, and the kind of
    state where it keeps their answers (dropped whenever it ends)."""

    name: str
    last_step: datetime
    state: type[object] | None


def _stopping(step: Step) -> Step:
    @functools.wraps(step)
    async def wrapper(update: Update, context: BotContext) -> int:
        raise ApplicationHandlerStop(await step(update, context))

    return wrapper


@dataclass(frozen=True)
class _Wizard:
    name: str
    state: type[object] | None  # the kind of state of the answers so far

    def finish(self, context: BotContext) -> None:
        """Forget the wizard's answers, and that it was the user's current one."""
        if self.state is not None:
            clear_state(context, self.state)
        current = get_state(context, CurrentWizard)
        if current is not None and current.name == self.name:
            clear_state(context, CurrentWizard)

    def _become_current(self, context: BotContext) -> None:
        previous = get_state(context, CurrentWizard)
        if previous is not None and previous.name != self.name and previous.state is not None:
            clear_state(context, previous.state)  # the wizard it replaces is over
        set_state(context, CurrentWizard(self.name, context.now(), self.state))

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
            current = get_state(context, CurrentWizard)
            now = context.now()
            if (
                current is None
                or current.name != self.name
                or now - current.last_step > WIZARD_IDLE
            ):
                self.finish(context)
                return ConversationHandler.END
            set_state(context, CurrentWizard(self.name, now, self.state))
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
        if user is not None and nothing_kept(context):
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
    state: type[object] | None = None,
) -> ConversationHandler[BotContext]:
    """`state` is the kind of state (see `handlers.session`) where the wizard keeps its
    answers; it is dropped whenever the wizard ends, however it ends."""
    wizard = _Wizard(name, state)
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
