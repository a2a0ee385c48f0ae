"""Button presses reach the step for their kind of button data, already parsed.

`on_press(Kind, step)` is a CallbackQueryHandler whose pattern is "data that parses as Kind",
so a step never sees data it cannot read. Data that parses as no kind reaches no step and gets
the "no longer active" answer of `handlers.fallback`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers.buttons import ButtonData, parse_button
from handlers.context import BotContext

B = TypeVar("B", bound=ButtonData)
R = TypeVar("R")
Pressed = Callable[[Update, BotContext, B], Coroutine[Any, Any, R]]


def on_press(kind: type[B], step: Pressed[B, R]) -> CallbackQueryHandler[BotContext, R]:
    """Presses of `kind` buttons, handed to `step` with their data parsed."""

    async def callback(update: Update, context: BotContext) -> R:
        query = update.callback_query
        data = parse_button(query.data) if query is not None and query.data else None
        if not isinstance(data, kind):  # the pattern lets only `kind` through
            raise TypeError(f"{kind.__name__} expected, not {data!r}")
        return await step(update, context, data)

    return CallbackQueryHandler(callback, pattern=kind.matches)
