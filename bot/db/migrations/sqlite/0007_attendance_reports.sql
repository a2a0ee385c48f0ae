-- How long a participant must have been in a session to count as present, in minutes; NULL:
-- half of its duration.
ALTER TABLE events ADD COLUMN min_attendance_minutes INTEGER
    CHECK (min_attendance_minutes IS NULL OR min_attendance_minutes >= 0);

-- Each attendance report imported for a session. The latest one not undone is the one whose
-- marks stand (attendance rows with method 'import'); a new report replaces them, and undoing
-- it brings back the marks of the one before. Check-ins and marks by hand are never touched.
CREATE TABLE attendance_reports (
    report_id    INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    imported_by  INTEGER,
    imported_at  TEXT    NOT NULL,
    undone_at    TEXT
);
CREATE INDEX attendance_reports_event ON attendance_reports (event_id, report_id);

CREATE TABLE attendance_report_marks (
    report_id  INTEGER NOT NULL REFERENCES attendance_reports (report_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, user_id)
) WITHOUT ROWID;
CREATE INDEX attendance_report_marks_user ON attendance_report_marks (user_id);
