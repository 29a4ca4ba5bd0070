-- PostgreSQL twin of ../0008_shared_state.sql: the key ring and rate-limit windows the nodes share.

CREATE TABLE data_protection_keys (
    name text PRIMARY KEY,
    xml text NOT NULL,
    created_at text NOT NULL
);

CREATE TABLE rate_windows (
    key text NOT NULL,
    window_start text NOT NULL,
    hits bigint NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- SQLite's NOCASE by the same name, so `x = @y COLLATE NOCASE` in a query means the same on both
-- (an unquoted NOCASE is nocase here); it folds every script's case, where SQLite folds ASCII only.
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- The per-recipient email cap counts by address in that collation.
DROP INDEX outbox_by_recipient;
CREATE INDEX outbox_by_recipient ON outbox (to_address COLLATE nocase, created_at);
-- Erasure finds a person's rows by address, whatever its case.
CREATE INDEX contacts_by_email ON contacts (email COLLATE nocase);
CREATE INDEX signatures_by_contact_email ON signatures (contact_email COLLATE nocase);
