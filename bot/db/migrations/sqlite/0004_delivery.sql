-- The delivery engine: one durable outbox for everything sent to many people.
-- A campaign is one message to an audience (a broadcast, a reminder, a notice); a delivery is
-- that message for one user. A delivery becomes 'sent' only after Telegram accepted it.
CREATE TABLE campaigns (
    campaign_id     INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,     -- broadcast, reminder, starting, cancelled, moved
    dedupe_key      TEXT    NOT NULL UNIQUE,  -- the same reminder is never queued twice
    event_id        INTEGER REFERENCES events (event_id) ON DELETE CASCADE,
    payload         TEXT    NOT NULL DEFAULT '{}',  -- JSON: texts per language, offsets...
    audience        TEXT    NOT NULL DEFAULT '',    -- how the recipients were chosen
    created_by      INTEGER,
    status          TEXT    NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'done', 'cancelled')),
    progress_chat   INTEGER,              -- the organizer's progress message, if any
    progress_message INTEGER,
    created_at      TEXT    NOT NULL,
    finished_at     TEXT
);

CREATE TABLE deliveries (
    delivery_id     INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (campaign_id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    sent_at         TEXT,
    UNIQUE (campaign_id, user_id)
);

CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, delivery_id);
CREATE INDEX deliveries_campaign ON deliveries (campaign_id, status);

-- Reminder offsets an organizer set for one event, in minutes before the start; events
-- without rows use REMINDER_OFFSETS.
CREATE TABLE event_reminders (
    event_id        INTEGER NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    offset_minutes  INTEGER NOT NULL CHECK (offset_minutes > 0),
    PRIMARY KEY (event_id, offset_minutes)
) WITHOUT ROWID;
