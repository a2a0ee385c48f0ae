-- Participants and organizers who have written to the bot.
-- Times are ISO 8601 strings in UTC ("2026-11-28T09:00:00+00:00").
CREATE TABLE users (
    user_id            INTEGER PRIMARY KEY,          -- Telegram user id
    first_name         TEXT    NOT NULL DEFAULT '',
    last_name          TEXT,
    username           TEXT,
    telegram_language  TEXT,                         -- language_code of the client, as sent
    language           TEXT,                         -- chosen language; NULL until picked
    timezone           TEXT,                         -- IANA zone; NULL until set
    is_active          INTEGER NOT NULL DEFAULT 1,   -- 0 once the user blocked the bot
    blocked_at         TEXT,
    created_at         TEXT    NOT NULL,
    last_seen_at       TEXT    NOT NULL
);

CREATE INDEX users_language ON users (language);
CREATE INDEX users_active ON users (is_active);

-- What organizers did, for accountability.
CREATE TABLE admin_audit (
    id          INTEGER PRIMARY KEY,
    admin_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
);
