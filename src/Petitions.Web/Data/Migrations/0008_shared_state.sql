-- State that several nodes on one database share. On SQLite (one node) these tables stay empty:
-- its key ring is a folder and its rate limits are the process's own.

-- The Data Protection key ring: a form served by one node posts to another, a cookie works on all.
CREATE TABLE data_protection_keys (
    name TEXT PRIMARY KEY,
    xml TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Fixed-window rate limits counted across nodes: one row per key and window.
CREATE TABLE rate_windows (
    key TEXT NOT NULL,
    window_start TEXT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) STRICT;

-- Erasure finds a person's rows by address, whatever its case.
CREATE INDEX contacts_by_email ON contacts (email COLLATE NOCASE);
CREATE INDEX signatures_by_contact_email ON signatures (contact_email COLLATE NOCASE);
