-- The programme: webinars and training courses, their texts per language, and sign-ups.
CREATE TABLE events (
    event_id          INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,       -- letters, digits, - and _; used in deep links
    topic             TEXT    NOT NULL,
    starts_at         TEXT    NOT NULL,              -- UTC, ISO 8601
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes > 0),
    capacity          INTEGER CHECK (capacity IS NULL OR capacity >= 0),  -- NULL: unlimited
    language          TEXT    NOT NULL,              -- language of delivery
    join_url          TEXT    NOT NULL DEFAULT '',
    title             TEXT    NOT NULL,              -- default title, when none in the reader's language
    description       TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);

CREATE INDEX events_upcoming ON events (status, starts_at);
CREATE INDEX events_topic ON events (topic, status, starts_at);

CREATE TABLE event_texts (
    event_id     INTEGER NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    language     TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, language)
) WITHOUT ROWID;

CREATE TABLE registrations (
    registration_id  INTEGER PRIMARY KEY,           -- also the order of arrival on a waitlist
    event_id         INTEGER NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (user_id),
    status           TEXT    NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    UNIQUE (event_id, user_id)
);

CREATE INDEX registrations_event_status ON registrations (event_id, status);
CREATE INDEX registrations_user ON registrations (user_id, status);
