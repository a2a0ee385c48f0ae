-- What an organizer's search of registrants compares with (/registrants CODE words): a
-- person's profile name and email, folded (NFKC, then case folding, in Python:
-- bot/db/search_text.py) so that any script's case and full-width forms match. Kept up to
-- date where the profile is written (bot/db/users.py).
ALTER TABLE users ADD COLUMN search_text TEXT;
