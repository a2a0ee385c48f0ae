-- Broadcasts scheduled for later (issue 14). A campaign with `send_at` and no `queued_at`
-- waits: when `send_at` has come, the delivery worker queues its deliveries for the audience
-- as it is at that moment and records `queued_at` (so "everyone" means everyone then). Both
-- NULL: queued when it was created, as every campaign before this migration. A waiting
-- campaign cancelled before it went keeps `queued_at` NULL and has no deliveries.
-- (Columns, not a new status: SQLite cannot change the CHECK on `status` in place.)
ALTER TABLE campaigns ADD COLUMN send_at TEXT;
ALTER TABLE campaigns ADD COLUMN queued_at TEXT;
CREATE INDEX campaigns_waiting ON campaigns (send_at)
    WHERE send_at IS NOT NULL AND queued_at IS NULL AND status = 'running';
