"""Who registered for one event, as an organizer pages and searches through them in chat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.repository import Repository
from bot.db.times import from_db


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


@dataclass(frozen=True)
class RegistrantRow:
    """One line of the dashboard's table of registrants."""

    user_id: int
    name: str
    country: str  # ISO code, or ""
    city: str
    organization: str
    role: str
    email: str
    language: str  # chosen in the bot, or ""
    status: str
    position: int | None
    attended: bool
    registered_at: datetime


@dataclass(frozen=True)
class RegistrantFilter:
    """What the dashboard's table shows: filters, a search, an order."""

    status: str | None = None  # confirmed or waitlisted; None: both
    country: str | None = None
    language: str | None = None
    attended: bool | None = None
    folded_words: str | None = None  # part of a name or an email, folded (`search_text.fold`)
    countries: tuple[str, ...] = ()  # the search also names these countries
    sort: str = "status"  # a key of SORTS
    descending: bool = False


# Orders the table can be sorted by; each ends with the queue's order, so that equal values
# keep a stable place from one page to the next.
SORTS = {
    "status": "r.status {dir}, r.seq {dir}",
    "name": "u.search_text {dir}, r.seq",
    "registered": "r.seq {dir}",
}


class RegistrantTable(Repository):
    def rows(
        self,
        event_id: int,
        wanted: RegistrantFilter,
        offset: int,
        limit: int,
        total: int | None = None,
    ) -> tuple[list[RegistrantRow], int]:
        """One page of the event's registrants as `wanted` filters and orders them, and how
        many there are in all (`total`, when the caller knows it already: not counted
        again)."""
        where = ["r.event_id = :event"]
        params: dict[str, object] = {"event": event_id, "limit": limit, "offset": offset}
        if wanted.status is not None:
            where.append("r.status = :status")
            params["status"] = wanted.status
        else:
            where.append("r.status IN ('confirmed', 'waitlisted')")
        if wanted.country is not None:
            where.append("u.country = :country")
            params["country"] = wanted.country
        if wanted.language is not None:
            where.append("COALESCE(u.language, '') = :language")
            params["language"] = wanted.language
        if wanted.attended is not None:
            present = (
                "EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = r.event_id"
                " AND a.user_id = r.user_id)"
            )
            where.append(present if wanted.attended else f"NOT {present}")
        if wanted.folded_words is not None:
            found = self._dialect.contains("u.search_text", ":words")
            marks = ", ".join(f":found{i}" for i in range(len(wanted.countries)))
            where.append(f"({found} OR u.country IN ({marks}))" if marks else found)
            params["words"] = wanted.folded_words
            params.update({f"found{i}": code for i, code in enumerate(wanted.countries)})
        conditions = " AND ".join(where)
        base = f"FROM registrations r JOIN users u ON u.user_id = r.user_id WHERE {conditions}"
        # Counting needs the users only when a filter reads them: the queue's index alone
        # counts an event's 100,000 registrants in a few milliseconds, the join in fifty.
        if total is None:
            reads_users = "u." in conditions
            counted = base if reads_users else f"FROM registrations r WHERE {conditions}"
            counted_row = self._one(f"SELECT COUNT(*) {counted}", params)
            total = int(counted_row[0]) if counted_row else 0
        order = SORTS.get(wanted.sort, SORTS["status"]).format(
            dir="DESC" if wanted.descending else "ASC"
        )
        rows = self._all(
            f"""
            SELECT u.user_id, COALESCE(NULLIF(u.full_name, ''), u.first_name),
                COALESCE(u.country, ''), COALESCE(u.city, ''), COALESCE(u.organization, ''),
                COALESCE(u.role, ''), COALESCE(u.email, ''), COALESCE(u.language, ''),
                r.status,
                CASE WHEN r.status = 'waitlisted' THEN (
                    SELECT COUNT(*) FROM registrations w
                    WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.seq <= r.seq)
                END,
                EXISTS (SELECT 1 FROM attendance a
                        WHERE a.event_id = r.event_id AND a.user_id = r.user_id),
                r.created_at
            {base} ORDER BY {order} LIMIT :limit OFFSET :offset
            """,
            params,
        )
        return [
            RegistrantRow(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                str(r[5]),
                str(r[6]),
                str(r[7]),
                str(r[8]),
                int(r[9]) if r[9] is not None else None,
                bool(r[10]),
                from_db(r[11]),
            )
            for r in rows
        ], total

    def choices(self, event_id: int) -> tuple[list[str], list[str]]:
        """The countries and the languages of the event's registrants: what the table's
        filters offer."""
        rows = self._all(
            """
            SELECT DISTINCT COALESCE(u.country, ''), COALESCE(u.language, '')
            FROM registrations r JOIN users u ON u.user_id = r.user_id
            WHERE r.event_id = ? AND r.status IN ('confirmed', 'waitlisted')
            """,
            (event_id,),
        )
        countries = sorted({str(r[0]) for r in rows if r[0]})
        languages = sorted({str(r[1]) for r in rows if r[1]})
        return countries, languages
