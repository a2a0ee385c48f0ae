-- The version of an event that its calendar files carry (iCalendar's SEQUENCE). It goes up
-- whenever the start, the duration, a title, the join link or the status changes, so that a
-- calendar which has the event replaces it with a newer file instead of keeping the old time.
-- Files given before this column existed said SEQUENCE 0: every event starts there.
ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
