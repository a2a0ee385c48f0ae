"""Multi-step conversations ("wizards") that cannot trip over each other or the rest of the bot.

Each wizard is a python-telegram-bot `ConversationHandler` in a handler group of its own,
ahead of the general handlers. Its steps stop further processing of the update they answer
(so a typed answer is not also treated as an unknown message).

Another command in the middle of a wizard goes on to be handled normally (sending /events in
the middle of /timezone simply shows the events) and *pauses* the wizard: its question stays
open. Text typed next first goes wherever it would go without the wizard (a session code
still checks in); only text nobody else takes comes back to the paused wizard as the answer
to its open question (see `resume_paused`, called by the last-resort answer of
`handlers.fallback`). A participant who looks at /my and then types the answer they were
asked for expects it to be taken, and nothing typed after a command is silently lost. The
wizard's buttons, and commands it understands itself (/skip), work while it is paused.

/cancel is the current wizard's: most stop at once, the sign-up questions ask first (they
say what would be lost). A user is in one wizard at a time: starting another one (say,
Register in the middle of /timezone) leaves the first, and a wizard left alone for
WIZARD_IDLE ends by itself. An *aside* (/timezone) is the exception: started in the middle
of another wizard (the time zone set before answering /newevent's "when does it start, in
your time zone?", or in the middle of signing up), it interrupts that wizard without ending
it, and when the aside ends, however it ends, the interrupted wizard's open question is put
again and its answers are all still there. Pressing one of the interrupted wizard's
buttons meanwhile goes back to it. In both cases the next message goes where it would have gone
without the wizard, so a name typed for the profile does not land in a time-zone search, and
a check-in code typed two days after an abandoned /timezone reaches the check-in.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
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

# A step answers with the wizard's next state, or None to stay in the state it is in.
Step = Callable[[Update, BotContext], Coroutine[Any, Any, int | None]]
# Put the open question again after `notice` (an error, a "please type"), with its buttons;
# ConversationHandler.END when nothing was left to ask and the wizard ended.
Repeat = Callable[[BotContext, str], Coroutine[Any, Any, object]]
AnyHandler = BaseHandler[Update, Any, object]

GROUP_LOAD_VIEWER = -1
GROUP_TIMEZONE = 1
GROUP_NEW_EVENT = 2
GROUP_EDIT_EVENT = 3
GROUP_PROFILE = 4
GROUP_BROADCAST = 5
GROUP_FEEDBACK = 6
GROUP_ORGANIZERS = 7
GROUP_CERTIFICATE_NAME = 8
GROUP_NEW_COURSE = 9
GROUP_EDIT_COURSE = 10
GROUP_GENERAL = 11
GROUP_AFTER = 12  # after the answer to a command: the paused wizard's question again

WIZARD_IDLE = timedelta(minutes=30)


@dataclass(frozen=True)
class CurrentWizard:
    """The user's one wizard at a time: its name, when they last answered it, the kind of
    state where it keeps their answers (dropped whenever it ends), and whether another
    command paused it (its question still open, see the module's docstring)."""

    name: str
    last_step: datetime
    state: type[object] | None
    paused: bool = False
    interrupted: CurrentWizard | None = None  # the wizard an aside interrupted
    reminded: bool = False  # its open question was put again after a command paused it


class Wizard(ConversationHandler[BotContext]):
    """A wizard's conversation, with what puts its open question again (for the wizards that
    go on after an aside)."""

    def __init__(self, repeat: Repeat | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.repeat = repeat


def _forget(context: BotContext, current: CurrentWizard) -> None:
    for wizard in (current, current.interrupted):
        if wizard is not None and wizard.state is not None:
            clear_state(context, wizard.state)
    clear_state(context, CurrentWizard)


def _is_command(update: Update) -> bool:
    return bool(filters.COMMAND.check_update(update))


@dataclass(frozen=True)
class _Wizard:
    name: str
    state: type[object] | None  # the kind of state of the answers so far
    aside: bool = False  # interrupts the current wizard rather than ending it

    def finish(self, context: BotContext) -> None:
        """Forget the wizard's answers, and that it was the user's current one."""
        if self.state is not None:
            clear_state(context, self.state)
        current = get_state(context, CurrentWizard)
        if current is not None and current.name == self.name:
            clear_state(context, CurrentWizard)

    def _interrupted(self, context: BotContext) -> CurrentWizard | None:
        """This wizard's record, if an aside interrupted it recently (it is alive, not
        current)."""
        current = get_state(context, CurrentWizard)
        interrupted = current.interrupted if current is not None else None
        if (
            interrupted is None
            or interrupted.name != self.name
            or context.now() - interrupted.last_step > WIZARD_IDLE
        ):
            return None
        return interrupted

    def _back_to(self, context: BotContext, interrupted: CurrentWizard) -> CurrentWizard:
        """The user went back to the wizard an aside interrupted: the aside is over."""
        current = get_state(context, CurrentWizard)
        if current is not None and current.state is not None:
            clear_state(context, current.state)
        resumed = replace(interrupted, last_step=context.now(), paused=False)
        set_state(context, resumed)
        return resumed

    def _current(self, context: BotContext) -> CurrentWizard | None:
        """This wizard's record, if it is the user's current wizard and was used recently."""
        current = get_state(context, CurrentWizard)
        if (
            current is None
            or current.name != self.name
            or context.now() - current.last_step > WIZARD_IDLE
        ):
            return None
        return current

    def _become_current(self, context: BotContext) -> None:
        previous = get_state(context, CurrentWizard)
        now = context.now()
        if previous is not None and previous.name == self.name and previous.interrupted:
            previous = previous.interrupted  # the aside again: what it interrupted stays so
        elif previous is not None and previous.interrupted is not None:
            _forget(context, replace(previous, state=None))  # what an aside interrupted is over
        fresh = previous is not None and now - previous.last_step <= WIZARD_IDLE
        if self.aside and previous is not None and previous.name != self.name and fresh:
            interrupted = replace(previous, paused=True, interrupted=None)
            set_state(context, CurrentWizard(self.name, now, self.state, interrupted=interrupted))
            return
        if (
            previous is not None
            and previous.state is not None
            and (previous.name != self.name or not fresh)
        ):
            clear_state(context, previous.state)  # the wizard it replaces, or an old one, is over
        set_state(context, CurrentWizard(self.name, now, self.state))

    def entering(self, step: Step) -> Step:
        """An entry point: the wizard becomes the user's current one."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int | None:
            self._become_current(context)
            raise ApplicationHandlerStop(await self._ended(context, await step(update, context)))

        return wrapper

    def continuing(self, step: Step) -> Step:
        """A step, taken only while the wizard is current and recently used; otherwise the
        wizard ends and the update goes on as if it had not been there. While paused, a
        message that is not a command goes on first: it comes back through `resume_paused`
        if nobody else takes it."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int | None:
            current = self._current(context)
            interrupted = self._interrupted(context) if current is None else None
            if interrupted is not None:
                if update.callback_query is None:
                    return None  # typed text: the aside's (or whoever takes it)
                current = self._back_to(context, interrupted)  # one of its buttons: back to it
            if current is None:
                self.finish(context)
                return ConversationHandler.END
            if current.paused and update.callback_query is None and not _is_command(update):
                return None  # the question stays open; the update goes on
            answered = replace(current, last_step=context.now(), paused=False, reminded=False)
            set_state(context, answered)
            raise ApplicationHandlerStop(await self._ended(context, await step(update, context)))

        return wrapper

    def cancelling(self, step: Step) -> Step:
        """/cancel: the current wizard's `step` says what happens (most end, some ask first).
        A wizard that is not current lets /cancel go on to the one that is (or to "nothing
        to cancel")."""

        @functools.wraps(step)
        async def wrapper(update: Update, context: BotContext) -> int | None:
            current = self._current(context)
            if current is None:
                self.finish(context)
                return ConversationHandler.END
            set_state(context, replace(current, last_step=context.now(), paused=False))
            raise ApplicationHandlerStop(await self._ended(context, await step(update, context)))

        return wrapper

    async def pausing(self, update: Update, context: BotContext) -> int | None:
        """Another command: it is handled as usual, and the question stays open."""
        if self._interrupted(context) is not None:
            return None  # it waits for the aside to end
        current = self._current(context)
        if current is None:
            self.finish(context)
            return ConversationHandler.END
        set_state(context, replace(current, paused=True))
        return None

    async def timed_out(self, update: object, context: BotContext) -> None:
        """python-telegram-bot's own timeout, which also forgets the conversation itself."""
        self.finish(context)
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None and nothing_kept(context):
            context.application.drop_user_data(user.id)

    async def _ended(self, context: BotContext, state: int | None) -> int | None:
        if state != ConversationHandler.END:
            return state
        current = get_state(context, CurrentWizard)
        interrupted = current.interrupted if current is not None else None
        self.finish(context)
        if current is not None and current.name == self.name and interrupted is not None:
            await _go_on_with(context, interrupted)
        return state


async def _go_on_with(context: BotContext, interrupted: CurrentWizard) -> None:
    """An aside ended: the wizard it interrupted is the current one again, its question put
    again (unless it was left alone too long, or its conversation ended meanwhile)."""
    if context.now() - interrupted.last_step > WIZARD_IDLE:
        if interrupted.state is not None:
            clear_state(context, interrupted.state)
        return
    handler = _wizard_named(context, interrupted.name)
    if handler is None:
        return
    set_state(context, replace(interrupted, last_step=context.now(), paused=False))
    if handler.repeat is None:
        return
    notice = context.viewer.t._("Let’s go on where we were.")
    if await handler.repeat(context, notice) == ConversationHandler.END:
        _forget(context, interrupted)  # the aside answered its last question


async def resume_paused(update: Update, context: BotContext) -> bool:
    """Typed text that no handler took, while a command paused the user's wizard: the
    answer to the wizard's open question, handled as if no command had come in between.
    False when there is no such wizard (or it was left alone for too long)."""
    message = update.effective_message
    current = get_state(context, CurrentWizard)
    if current is None or not current.paused or message is None or message.text is None:
        return False
    if context.now() - current.last_step > WIZARD_IDLE:
        _forget(context, current)
        return False
    set_state(context, replace(current, paused=False, reminded=False))
    handler = _wizard_named(context, current.name)
    check = handler.check_update(update) if handler is not None else None
    if handler is None or check is None:
        _forget(context, current)  # its conversation is over: nothing to come back to
        return False
    with contextlib.suppress(ApplicationHandlerStop):  # it answered: stop is implied
        await handler.handle_update(update, cast(Any, context.application), check, context)
    return True


async def remind_paused(update: Update, context: BotContext) -> None:
    """A command answered in the middle of a wizard (/events, /my, /start in the middle of
    signing up): its open question comes once more below the answer, so the participant
    knows it still waits and that their answers are kept (what they type next answers it).
    Once per pause: a second command meanwhile does not repeat it."""
    current = get_state(context, CurrentWizard)
    if (
        current is None
        or not current.paused
        or current.reminded
        or context.now() - current.last_step > WIZARD_IDLE
    ):
        return
    wizard = _wizard_named(context, current.name)
    if wizard is None or wizard.repeat is None:
        return
    set_state(context, replace(current, reminded=True))
    notice = context.viewer.t._("You were answering this question; your answers so far are kept.")
    await wizard.repeat(context, notice)


def _wizard_named(context: BotContext, name: str) -> Wizard | None:
    for group in context.application.handlers.values():
        for handler in group:
            if isinstance(handler, Wizard) and handler.name == name:
                return handler
    return None


def _words_please(repeat: Repeat | None) -> Step:
    async def words_please(update: Update, context: BotContext) -> None:
        """A sticker, photo or voice note where an answer is expected: ask again, stay put
        (with the question and its buttons, when the wizard can put it again)."""
        notice = context.viewer.t._("Please type an answer.")
        if repeat is not None:
            await repeat(context, notice)
        else:
            await send(context, notice)

    return words_please


def build_wizard(
    name: str,
    entry_points: list[AnyHandler],
    states: dict[object, list[AnyHandler]],
    on_cancel: Step,
    state: type[object] | None = None,
    repeat: Repeat | None = None,
    aside: bool = False,
) -> Wizard:
    """`state` is the kind of state (see `handlers.session`) where the wizard keeps its
    answers; it is dropped whenever the wizard ends, however it ends. `repeat` puts the open
    question again after a notice, with its buttons (else the notice comes alone). `aside`:
    started in another wizard, it interrupts that one rather than ending it."""
    wizard = _Wizard(name, state, aside)
    for handler in entry_points:
        handler.callback = wizard.entering(cast(Step, handler.callback))
    for handler in (h for handlers in states.values() for h in handlers):
        handler.callback = wizard.continuing(cast(Step, handler.callback))
    with warnings.catch_warnings():
        # Conversations are tracked per user, not per message, on purpose: a wizard's buttons
        # belong to the user's current step, whichever message carries them.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return Wizard(
            repeat,
            name=name,
            entry_points=entry_points,
            states={
                state: [
                    *handlers,
                    MessageHandler(
                        filters.UpdateType.MESSAGE & ~filters.TEXT,
                        wizard.continuing(_words_please(repeat)),
                    ),
                ]
                for state, handlers in states.items()
            }
            | {ConversationHandler.TIMEOUT: [TypeHandler(Update, wizard.timed_out)]},
            conversation_timeout=WIZARD_IDLE,
            fallbacks=[
                CommandHandler("cancel", wizard.cancelling(on_cancel)),
                MessageHandler(filters.COMMAND, wizard.pausing),
            ],
            allow_reentry=True,
        )
