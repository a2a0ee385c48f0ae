-- Several bot processes on one database (issue 17; with PostgreSQL).
--
-- Updates posted to the webhook are claimed before they are handled: `claimed_by` names the
-- process, `claimed_until` ends its lease (renewed while it works). A user's next update is
-- claimed only once the one before is done, so one person's updates are handled in order,
-- whichever process received them; an update whose process died is claimed again when its
-- lease ends.
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN claimed_until TEXT;

-- Deliveries are claimed the same way by the delivery worker of one process at a time.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until TEXT;

-- What the bot remembers of a user between two updates (a wizard's answers so far, where
-- the wizard is), so that the next update can be handled by another process. Erased with
-- the user (/forgetme, retention), pruned once idle for a day.
CREATE TABLE user_sessions (
    user_id     INTEGER PRIMARY KEY,
    state       BLOB    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX user_sessions_updated ON user_sessions (updated_at);

-- Telegram's sending budget (about 30 messages a second for the bot token), shared by every
-- process: the moment (seconds since the epoch, by the database's clock) from which the next
-- message may go. Each process takes slots by moving it forward.
CREATE TABLE send_budget (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    next_slot  REAL    NOT NULL
);
INSERT INTO send_budget (id, next_slot) VALUES (1, 0);
