"""Who registered for one event, as an organizer pages and searches through them in chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.repository import Repository


@dataclass(frozen=True)
class RegistrantLine:
    user_id: int
    name: str
    country: str  # its ISO code, or "" when not given
    organization: str
    status: str  # confirmed or waitlisted
    position: int | None  # on the waitlist
    attended: bool


@dataclass(frozen=True)
class RegistrantCounts:
    confirmed: int
    waitlisted: int
    attended: int


class RegistrantRepository(Repository):
    def counts(self, event_id: int) -> RegistrantCounts:
        row = self._one(
            """
            SELECT
                (SELECT COUNT(*) FROM registrations
                 WHERE event_id = :event AND status = 'confirmed'),
                (SELECT COUNT(*) FROM registrations
                 WHERE event_id = :event AND status = 'waitlisted'),
                (SELECT COUNT(*) FROM attendance WHERE event_id = :event)
            """,
            {"event": event_id},
        )
        assert row is not None
        return RegistrantCounts(int(row[0]), int(row[1]), int(row[2]))

    def page(
        self,
        event_id: int,
        folded_words: str | None,
        countries: Sequence[str],
        offset: int,
        limit: int,
    ) -> tuple[list[RegistrantLine], int]:
        """One page of the registrants (confirmed first, then the waitlist in its order),
        those whose name or email holds `folded_words` or who work in one of `countries`
        when searching; and how many there are in all."""
        where = "r.event_id = :event AND r.status IN ('confirmed', 'waitlisted')"
        params: dict[str, object] = {"event": event_id, "limit": limit, "offset": offset}
        if folded_words is not None:
            marks = ", ".join(f":country{i}" for i in range(len(countries)))
            where += f" AND ({self._dialect.contains('u.search_text', ':words')}"
            where += f" OR u.country IN ({marks}))" if countries else ")"
            params["words"] = folded_words
            params.update({f"country{i}": code for i, code in enumerate(countries)})
        base = f"FROM registrations r JOIN users u ON u.user_id = r.user_id WHERE {where}"
        # Without a search the count needs no user: the queue's index alone answers it.
        counted = base if folded_words is not None else f"FROM registrations r WHERE {where}"
        total = self._one(f"SELECT COUNT(*) {counted}", params)
        # The page is picked from the registrations first (the queue's index, no user read
        # for the rows skipped), then its ten are joined to their users.
        picked = (
            f"SELECT r.* {base} ORDER BY r.status, r.seq LIMIT :limit OFFSET :offset"
            if folded_words is not None
            else f"SELECT r.* FROM registrations r WHERE {where}"
            " ORDER BY r.status, r.seq LIMIT :limit OFFSET :offset"
        )
        rows = self._all(
            f"""
            SELECT u.user_id, COALESCE(NULLIF(u.full_name, ''), u.first_name),
                COALESCE(u.country, ''), COALESCE(u.organization, ''), r.status,
                CASE WHEN r.status = 'waitlisted' THEN (
                    SELECT COUNT(*) FROM registrations w
                    WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq)
                END,
                EXISTS (SELECT 1 FROM attendance a
                        WHERE a.event_id = r.event_id AND a.user_id = r.user_id)
            FROM ({picked}) r JOIN users u ON u.user_id = r.user_id
            ORDER BY r.status, r.seq  -- confirmed before waitlisted: the queue's index order
            """,
            params,
        )
        lines = [
            RegistrantLine(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                int(r[5]) if r[5] is not None else None,
                bool(r[6]),
            )
            for r in rows
        ]
        return lines, int(total[0]) if total else 0
