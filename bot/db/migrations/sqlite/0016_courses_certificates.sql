-- Training courses and certificates (issue 16).
--
-- A course groups sessions (events.course_id) under a code of its own, with its titles and
-- descriptions per language and the rule that completes it: attended at least
-- `required_sessions` of its sessions (NULL: all of those not cancelled), each attendance as
-- the attendance rules decide (check-in, a report, a mark by hand). Course codes and event
-- codes are one namespace (a deep link names either); the services keep them apart.
CREATE TABLE courses (
    course_id          INTEGER PRIMARY KEY,
    code               TEXT    NOT NULL UNIQUE,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL DEFAULT '',
    required_sessions  INTEGER CHECK (required_sessions IS NULL OR required_sessions > 0),
    single_sessions    INTEGER NOT NULL DEFAULT 1 CHECK (single_sessions IN (0, 1)),
    certificate        INTEGER NOT NULL DEFAULT 1 CHECK (certificate IN (0, 1)),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);

CREATE TABLE course_texts (
    course_id    INTEGER NOT NULL REFERENCES courses (course_id) ON DELETE CASCADE,
    language     TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (course_id, language)
) WITHOUT ROWID;

ALTER TABLE events ADD COLUMN course_id INTEGER REFERENCES courses (course_id) ON DELETE SET NULL;
-- A single session with a certificate of attendance of its own (a course's sessions have the
-- course's certificate instead).
ALTER TABLE events ADD COLUMN certificate INTEGER NOT NULL DEFAULT 0 CHECK (certificate IN (0, 1));
CREATE INDEX events_course ON events (course_id, starts_at) WHERE course_id IS NOT NULL;

-- The name as the participant confirmed it for printing, asked once before their first
-- certificate (NULL: not confirmed yet; the profile's name is offered).
ALTER TABLE users ADD COLUMN certificate_name TEXT;

-- Each certificate issued, for a course or for one event. What it certifies is kept as it was
-- printed (the holder's name, the dates, the hours), so that verifying it later says what the
-- paper says even if the programme changes. The code is printed and is in the verification
-- link. Revoked by an organizer: `revoked_at`; withdrawn at the holder's request (/forgetme):
-- `withdrawn_at`, and the name is erased (verification then says only that it was withdrawn).
CREATE TABLE certificates (
    certificate_id  INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    user_id         INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    course_id       INTEGER REFERENCES courses (course_id) ON DELETE CASCADE,
    event_id        INTEGER REFERENCES events (event_id) ON DELETE CASCADE,
    holder_name     TEXT    NOT NULL,
    first_day       TEXT    NOT NULL,   -- UTC start of the first session it covers
    last_day        TEXT    NOT NULL,   -- UTC end of the last one
    minutes         INTEGER NOT NULL CHECK (minutes >= 0),  -- of the sessions attended
    sessions        INTEGER NOT NULL CHECK (sessions >= 0),  -- how many were attended
    issued_at       TEXT    NOT NULL,
    issued_by       INTEGER,            -- NULL: by the completion rule; else the organizer
    reason          TEXT    NOT NULL DEFAULT '',  -- why an organizer issued it by hand
    revoked_at      TEXT,
    revoked_by      INTEGER,
    withdrawn_at    TEXT,
    CHECK ((course_id IS NULL) <> (event_id IS NULL))
);

-- One standing certificate per person and course or event; a revoked one may be followed
-- by a new one (with a new code).
CREATE UNIQUE INDEX certificates_standing
    ON certificates (user_id, IFNULL(course_id, 0), IFNULL(event_id, 0))
    WHERE user_id IS NOT NULL AND revoked_at IS NULL;
CREATE INDEX certificates_course ON certificates (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX certificates_event ON certificates (event_id) WHERE event_id IS NOT NULL;

-- What the running bot knows of its deployment that the command line needs: its username
-- (key 'bot_username', for the verification links printed by `python -m bot certificates`).
CREATE TABLE deployment (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
