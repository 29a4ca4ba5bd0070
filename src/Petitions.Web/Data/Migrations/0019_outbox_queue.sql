-- The outbox's indexes by status hold only the rows that are looked up by it: those waiting to be
-- sent (the dispatcher's claim, in its order) and those that failed (a letter's console). A sent
-- message, nearly every row, is then in neither, and marking one sent writes two index entries fewer.
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (due_at, id) WHERE status = 'pending';
DROP INDEX outbox_failed;
CREATE INDEX outbox_failed ON outbox (petition_id) WHERE status = 'failed';
