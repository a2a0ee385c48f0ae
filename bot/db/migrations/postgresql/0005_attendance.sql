-- Attendance, session codes, feedback.
CREATE TABLE attendance (
    event_id       BIGINT NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    method         TEXT    NOT NULL CHECK (method IN ('button', 'code', 'organizer', 'import')),
    checked_in_at  TEXT    NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- The code an organizer reads out during a session; typed by participants to check in.
CREATE TABLE checkin_codes (
    event_id    BIGINT PRIMARY KEY REFERENCES events (event_id) ON DELETE CASCADE,
    code        TEXT    NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  TEXT    NOT NULL
);

-- Wrong codes per user, to slow down guessing.
CREATE TABLE checkin_failures (
    user_id        BIGINT PRIMARY KEY,
    failures       BIGINT NOT NULL,
    first_failure  TEXT    NOT NULL,
    blocked_until  TEXT
);

CREATE TABLE feedback (
    event_id    BIGINT NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    rating      BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

CREATE INDEX attendance_user ON attendance (user_id);
