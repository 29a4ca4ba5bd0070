-- The purge of unconfirmed sign-ons looks for pending signatures only: on a letter of a million, a
-- scan of every signature (status leads no index) held up start-up. A partial index holds just the
-- pending ones, a few percent of a letter.
CREATE INDEX signatures_pending ON signatures (signed_at) WHERE status = 'pending';
