-- Urgent notices (a session cancelled) sent as Telegram's paid broadcasts: faster than the
-- 30 messages a second, 0.1 Star a message from the bot's balance, within the operator's
-- budget (PAID_BROADCAST_STARS). 1: this campaign's messages are sent paid.
ALTER TABLE campaigns ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
