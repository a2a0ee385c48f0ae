"""What the bot remembers about a user between two updates, typed.

python-telegram-bot keeps a dict per user in memory (user_data). The bot keeps in it only
dataclasses, one per kind of state (a wizard's answers, a deep link waiting for the language
choice), each under its class's name, and reads them back typed: `get_state(context,
ProfileFlow)` is a ProfileFlow or None, never a half-filled dict of loosely named keys.
"""

from __future__ import annotations

from typing import Any, TypeVar

from handlers.context import BotContext

S = TypeVar("S")


def _store(context: BotContext) -> dict[Any, Any]:
    if context.user_data is None:
        raise RuntimeError("no user behind this update")
    return context.user_data


def _key(kind: type[object]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def get_state(context: BotContext, kind: type[S]) -> S | None:
    """The user's state of this kind, if they have one."""
    state = _store(context).get(_key(kind))
    return state if isinstance(state, kind) else None


def set_state(context: BotContext, state: object) -> None:
    """Keep `state`, replacing the user's earlier state of the same kind."""
    _store(context)[_key(type(state))] = state


def pop_state(context: BotContext, kind: type[S]) -> S | None:
    """The user's state of this kind, forgotten as it is returned."""
    state = _store(context).pop(_key(kind), None)
    return state if isinstance(state, kind) else None


def clear_state(context: BotContext, kind: type[object]) -> None:
    _store(context).pop(_key(kind), None)


def nothing_kept(context: BotContext) -> bool:
    """True when the user has no state of any kind (their scratch space can go)."""
    return not _store(context)
