-- Broadcasts are numbered on their own (#1 is the first broadcast, whatever reminders and
-- notices were queued before it): campaign ids are shared by every kind of campaign.
ALTER TABLE campaigns ADD COLUMN number INTEGER;
UPDATE campaigns SET number = (
    SELECT COUNT(*) FROM campaigns AS earlier
    WHERE earlier.kind = campaigns.kind AND earlier.campaign_id <= campaigns.campaign_id
);
CREATE UNIQUE INDEX campaigns_kind_number ON campaigns (kind, number);
