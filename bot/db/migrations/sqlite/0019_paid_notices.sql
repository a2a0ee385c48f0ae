-- Urgent notices (a session cancelled) sent as Telegram's paid broadcasts: faster than the
-- 30 messages a second, 0.1 Star a message from the bot's balance, within the operator's
-- budget (PAID_BROADCAST_STARS). campaigns.paid 1: its messages are sent paid (set back to 0
-- when Telegram refuses to be paid: the rest goes at the usual pace); deliveries.paid 1: this
-- message went paid (it was charged). The budget spent: deliveries sent paid, and those still
-- to send of campaigns that pay.
ALTER TABLE campaigns ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
