"""What SQLite and PostgreSQL write differently, in one place.

The repositories write one SQL for both databases (`?` and `:name` parameters, `ON CONFLICT`,
`RETURNING`, `COALESCE`, `lower()`); the few expressions that have no common spelling come
from here, each given as the SQL of its operands.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    @property
    def skip_locked(self) -> str:
        """After a SELECT that claims rows: skip those another transaction is claiming
        (PostgreSQL); SQLite has one writer at a time, so nothing to skip."""
        return " FOR UPDATE SKIP LOCKED" if self.is_postgres else ""

    def in_json_ids(self, column: str, parameter: str) -> str:
        """`column` is one of the ids of a JSON array given as `parameter` (one parameter
        whatever the number of ids: SQLite allows a limited number of them)."""
        if self.is_postgres:
            return (
                f"{column} IN (SELECT CAST(value AS BIGINT)"
                f" FROM json_array_elements_text(CAST({parameter} AS json)))"
            )
        return f"{column} IN (SELECT value FROM json_each({parameter}))"

    def json_integer(self, column: str, key: str) -> str:
        """The integer at `key` of the JSON object stored as text in `column`."""
        if self.is_postgres:
            return f"CAST(CAST({column} AS json) ->> '{key}' AS BIGINT)"
        return f"json_extract({column}, '$.{key}')"

    def contains(self, text: str, part: str) -> str:
        """`part` occurs in `text` (plain characters: no pattern, nothing to escape)."""
        if self.is_postgres:
            return f"strpos({text}, {part}) > 0"
        return f"instr({text}, {part}) > 0"

    def ends_at_or_after(self, starts_at: str, minutes: str, moment: str) -> str:
        """A session starting at `starts_at` (stored moment) and lasting `minutes` ends at
        or after `moment` (a stored moment)."""
        if self.is_postgres:
            return (
                f"CAST({starts_at} AS timestamptz) + {minutes} * interval '1 minute'"
                f" >= CAST({moment} AS timestamptz)"
            )
        return f"datetime({starts_at}, '+' || {minutes} || ' minutes') >= datetime({moment})"


SQLITE = Dialect("sqlite")
POSTGRES = Dialect("postgresql")
