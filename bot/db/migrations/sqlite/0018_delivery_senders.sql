-- The deliveries claimed now, by process: how many processes send deliveries at this moment
-- (each one's send scheduler owes deliveries its part of their share of Telegram's budget,
-- not the whole share). A claim on a pending row lasts while its batch is being sent.
CREATE INDEX deliveries_claimed ON deliveries (claimed_until)
    WHERE status = 'pending' AND claimed_by IS NOT NULL;
