-- Participant profiles, collected with consent at the first registration.
ALTER TABLE users ADD COLUMN full_name TEXT;
ALTER TABLE users ADD COLUMN country TEXT;            -- ISO 3166-1 alpha-2
ALTER TABLE users ADD COLUMN city TEXT;
ALTER TABLE users ADD COLUMN organization TEXT;
ALTER TABLE users ADD COLUMN role TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN consent_at TEXT;         -- when the privacy notice was accepted

-- Arrival order on a waitlist: a strictly increasing number given inside the write
-- transaction, so two sign-ups in the same second still keep their order.
ALTER TABLE registrations ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE registrations SET seq = registration_id;
CREATE INDEX registrations_queue ON registrations (event_id, status, seq);

-- What remains of a user who asked to be forgotten: counts only, for the statistics.
CREATE TABLE forgotten_registrations (
    event_id  BIGINT NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    status    TEXT    NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (event_id, status)
);
