"""Events and their texts per language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.db.repository import Repository, Row
from bot.db.times import from_db, to_db
from bot.models import Event, EventDraft, EventListing, EventText, Page, page_count

# No session lasts longer (the programme refuses more): how far before a moment its start may be.
LONGEST_SESSION = timedelta(days=1)

_CONFIRMED = (
    "(SELECT COUNT(*) FROM registrations r"
    " WHERE r.event_id = e.event_id AND r.status = 'confirmed') AS confirmed"
)
EDITABLE_COLUMNS = frozenset(
    {
        "topic",
        "starts_at",
        "duration_minutes",
        "capacity",
        "language",
        "join_url",
        "title",
        "description",
        "min_attendance_minutes",
    }
)
# What a calendar entry shows of an event: a change of one raises its revision, the SEQUENCE
# of its calendar files, so calendars that have the event take the newer file (RFC 5546 asks
# it for the start, duration and status; the title and the link are what people look at).
REVISED_COLUMNS = frozenset({"starts_at", "duration_minutes", "title", "join_url"})


def _event(row: Row, texts: dict[str, EventText]) -> Event:
    return Event(
        event_id=row["event_id"],
        code=row["code"],
        topic=row["topic"],
        starts_at=from_db(row["starts_at"]),
        duration_minutes=row["duration_minutes"],
        capacity=row["capacity"],
        language=row["language"],
        join_url=row["join_url"],
        title=row["title"],
        description=row["description"],
        status=row["status"],
        texts=texts,
        min_attendance_minutes=row["min_attendance_minutes"],
        updated_at=from_db(row["updated_at"]),
        revision=row["revision"],
        course_id=row["course_id"],
        certificate=bool(row["certificate"]),
    )


def _draft_values(draft: EventDraft) -> dict[str, Any]:
    return {
        "code": draft.code,
        "topic": draft.topic,
        "starts_at": to_db(draft.starts_at),
        "duration_minutes": draft.duration_minutes,
        "capacity": draft.capacity,
        "language": draft.language,
        "join_url": draft.join_url,
        "title": draft.title,
        "description": draft.description,
        "min_attendance_minutes": draft.min_attendance_minutes,
    }


def _titles(texts: dict[str, EventText]) -> dict[str, str]:
    """The titles of an event's own languages (an empty one falls back to the main title)."""
    return {language: text.title for language, text in texts.items() if text.title}


@dataclass(frozen=True)
class EventOverview:
    """An event with its counts, as the organizers' dashboard lists it."""

    event: Event
    confirmed: int
    waitlisted: int
    attended: int


