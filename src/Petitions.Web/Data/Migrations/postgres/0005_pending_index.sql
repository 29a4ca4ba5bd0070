-- PostgreSQL twin of ../0005_pending_index.sql: the purge of unconfirmed sign-ons reads only the
-- pending ones.
CREATE INDEX signatures_pending ON signatures (signed_at) WHERE status = 'pending';
