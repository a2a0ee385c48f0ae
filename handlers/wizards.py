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
from datetime import timedelta
from typing import Any, cast

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from handlers.context import BotContext

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
_CURRENT = "wizard"  # session key: (name of the user's current wizard, time of its last step)


def _stopping(step: Step) -> Step:
    @functools.wraps(step)
    async def wrapper(update: Update, context: BotContext) -> int:
        raise ApplicationHandlerStop(await step(update, context))

    return wrapper


def _entering(name: str, step: Step) -> Step:
    """A wizard's entry point: it becomes the user's current wizard."""

    @functools.wraps(step)
    async def wrapper(update: Update, context: BotContext) -> int:
        context.session[_CURRENT] = (name, context.now())
        raise ApplicationHandlerStop(await step(update, context))

    return wrapper


def _continuing(name: str, step: Step) -> Step:
    """A wizard's step, taken only while the wizard is current and recently used; otherwise
    the wizard ends and the update goes on to the other handlers as if it had not been there."""

    @functools.wraps(step)
    async def wrapper(update: Update, context: BotContext) -> int:
        current = context.session.get(_CURRENT)
        now = context.now()
        if current is None or current[0] != name or now - current[1] > WIZARD_IDLE:
            return ConversationHandler.END
        context.session[_CURRENT] = (name, now)
        raise ApplicationHandlerStop(await step(update, context))

    return wrapper


async def _leave_quietly(update: Update, context: BotContext) -> int:
    return ConversationHandler.END


def build_wizard(
    name: str,
    entry_points: list[AnyHandler],
    states: dict[object, list[AnyHandler]],
    on_cancel: Step,
) -> ConversationHandler[BotContext]:
    for handler in entry_points:
        handler.callback = _entering(name, cast(Step, handler.callback))
    for handler in (h for handlers in states.values() for h in handlers):
        handler.callback = _continuing(name, cast(Step, handler.callback))
    with warnings.catch_warnings():
        # Conversations are tracked per user, not per message, on purpose: a wizard's buttons
        # belong to the user's current step, whichever message carries them.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            name=name,
            entry_points=entry_points,
            states=states,
            fallbacks=[
                CommandHandler("cancel", _stopping(on_cancel)),
                MessageHandler(filters.COMMAND, _leave_quietly),
            ],
            allow_reentry=True,
        )


def step_button(prefix: str, step: Step, pattern: str) -> AnyHandler:
    """A wizard's button handler: callback data "<prefix>:<pattern>"."""
    return CallbackQueryHandler(step, pattern=f"^{prefix}:{pattern}")
