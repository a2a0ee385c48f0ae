-- Organizers added in chat by an owner (the owners are ADMIN_IDS, in the settings): for the
-- whole programme (event_id NULL) or for chosen events, one row per grant. A person whose
-- rows are all removed is a participant again. Not tied to `users`: an owner may name
-- someone by user id before they first write to the bot.
CREATE TABLE organizers (
    user_id    INTEGER NOT NULL,
    event_id   INTEGER REFERENCES events (event_id) ON DELETE CASCADE,  -- NULL: the whole programme
    added_by   INTEGER NOT NULL,
    added_at   TEXT    NOT NULL
);

CREATE UNIQUE INDEX organizers_grant ON organizers (user_id, IFNULL(event_id, 0));
