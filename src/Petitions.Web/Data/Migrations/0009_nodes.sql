-- Several nodes on one database (PostgreSQL only): which node holds an outbox row's lease, and the
-- index that lets old rate-limit windows be deleted without a scan. On SQLite (one node) the column
-- stays empty and the table too; they are here so both databases have the same shape.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NULL;

CREATE INDEX rate_windows_by_start ON rate_windows (window_start);
