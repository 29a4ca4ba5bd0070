-- PostgreSQL twin of ../0019_outbox_queue.sql: the status indexes hold only pending and failed rows.
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (due_at, id) WHERE status = 'pending';
DROP INDEX outbox_failed;
CREATE INDEX outbox_failed ON outbox (petition_id) WHERE status = 'failed';
-- Room on each page for a row's new version: a claim (its lease and node, neither indexed) is then
-- a heap-only update, with no index entry written, instead of a new copy of the row elsewhere.
ALTER TABLE outbox SET (fillfactor = 50);