class EventRepository(Repository):
    def _texts(self, event_ids: Sequence[int]) -> dict[int, dict[str, EventText]]:
        texts: dict[int, dict[str, EventText]] = {event_id: {} for event_id in event_ids}
        if not event_ids:
            return texts
        marks = ",".join("?" * len(event_ids))
        rows = self._all(f"SELECT * FROM event_texts WHERE event_id IN ({marks})", list(event_ids))
        for row in rows:
            texts[row["event_id"]][row["language"]] = EventText(row["title"], row["description"])
        return texts

    def _listings(self, rows: list[Row]) -> list[EventListing]:
        texts = self._texts([row["event_id"] for row in rows])
        return [EventListing(_event(row, texts[row["event_id"]]), row["confirmed"]) for row in rows]

    def upcoming_page(self, now: datetime, topic: str | None, page: int, page_size: int) -> Page:
        """Scheduled events that have not started, soonest first, one page of them."""
        where = "e.status = 'scheduled' AND e.starts_at > :now"
        params: dict[str, Any] = {"now": to_db(now)}
        if topic is not None:
            where += " AND e.topic = :topic"
            params["topic"] = topic
        count_row = self._one(f"SELECT COUNT(*) FROM events e WHERE {where}", params)
        total = int(count_row[0]) if count_row else 0
        pages = page_count(total, page_size)
        page = min(max(page, 0), pages - 1)
        rows = self._all(
            f"SELECT e.*, {_CONFIRMED} FROM events e WHERE {where}"
            " ORDER BY e.starts_at, e.event_id LIMIT :limit OFFSET :offset",
            {**params, "limit": page_size, "offset": page * page_size},
        )
        return Page(self._listings(rows), page, pages, total)

    def overview(
        self, since: datetime, event_ids: Sequence[int] | None, limit: int
    ) -> list[EventOverview]:
        """Events starting from `since` on (those of `event_ids` only, when given), soonest
        first, with their confirmed, waitlisted and attended counts."""
        where = "e.starts_at >= :since"
        params: dict[str, Any] = {"since": to_db(since), "limit": limit}
        if event_ids is not None:
            if not event_ids:
                return []
            marks = ", ".join(f":id{i}" for i in range(len(event_ids)))
            where += f" AND e.event_id IN ({marks})"
            params.update({f"id{i}": event_id for i, event_id in enumerate(event_ids)})
        rows = self._all(
            f"""
            SELECT e.*, {_CONFIRMED},
                (SELECT COUNT(*) FROM registrations r
                 WHERE r.event_id = e.event_id AND r.status = 'waitlisted') AS waitlisted,
                (SELECT COUNT(*) FROM attendance a WHERE a.event_id = e.event_id) AS attended
            FROM events e WHERE {where} ORDER BY e.starts_at, e.event_id LIMIT :limit
            """,
            params,
        )
        texts = self._texts([row["event_id"] for row in rows])
        return [
            EventOverview(
                _event(row, texts[row["event_id"]]),
                int(row["confirmed"]),
                int(row["waitlisted"]),
                int(row["attended"]),
            )
            for row in rows
        ]

    def upcoming_topics(self, now: datetime) -> dict[str, int]:
        """How many upcoming events each topic has (topics without any are absent)."""
        rows = self._all(
            "SELECT topic, COUNT(*) FROM events WHERE status = 'scheduled' AND starts_at > ?"
            " GROUP BY topic",
            (to_db(now),),
        )
        return {row[0]: int(row[1]) for row in rows}

    def listing(self, code: str) -> EventListing | None:
        rows = self._all(f"SELECT e.*, {_CONFIRMED} FROM events e WHERE e.code = ?", (code,))
        listings = self._listings(rows)
        return listings[0] if listings else None

    def listing_typed(self, code: str) -> EventListing | None:
        """The event a person typed the code of: as written, else the one event whose code
        differs only in case ("FLOOD-101" for "flood-101")."""
        found = self.listing(code)
        if found is not None:
            return found
        rows = self._all("SELECT code FROM events WHERE lower(code) = lower(?) LIMIT 2", (code,))
        return self.listing(str(rows[0][0])) if len(rows) == 1 else None

    def by_code(self, code: str) -> Event | None:
        found = self.listing(code)
        return found.event if found else None

    def by_id(self, event_id: int) -> Event | None:
        row = self._one("SELECT * FROM events WHERE event_id = ?", (event_id,))
        if row is None:
            return None
        texts = self._texts([event_id])
        return _event(row, texts[event_id])

    def scheduled_after(self, moment: datetime) -> list[Event]:
        """Every scheduled event starting after `moment`, soonest first."""
        rows = self._all(
            "SELECT * FROM events WHERE status = 'scheduled' AND starts_at > ? ORDER BY starts_at",
            (to_db(moment),),
        )
        texts = self._texts([row["event_id"] for row in rows])
        return [_event(row, texts[row["event_id"]]) for row in rows]

    def ended_between(self, since: datetime, until: datetime) -> list[Event]:
        """The sessions that ended between `since` and `until` and may give a certificate
        (they belong to a course, or give one of their own), not cancelled."""
        rows = self._all(
            "SELECT * FROM events WHERE status = 'scheduled' AND starts_at BETWEEN ? AND ?"
            " AND (course_id IS NOT NULL OR certificate = 1) ORDER BY starts_at",
            (to_db(since - LONGEST_SESSION), to_db(until)),
        )
        texts = self._texts([row["event_id"] for row in rows])
        found = (_event(row, texts[row["event_id"]]) for row in rows)
        return [event for event in found if since <= event.ends_at <= until]

    def all_events(self) -> list[Event]:
        rows = self._all("SELECT * FROM events ORDER BY starts_at")
        texts = self._texts([row["event_id"] for row in rows])
        return [_event(row, texts[row["event_id"]]) for row in rows]

    def starts_by_code(self) -> dict[str, datetime]:
        rows = self._all("SELECT code, starts_at FROM events")
        return {str(row[0]): from_db(row[1]) for row in rows}

    def by_codes(self, codes: Iterable[str]) -> dict[str, Event]:
        """The stored events among `codes`, by code."""
        wanted = list(dict.fromkeys(codes))
        found: dict[str, Event] = {}
        for start in range(0, len(wanted), 500):  # stay far below SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._all(f"SELECT * FROM events WHERE code IN ({marks})", chunk)
            texts = self._texts([row["event_id"] for row in rows])
            found.update({row["code"]: _event(row, texts[row["event_id"]]) for row in rows})
        return found

    # -- writes: inside a unit of work opened by the caller --------------------------------

    def insert(self, draft: EventDraft, now: datetime) -> int:
        values = {**_draft_values(draft), "now": to_db(now)}
        row = self._one(
            """
            INSERT INTO events (code, topic, starts_at, duration_minutes, capacity, language,
                                join_url, title, description, min_attendance_minutes,
                                created_at, updated_at)
            VALUES (:code, :topic, :starts_at, :duration_minutes, :capacity, :language,
                    :join_url, :title, :description, :min_attendance_minutes, :now, :now)
            RETURNING event_id
            """,
            values,
        )
        assert row is not None
        event_id = int(row[0])
        self._replace_texts(event_id, draft.texts)
        return event_id

    def replace(self, event_id: int, draft: EventDraft, now: datetime) -> None:
        """Overwrite an event with a newer description of it (its status is kept)."""
        before = self._texts([event_id])[event_id]
        values = {
            **_draft_values(draft),
            "now": to_db(now),
            "event_id": event_id,
            "titles_changed": _titles(before) != _titles(draft.texts),
        }
        # The right-hand sides read the row as it was: the revision compares old and new.
        self._run(
            """
            UPDATE events SET topic = :topic, starts_at = :starts_at,
                duration_minutes = :duration_minutes, capacity = :capacity,
                language = :language, join_url = :join_url, title = :title,
                description = :description,
                min_attendance_minutes = :min_attendance_minutes, updated_at = :now,
                revision = revision + CASE WHEN starts_at IS DISTINCT FROM :starts_at
                    OR duration_minutes IS DISTINCT FROM :duration_minutes
                    OR title IS DISTINCT FROM :title OR join_url IS DISTINCT FROM :join_url
                    OR :titles_changed = 1 THEN 1 ELSE 0 END
            WHERE event_id = :event_id
            """,
            values,
        )
        self._replace_texts(event_id, draft.texts)

    def _replace_texts(self, event_id: int, texts: dict[str, EventText]) -> None:
        self._run("DELETE FROM event_texts WHERE event_id = ?", (event_id,))
        self._run_many(
            "INSERT INTO event_texts (event_id, language, title, description) VALUES (?, ?, ?, ?)",
            [(event_id, lang, text.title, text.description) for lang, text in texts.items()],
        )

    def update_field(
        self,
        event_id: int,
        column: str,
        value: object,
        now: datetime,
    ) -> None:
        if column not in EDITABLE_COLUMNS:
            raise ValueError(f"{column} cannot be edited")
        stored = to_db(value) if isinstance(value, datetime) else value
        revised = column in REVISED_COLUMNS
        self._run(
            f"UPDATE events SET {column} = ?, updated_at = ?,"
            f" revision = revision + CASE WHEN {column} IS DISTINCT FROM ? AND ? = 1"
            " THEN 1 ELSE 0 END WHERE event_id = ?",
            (stored, to_db(now), stored, revised, event_id),
        )

    def update_text(
        self,
        event_id: int,
        language: str,
        column: str,
        value: object,
        now: datetime,
    ) -> None:
        """The title or description of the event in one language."""
        if column not in ("title", "description"):
            raise ValueError(f"{column} is not a text of the event")
        before = self._one(
            f"SELECT {column} FROM event_texts WHERE event_id = ? AND language = ?",
            (event_id, language),
        )
        revised = column == "title" and before is not None and before[0] != value
        self._run(
            f"UPDATE event_texts SET {column} = ? WHERE event_id = ? AND language = ?",
            (value, event_id, language),
        )
        self._run(
            "UPDATE events SET updated_at = ?, revision = revision + ? WHERE event_id = ?",
            (to_db(now), int(revised), event_id),
        )

    def set_status(self, event_id: int, status: str, now: datetime) -> None:
        self._run(
            "UPDATE events SET status = ?, updated_at = ?,"
            " revision = revision + CASE WHEN status IS DISTINCT FROM ? THEN 1 ELSE 0 END"
            " WHERE event_id = ?",
            (status, to_db(now), status, event_id),
        )

    # -- what was edited in chat since the programme file last set it ----------------------

    def record_chat_edit(
        self, event_id: int, column: str, now: datetime, language: str | None = None
    ) -> None:
        """/editevent changed a field (in `language`: that language's title or description,
        the file's `title_<ll>`): a re-import that would overwrite it will say so."""
        field = column if language is None else f"{column}_{language}"
        self._run(
            "INSERT INTO event_chat_edits (event_id, field, edited_at) VALUES (?, ?, ?)"
            " ON CONFLICT (event_id, field) DO UPDATE SET edited_at = excluded.edited_at",
            (event_id, field, to_db(now)),
        )

    def chat_edits(self, event_ids: Sequence[int]) -> dict[int, dict[str, datetime]]:
        """The fields edited in chat since the last import, by event and field: when."""
        found: dict[int, dict[str, datetime]] = {}
        for start in range(0, len(event_ids), 500):
            chunk = list(event_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._all(
                f"SELECT event_id, field, edited_at FROM event_chat_edits"
                f" WHERE event_id IN ({marks})",
                chunk,
            )
            for row in rows:
                found.setdefault(row[0], {})[row[1]] = from_db(row[2])
        return found

    def clear_chat_edits(self, event_ids: Sequence[int]) -> None:
        """A programme file set these events again: their fields are the file's now."""
        self._run_many("DELETE FROM event_chat_edits WHERE event_id = ?", [(i,) for i in event_ids])

    def code_of(self, event_id: int) -> str | None:
        row = self._one("SELECT code FROM events WHERE event_id = ?", (event_id,))
        return str(row[0]) if row else None

    def stamp(self) -> tuple[int, str]:
        """What changes whenever any event is added or changed, by this process or another
        (the command line): their number and the latest change."""
        row = self._one("SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM events")
        assert row is not None
        return int(row[0]), str(row[1])

    def count(self) -> int:
        row = self._one("SELECT COUNT(*) FROM events")
        return int(row[0]) if row else 0

    def holder_of(self, code: str) -> Event | None:
        """The event whose code is `code` in any case: two codes that differ only in case
        would make a typed code ambiguous, so a new code must not match one that way."""
        row = self._one("SELECT code FROM events WHERE lower(code) = lower(?) LIMIT 1", (code,))
        return self.by_code(str(row[0])) if row else None

    def codes_like(self, base: str) -> set[str]:
        """The codes, in lower case, that are `base` or begin with `base-` in any case: what
        a code proposed from `base` must not be."""
        rows = self._all(
            "SELECT lower(code) FROM events WHERE lower(code) = :base"
            " OR substr(lower(code), 1, :length) = :prefix",
            {"base": base.lower(), "prefix": f"{base.lower()}-", "length": len(base) + 1},
        )
        return {str(row[0]) for row in rows}
