"""Problems found in what someone typed or uploaded, to be told in the reader's language.

A service cannot translate (it does not know who reads), so it returns the English message,
marked for extraction, with its values; the edge renders it with the reader's translator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import Translator


@dataclass(frozen=True)
class Problem:
    message: str  # marked with N_
    values: dict[str, str] = field(default_factory=dict)

    def render(self, t: Translator) -> str:
        return t._(self.message, **self.values)


class InputProblem(ValueError):
    """Raised by a validator; carries what to tell the user."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.problem = Problem(message, {key: str(value) for key, value in values.items()})
