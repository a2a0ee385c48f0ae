-- An organizer's search of registrants (/registrants, the dashboard) ignores accents too:
-- "jose" finds "José", "munoz" finds "Muñoz". `fold` (bot/db/search_text.py, a function the
-- bot's connections define) drops combining marks now; the stored column is folded again.
UPDATE users SET search_text = fold(COALESCE(full_name, '') || char(10) || COALESCE(email, ''))
WHERE full_name IS NOT NULL OR email IS NOT NULL;
