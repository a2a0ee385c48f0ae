-- An organizer's search of registrants (/registrants, the dashboard) ignores accents too:
-- "jose" finds "José", "munoz" finds "Muñoz". `fold` (bot/db/search_text.py) drops combining
-- marks now; the stored column is folded again in Python right after this migration
-- (bot/db/postgres.py, AFTER_MIGRATION), PostgreSQL having no such function.
SELECT 1;
