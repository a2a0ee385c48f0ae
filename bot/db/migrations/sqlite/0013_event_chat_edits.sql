-- The fields of an event changed in chat (/editevent) since a programme file last set them,
-- by the programme file's column name (title, starts_at, join_url, title_fr...): a
-- re-import that would overwrite one says so before it is confirmed. An import that writes
-- the event (or finds the file agreeing with it) clears its marks. Who edited is in the
-- audit log; it is not repeated here, so erasing an organizer's id there is enough.
CREATE TABLE event_chat_edits (
    event_id   INTEGER NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    field      TEXT    NOT NULL,
    edited_at  TEXT    NOT NULL,
    PRIMARY KEY (event_id, field)
) WITHOUT ROWID;
