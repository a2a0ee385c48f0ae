"""Programme statistics, computed by SQLite in a few aggregate queries.

Counts include what remains of users who asked to be forgotten (anonymous counts), so the
figures organizers report do not shrink when someone exercises that right.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.db.repository import Repository


@dataclass(frozen=True)
class Figures:
    registered: int = 0  # confirmed
    waitlisted: int = 0
    attended: int = 0
    ratings: int = 0
    rating_sum: int = 0
    held: int = 0  # confirmed registrations of sessions that have taken place
    without_seat: int = 0  # in the session without a confirmed place (from the waitlist)

    @property
    def attendance_rate(self) -> float | None:
        """Attended over registered, counting only sessions that have taken place: people
        registered for next month's session have not had the chance to attend yet."""
        return self.attended / self.held if self.held else None

    @property
    def rating_average(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.registered + other.registered,
            self.waitlisted + other.waitlisted,
            self.attended + other.attended,
            self.ratings + other.ratings,
            self.rating_sum + other.rating_sum,
            self.held + other.held,
            self.without_seat + other.without_seat,
        )


UNKNOWN = ""  # a breakdown's key for people whose country or language is not known


@dataclass(frozen=True)
class Breakdown:
    """Registrations and attendance per country, language or topic."""

    registered: dict[str, int] = field(default_factory=dict)
    attended: dict[str, int] = field(default_factory=dict)


# Attendance that counts for the figures: of people with a confirmed place. Someone marked
# present from the waitlist attended without a seat, and is counted apart.
_SEATED = (
    "JOIN registrations r ON r.event_id = a.event_id AND r.user_id = a.user_id"
    " AND r.status = 'confirmed' WHERE 1 = 1"
)


class StatsRepository(Repository):
    def per_event(self, event_ids: Collection[int] | None = None) -> dict[int, Figures]:
        """Figures of every event (or of those in `event_ids`: a page), keyed by event id."""
        wanted = list(event_ids) if event_ids is not None else None
        where, params = "", wanted or []
        if wanted is not None:
            where = f"WHERE e.event_id IN ({','.join('?' * len(wanted))})" if wanted else "WHERE 0"
        rows = self._all(
            f"""
            SELECT e.event_id,
                (SELECT COUNT(*) FROM registrations r
                 WHERE r.event_id = e.event_id AND r.status = 'confirmed')
                + COALESCE((SELECT count FROM forgotten_registrations f
                            WHERE f.event_id = e.event_id AND f.status = 'confirmed'), 0),
                (SELECT COUNT(*) FROM registrations r
                 WHERE r.event_id = e.event_id AND r.status = 'waitlisted'),
                (SELECT COUNT(*) FROM attendance a {_SEATED} AND a.event_id = e.event_id)
                + COALESCE((SELECT count FROM forgotten_registrations f
                            WHERE f.event_id = e.event_id AND f.status = 'attended'), 0),
                (SELECT COUNT(*) FROM feedback b WHERE b.event_id = e.event_id),
                (SELECT COALESCE(SUM(rating), 0) FROM feedback b WHERE b.event_id = e.event_id),
                (SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.event_id
                 AND NOT EXISTS (SELECT 1 FROM registrations r
                                 WHERE r.event_id = a.event_id AND r.user_id = a.user_id
                                 AND r.status = 'confirmed'))
            FROM events e {where}
            """,
            params,
        )
        return {
            int(r[0]): Figures(
                registered=int(r[1]),
                waitlisted=int(r[2]),
                attended=int(r[3]),
                ratings=int(r[4]),
                rating_sum=int(r[5]),
                without_seat=int(r[6]),
            )
            for r in rows
        }

    def breakdowns(
        self,
        per_event: dict[int, Figures],
        topics: dict[int, str],
        event_ids: Collection[int] | None = None,
    ) -> dict[str, Breakdown]:
        """Confirmed registrations and attendance by country, language and topic.

        Topics come from the per-event figures (no scan needed); countries and languages from
        one pass per table, counted per user first (an index-only scan) and only then joined
        to the users: a million registrations cost a fraction of a second.
        """
        only = "AND " + self._dialect.in_json_ids("{c}", ":events") if event_ids is not None else ""
        if event_ids is None and self._one(
            "SELECT 1 FROM events WHERE status = 'cancelled' LIMIT 1"
        ):
            # Leaving cancelled events out costs the index-only scan: only when there are some.
            only = "AND {c} NOT IN (SELECT event_id FROM events WHERE status = 'cancelled')"
        events = json.dumps(sorted(event_ids)) if event_ids is not None else None
        keys = (
            "COALESCE(u.country, ''), COALESCE(u.language, substr(u.telegram_language, 1, 2), '')"
        )
        sources = {
            "registered": "SELECT user_id, COUNT(*) AS n FROM registrations"
            f" WHERE status = 'confirmed' {only.format(c='event_id')} GROUP BY user_id",
            "attended": f"SELECT a.user_id, COUNT(*) AS n FROM attendance a {_SEATED}"
            f" {only.format(c='a.event_id')} GROUP BY a.user_id",
        }
        result = {name: Breakdown() for name in ("country", "language", "topic")}
        for measure, source in sources.items():
            rows = self._all(
                f"SELECT {keys}, SUM(c.n) FROM ({source}) c JOIN users u ON u.user_id = c.user_id"
                " GROUP BY 1, 2",
                {"events": events},
            )
            for country, language, count in rows:
                for name, value in (("country", country), ("language", language)):
                    table = getattr(result[name], measure)
                    table[str(value)] = table.get(str(value), 0) + int(count)
        # What remains of people erased on request has no country or language: counted as
        # unknown, so each breakdown adds up to the figures above it.
        rows = self._all(
            "SELECT status, SUM(count) FROM forgotten_registrations"
            f" WHERE status IN ('confirmed', 'attended') {only.format(c='event_id')}"
            " GROUP BY status",
            {"events": events},
        )
        for status, count in rows:
            measure = "registered" if status == "confirmed" else "attended"
            for name in ("country", "language"):
                table = getattr(result[name], measure)
                table[UNKNOWN] = table.get(UNKNOWN, 0) + int(count)
        topic = result["topic"]
        for event, figures in per_event.items():
            if event in topics:
                slug = topics[event]
                topic.registered[slug] = topic.registered.get(slug, 0) + figures.registered
                topic.attended[slug] = topic.attended.get(slug, 0) + figures.attended
        return result
