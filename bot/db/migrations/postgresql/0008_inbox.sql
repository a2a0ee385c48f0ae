-- Updates from Telegram, stored before Telegram is told they arrived (the next getUpdates
-- offset), and marked done once handled: a crash in between loses nothing; on start the bot
-- finishes what is stored and not done. Done rows are kept a day, then pruned.
CREATE TABLE inbox (
    update_id    BIGINT PRIMARY KEY,
    payload      TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    done_at      TEXT
);
CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
CREATE INDEX inbox_done ON inbox (done_at) WHERE done_at IS NOT NULL;
