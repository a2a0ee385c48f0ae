"""The outbox: campaigns (one message to an audience) and their deliveries (one per user)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.repository import Repository, Row
from bot.db.times import from_db, to_db
from bot.models import Audience, AudienceKind, CampaignKind, CampaignStatus, DeliveryStatus

# Who an audience is, as a query of user ids. Only active users: someone who blocked the bot is
# not tried again until they write to it.
_AUDIENCES: dict[AudienceKind, str] = {
    AudienceKind.EVERYONE: "SELECT user_id FROM users WHERE is_active = 1",
    AudienceKind.REGISTRANTS: (
        "SELECT r.user_id FROM registrations r JOIN users u ON u.user_id = r.user_id"
        " WHERE r.event_id = :value AND r.status = 'confirmed' AND u.is_active = 1"
    ),
    AudienceKind.WAITLIST: (
        "SELECT r.user_id FROM registrations r JOIN users u ON u.user_id = r.user_id"
        " WHERE r.event_id = :value AND r.status = 'waitlisted' AND u.is_active = 1"
    ),
    AudienceKind.SIGNED_UP: (
        "SELECT r.user_id FROM registrations r JOIN users u ON u.user_id = r.user_id"
        " WHERE r.event_id = :value AND r.status IN ('confirmed', 'waitlisted')"
        " AND u.is_active = 1"
    ),
    AudienceKind.LANGUAGE: (
        "SELECT user_id FROM users WHERE is_active = 1"
        " AND COALESCE(language, substr(telegram_language, 1, 2)) = :value"
    ),
    AudienceKind.TOPIC: (
        "SELECT DISTINCT r.user_id FROM registrations r"
        " JOIN events e ON e.event_id = r.event_id JOIN users u ON u.user_id = r.user_id"
        " WHERE e.topic = :value AND r.status IN ('confirmed', 'waitlisted')"
        " AND u.is_active = 1"
    ),
    # Attended as the attendance services count it: marked present (checked in, from a report
    # or by hand), whatever their registration says.
    AudienceKind.ATTENDEES: (
        "SELECT a.user_id FROM attendance a JOIN users u ON u.user_id = a.user_id"
        " WHERE a.event_id = :value AND u.is_active = 1"
    ),
    # Had a confirmed place and were not marked present (the waitlist had no place to miss).
    AudienceKind.NO_SHOWS: (
        "SELECT r.user_id FROM registrations r JOIN users u ON u.user_id = r.user_id"
        " WHERE r.event_id = :value AND r.status = 'confirmed' AND u.is_active = 1"
        " AND NOT EXISTS (SELECT 1 FROM attendance a"
        " WHERE a.event_id = r.event_id AND a.user_id = r.user_id)"
    ),
    # Attendees not yet asked for feedback: those marked present later are asked once too.
    AudienceKind.UNASKED_ATTENDEES: (
        "SELECT a.user_id FROM attendance a JOIN users u ON u.user_id = a.user_id"
        " WHERE a.event_id = :value AND u.is_active = 1 AND NOT EXISTS ("
        "SELECT 1 FROM deliveries d JOIN campaigns c ON c.campaign_id = d.campaign_id"
        " WHERE c.kind = 'feedback' AND c.event_id = :value AND d.user_id = a.user_id)"
    ),
    AudienceKind.USER: "SELECT user_id FROM users WHERE user_id = :value AND is_active = 1",
}


@dataclass(frozen=True)
class Campaign:
    campaign_id: int
    kind: CampaignKind
    event_id: int | None
    payload: dict[str, Any]
    audience: str
    created_by: int | None
    status: CampaignStatus
    progress_chat: int | None
    progress_message: int | None
    created_at: datetime
    number: int  # among the campaigns of its kind: "Broadcast #3" is the third broadcast
    send_at: datetime | None = None  # scheduled for later: when it goes
    queued_at: datetime | None = None  # when a scheduled campaign's deliveries were queued
    paid: bool = False  # sent as Telegram's paid broadcast (an urgent notice)

    @property
    def is_waiting(self) -> bool:
        """Scheduled for later and not gone yet (nor cancelled): nothing is queued."""
        return (
            self.send_at is not None
            and self.queued_at is None
            and self.status == CampaignStatus.RUNNING
        )

    @property
    def started_at(self) -> datetime:
        """When its deliveries were queued (or, waiting, when they will be)."""
        return self.queued_at or self.send_at or self.created_at


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    campaign_id: int
    user_id: int
    attempts: int


@dataclass(frozen=True)
class Progress:
    pending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed + self.blocked + self.skipped


def _campaign(row: Row) -> Campaign:
    return Campaign(
        campaign_id=row["campaign_id"],
        kind=CampaignKind(row["kind"]),
        event_id=row["event_id"],
        payload=json.loads(row["payload"]),
        audience=row["audience"],
        created_by=row["created_by"],
        status=CampaignStatus(row["status"]),
        progress_chat=row["progress_chat"],
        progress_message=row["progress_message"],
        created_at=from_db(row["created_at"]),
        number=row["number"] or row["campaign_id"],
        send_at=from_db(row["send_at"]) if row["send_at"] else None,
        queued_at=from_db(row["queued_at"]) if row["queued_at"] else None,
        paid=bool(row["paid"]),
    )


class OutboxRepository(Repository):
    def count_audience(self, audience: Audience) -> int:
        row = self._one(
            f"SELECT COUNT(*) FROM ({_AUDIENCES[audience.kind]}) AS audience",
            {"value": audience.value},
        )
        return int(row[0]) if row else 0

    def count_audience_by_language(
        self, audience: Audience
    ) -> dict[tuple[str | None, str | None], int]:
        """The audience counted in one query, by (chosen language, Telegram client language):
        the pair the user service resolves a reader's language from."""
        rows = self._all(
            f"SELECT u.language, u.telegram_language, COUNT(*) FROM ({_AUDIENCES[audience.kind]})"
            " AS a JOIN users u ON u.user_id = a.user_id GROUP BY u.language, u.telegram_language",
            {"value": audience.value},
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}

    def enqueue(
        self,
        kind: CampaignKind,
        dedupe_key: str,
        audience: Audience,
        payload: dict[str, Any],
        now: datetime,
        *,
        event_id: int | None = None,
        created_by: int | None = None,
        paid: bool = False,
    ) -> tuple[int, int] | None:
        """A campaign and a delivery per recipient, in the caller's unit of work (the notice
        exists if and only if the change it announces does).

        Returns (campaign id, deliveries); None when a campaign with this key exists already,
        so firing the same reminder twice (a restart, a retry) queues it once.
        """
        campaign_id = self._new_campaign(
            kind, dedupe_key, audience.describe(), payload, now, event_id, created_by, paid
        )
        if campaign_id is None:
            return None
        return campaign_id, self._queue_deliveries(campaign_id, audience, now)

    def _new_campaign(
        self,
        kind: CampaignKind,
        dedupe_key: str,
        audience: str,
        payload: dict[str, Any],
        now: datetime,
        event_id: int | None,
        created_by: int | None,
        paid: bool = False,
    ) -> int | None:
        """A campaign queued now, numbered among its kind; None when its key exists."""
        row = self._one(
            "INSERT INTO campaigns (kind, dedupe_key, event_id, payload, audience,"
            " created_by, created_at, number, paid) VALUES (:kind, :key, :event, :payload,"
            " :audience, :by, :at,"
            " (SELECT COALESCE(MAX(number), 0) + 1 FROM campaigns WHERE kind = :kind), :paid)"
            " ON CONFLICT DO NOTHING RETURNING campaign_id",
            {
                "paid": int(paid),
                "kind": kind,
                "key": dedupe_key,
                "event": event_id,
                "payload": json.dumps(payload, ensure_ascii=False),
                "audience": audience,
                "by": created_by,
                "at": to_db(now),
            },
        )
        return int(row[0]) if row else None

    def enqueue_each(
        self,
        kind: CampaignKind,
        dedupe_key: str,
        user_ids: list[int],
        payload: dict[str, Any],
        now: datetime,
        *,
        event_id: int | None = None,
        created_by: int | None = None,
    ) -> int | None:
        """A campaign to the people named, each getting a message of their own (certificates
        just issued), in the caller's unit of work; its id, None when the key exists already.
        Described as "people:<count>" (no audience query finds them again)."""
        campaign_id = self._new_campaign(
            kind, dedupe_key, f"people:{len(user_ids)}", payload, now, event_id, created_by
        )
        if campaign_id is None:
            return None
        self._run_many(
            "INSERT INTO deliveries (campaign_id, user_id, next_attempt_at)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(campaign_id, user_id, to_db(now)) for user_id in user_ids],
        )
        return campaign_id

    def _queue_deliveries(self, campaign_id: int, audience: Audience, now: datetime) -> int:
        cursor = self._run(
            "INSERT INTO deliveries (campaign_id, user_id, next_attempt_at)"
            f" SELECT :campaign, user_id, :at FROM ({_AUDIENCES[audience.kind]}) AS audience"
            # WHERE: SQLite would read ON as the start of a join's condition.
            " WHERE true ON CONFLICT DO NOTHING",
            {"campaign": campaign_id, "at": to_db(now), "value": audience.value},
        )
        return cursor.rowcount

    def enqueue_later(
        self,
        kind: CampaignKind,
        dedupe_key: str,
        audience: Audience,
        payload: dict[str, Any],
        now: datetime,
        send_at: datetime,
        *,
        created_by: int | None = None,
    ) -> int:
        """A campaign that waits for `send_at`; no deliveries yet (see `release_due`)."""
        row = self._one(
            "INSERT INTO campaigns (kind, dedupe_key, payload, audience, created_by, created_at,"
            " number, send_at) VALUES (:kind, :key, :payload, :audience, :by, :at,"
            " (SELECT COALESCE(MAX(number), 0) + 1 FROM campaigns WHERE kind = :kind), :send_at)"
            " RETURNING campaign_id",
            {
                "kind": kind,
                "key": dedupe_key,
                "payload": json.dumps(payload, ensure_ascii=False),
                "audience": audience.describe(),
                "by": created_by,
                "at": to_db(now),
                "send_at": to_db(send_at),
            },
        )
        assert row is not None
        return int(row[0])

    def has_due_release(self, now: datetime) -> bool:
        row = self._one(
            "SELECT 1 FROM campaigns WHERE send_at IS NOT NULL AND queued_at IS NULL"
            " AND status = 'running' AND send_at <= ? LIMIT 1",
            (to_db(now),),
        )
        return row is not None

    def release_due(self, now: datetime) -> list[int]:
        """Queue the deliveries of waiting campaigns whose time has come, for the audience as
        it is now; their ids. Each is released once: `queued_at` is set in the same unit."""
        rows = self._all(
            "SELECT campaign_id, audience FROM campaigns WHERE send_at IS NOT NULL"
            " AND queued_at IS NULL AND status = 'running' AND send_at <= ?"
            " ORDER BY send_at, campaign_id",
            (to_db(now),),
        )
        released = []
        for campaign_id, described in rows:
            self._run(
                "UPDATE campaigns SET queued_at = ? WHERE campaign_id = ?",
                (to_db(now), campaign_id),
            )
            audience = Audience.parse(described)
            if audience is not None:  # always: written by `describe`
                self._queue_deliveries(int(campaign_id), audience, now)
            released.append(int(campaign_id))
        return released

    def waiting(self, kind: CampaignKind, created_by: int | None = None) -> list[Campaign]:
        """Campaigns of `kind` scheduled for later and not gone yet, soonest first (of one
        organizer's, with `created_by`)."""
        rows = self._all(
            "SELECT * FROM campaigns WHERE kind = :kind AND send_at IS NOT NULL"
            " AND queued_at IS NULL AND status = 'running'"
            " AND (:by IS NULL OR created_by = :by) ORDER BY send_at, campaign_id",
            {"kind": kind, "by": created_by},
        )
        return [_campaign(row) for row in rows]

    def set_progress_message(self, campaign_id: int, chat_id: int, message_id: int) -> None:
        self._run(
            "UPDATE campaigns SET progress_chat = ?, progress_message = ? WHERE campaign_id = ?",
            (chat_id, message_id, campaign_id),
        )

    def claim_due(self, now: datetime, limit: int, owner: str, until: datetime) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest first, claimed for `owner` until
        `until`: no other process's worker takes them meanwhile (rows another process is
        claiming at this very moment are skipped, not waited for)."""
        rows = self._all(
            "UPDATE deliveries SET claimed_by = :owner, claimed_until = :until"
            " WHERE delivery_id IN (SELECT delivery_id FROM deliveries"
            " WHERE status = 'pending' AND next_attempt_at <= :now"
            # A worker's own claims are its leftovers (a batch ends before the next begins).
            " AND (claimed_until IS NULL OR claimed_until <= :now OR claimed_by = :owner)"
            f" ORDER BY next_attempt_at, delivery_id LIMIT :limit{self._dialect.skip_locked})"
            " RETURNING delivery_id, campaign_id, user_id, attempts, next_attempt_at",
            {"owner": owner, "until": to_db(until), "now": to_db(now), "limit": limit},
        )
        rows.sort(key=lambda r: (r[4], r[0]))
        return [Delivery(r[0], r[1], r[2], r[3]) for r in rows]

    def paid_messages(self) -> int:
        """Messages sent paid, and those still to send of campaigns that pay: what the paid
        budget is spent on (0.1 Star each)."""
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM deliveries WHERE paid = 1)"
            " + (SELECT COUNT(*) FROM deliveries d JOIN campaigns c USING (campaign_id)"
            " WHERE c.paid = 1 AND d.status = 'pending')"
        )
        return int(row[0]) if row is not None else 0

    def stop_paying(self, campaign_id: int) -> None:
        """Telegram refused the campaign's paid messages: the rest go at the usual pace."""
        self._run("UPDATE campaigns SET paid = 0 WHERE campaign_id = ?", (campaign_id,))

    def senders(self, now: datetime) -> int:
        """How many workers (one a process) hold claims on deliveries now."""
        row = self._one(
            "SELECT COUNT(DISTINCT claimed_by) FROM deliveries"
            " WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_until > ?",
            (to_db(now),),
        )
        return int(row[0]) if row is not None else 0

    def renew(self, owner: str, until: datetime) -> None:
        """The claims of `owner` on deliveries not finished yet, extended to `until`."""
        self._run(
            "UPDATE deliveries SET claimed_until = ? WHERE claimed_by = ? AND status = 'pending'",
            (to_db(until), owner),
        )

    def release(self, owner: str) -> None:
        """A worker stopping gives back the deliveries it claimed and did not finish."""
        self._run(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL"
            " WHERE claimed_by = ? AND status = 'pending'",
            (owner,),
        )

    def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many deliveries are due and not sent, and since when the oldest of them has
        been waiting: since its campaign was queued (a retry moves a delivery's own time, so
        a queue Telegram refuses for minutes would look young)."""
        row = self._one(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?",
            (to_db(now),),
        )
        if row is None or not row[0]:
            return 0, None
        since = self._one(
            "SELECT MIN(COALESCE(c.queued_at, c.created_at)) FROM campaigns c"
            " WHERE c.status = 'running' AND EXISTS (SELECT 1 FROM deliveries d"
            " WHERE d.campaign_id = c.campaign_id AND d.status = 'pending'"
            " AND d.next_attempt_at <= ?)",
            (to_db(now),),
        )
        return int(row[0]), from_db(since[0]) if since is not None and since[0] else None

    def next_due_at(self) -> datetime | None:
        """The next moment the worker has something to do: a delivery, or a scheduled
        campaign to release."""
        row = self._one(
            "SELECT MIN(due) FROM (SELECT MIN(next_attempt_at) AS due FROM deliveries"
            " WHERE status = 'pending' UNION ALL SELECT MIN(send_at) FROM campaigns"
            " WHERE send_at IS NOT NULL AND queued_at IS NULL AND status = 'running') AS due"
        )
        return from_db(row[0]) if row and row[0] else None

    def finish(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        now: datetime,
        error: str | None = None,
        *,
        paid: bool = False,
    ) -> None:
        """Record the final fate of a delivery: sent, failed, blocked or skipped (`paid`:
        sent as a paid broadcast, and charged)."""
        self._run(
            "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? END, claimed_by = NULL, claimed_until = NULL,"
            " paid = ? WHERE delivery_id = ?",
            (status, error, status, to_db(now), int(paid), delivery_id),
        )

    def retry_at(self, delivery_id: int, when: datetime, error: str, *, counts: bool) -> None:
        """Try again later; `counts` says whether this attempt counts towards the limit."""
        self._run(
            "UPDATE deliveries SET next_attempt_at = ?, last_error = ?,"
            " attempts = attempts + ?, claimed_by = NULL, claimed_until = NULL"
            " WHERE delivery_id = ?",
            (to_db(when), error, 1 if counts else 0, delivery_id),
        )

    def campaign(self, campaign_id: int) -> Campaign | None:
        row = self._one("SELECT * FROM campaigns WHERE campaign_id = ?", (campaign_id,))
        return _campaign(row) if row else None

    def progress(self, campaign_id: int) -> Progress:
        rows = self._all(
            "SELECT status, COUNT(*) FROM deliveries WHERE campaign_id = ? GROUP BY status",
            (campaign_id,),
        )
        return Progress(**{row[0]: int(row[1]) for row in rows})

    def close_finished(self, now: datetime) -> list[int]:
        """Mark running campaigns without pending deliveries as done (not those waiting for
        their time: they have none yet); return their ids."""
        rows = self._all(
            "SELECT campaign_id FROM campaigns c WHERE status = 'running'"
            " AND (send_at IS NULL OR queued_at IS NOT NULL) AND NOT EXISTS"
            " (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.campaign_id"
            " AND d.status = 'pending')",
        )
        done = [int(r[0]) for r in rows]
        self._run_many(
            "UPDATE campaigns SET status = 'done', finished_at = ? WHERE campaign_id = ?",
            [(to_db(now), campaign_id) for campaign_id in done],
        )
        return done

    def reminder_offsets_since(self, event_id: int, since: datetime) -> list[int]:
        """Offsets (minutes before the start) of the event's reminders queued since `since`."""
        rows = self._all(
            f"SELECT {self._dialect.json_integer('payload', 'offset_minutes')} FROM campaigns"
            " WHERE event_id = ? AND kind = 'reminder' AND created_at >= ?",
            (event_id, to_db(since)),
        )
        return [int(row[0]) for row in rows if row[0] is not None]

    def is_pending(self, delivery_id: int) -> bool:
        """Still to be sent: checked just before sending, as a campaign may have been
        stopped since its deliveries were read."""
        row = self._one(
            "SELECT 1 FROM deliveries WHERE delivery_id = ? AND status = 'pending'", (delivery_id,)
        )
        return row is not None

    def cancel(self, campaign_id: int, kind: CampaignKind, now: datetime) -> bool:
        """Stop a running campaign of `kind` (or one waiting for its time): what is not sent
        yet is skipped."""
        cursor = self._run(
            "UPDATE campaigns SET status = 'cancelled', finished_at = ?"
            " WHERE campaign_id = ? AND kind = ? AND status = 'running'",
            (to_db(now), campaign_id, kind),
        )
        if cursor.rowcount == 0:
            return False
        self._run(
            "UPDATE deliveries SET status = 'skipped' WHERE campaign_id = ? AND status = 'pending'",
            (campaign_id,),
        )
        return True

    def recent(
        self, kind: CampaignKind, limit: int, created_by: int | None = None
    ) -> list[Campaign]:
        rows = self._all(
            "SELECT * FROM campaigns WHERE kind = :kind AND (:by IS NULL OR created_by = :by)"
            " ORDER BY campaign_id DESC LIMIT :limit",
            {"kind": kind, "limit": limit, "by": created_by},
        )
        return [_campaign(row) for row in rows]

    def exists(self, dedupe_key: str) -> bool:
        return self.by_key(dedupe_key) is not None

    def by_key(self, dedupe_key: str) -> int | None:
        """The id of the campaign queued with this key, if any."""
        row = self._one("SELECT campaign_id FROM campaigns WHERE dedupe_key = ?", (dedupe_key,))
        return int(row[0]) if row else None

    def event_offsets(self, event_id: int) -> list[int]:
        rows = self._all(
            "SELECT offset_minutes FROM event_reminders WHERE event_id = ?"
            " ORDER BY offset_minutes DESC",
            (event_id,),
        )
        return [int(r[0]) for r in rows]

    def all_event_offsets(self) -> dict[int, list[int]]:
        rows = self._all(
            "SELECT event_id, offset_minutes FROM event_reminders ORDER BY offset_minutes DESC"
        )
        offsets: dict[int, list[int]] = {}
        for event_id, minutes in rows:
            offsets.setdefault(int(event_id), []).append(int(minutes))
        return offsets

    def set_event_offsets(self, event_id: int, minutes: list[int]) -> None:
        self._run("DELETE FROM event_reminders WHERE event_id = ?", (event_id,))
        self._run_many(
            "INSERT INTO event_reminders (event_id, offset_minutes) VALUES (?, ?)",
            [(event_id, m) for m in sorted(set(minutes))],
        )
