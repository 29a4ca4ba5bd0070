-- Coordinators: who may review, withdraw, export and edit which letters; their API tokens
-- (hashed); and the versions of a letter's text that organisations signed.

CREATE TABLE coordinators (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NULL,
    -- 1: every letter; 0: only the letters in coordinator_petitions
    all_petitions INTEGER NOT NULL DEFAULT 1 CHECK (all_petitions IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE coordinator_petitions (
    coordinator_id INTEGER NOT NULL REFERENCES coordinators (id),
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    PRIMARY KEY (coordinator_id, petition_id)
) STRICT;

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    coordinator_id INTEGER NOT NULL REFERENCES coordinators (id),
    hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT NULL
) STRICT;

-- The text of a letter as it stood at each version; signatures.petition_version points here.
CREATE TABLE petition_versions (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    addressee TEXT NOT NULL,
    place TEXT NOT NULL,
    date TEXT NULL,
    body TEXT NOT NULL,
    demand_groups TEXT NOT NULL,
    footnotes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (petition_id, version)
) STRICT;

CREATE INDEX outbox_failed ON outbox (petition_id, status);
