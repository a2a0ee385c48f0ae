-- Whose update each pending row is, so that erasing a person (/forgetme, retention) also
-- empties the updates of theirs not yet handled. Once handled, an update keeps neither its
-- content nor its sender: only its id, to recognise a redelivery.
ALTER TABLE inbox ADD COLUMN user_id INTEGER;
CREATE INDEX inbox_user ON inbox (user_id) WHERE user_id IS NOT NULL;
UPDATE inbox SET payload = '' WHERE done_at IS NOT NULL;
