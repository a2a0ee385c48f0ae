-- What an organizer's search of registrants compares with (/registrants CODE words): a
-- person's profile name and email, folded (NFKC, then case folding: `fold`, a function the
-- bot's connections define) so that any script's case and full-width forms match. Kept up
-- to date where the profile is written (bot/db/users.py).
ALTER TABLE users ADD COLUMN search_text TEXT;
UPDATE users SET search_text = fold(COALESCE(full_name, '') || char(10) || COALESCE(email, ''))
WHERE full_name IS NOT NULL OR email IS NOT NULL;
