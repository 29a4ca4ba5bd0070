-- PostgreSQL twin of ../0009_nodes.sql: the node holding an outbox row's lease (another node takes
-- it over once the lease has expired), and old rate-limit windows found by their start.
ALTER TABLE outbox ADD COLUMN claimed_by text NULL;

CREATE INDEX rate_windows_by_start ON rate_windows (window_start);
