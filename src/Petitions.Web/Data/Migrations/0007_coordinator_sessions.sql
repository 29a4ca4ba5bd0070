-- Coordinator sessions held on the server, so sign-out and revocation end a saved cookie too; API
-- tokens that expire and can be named by a prefix; coordinators who can be removed while the
-- history keeps their id.

CREATE TABLE coordinator_sessions (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the random session id that only the (encrypted) cookie carries
    hash BLOB NOT NULL UNIQUE,
    coordinator_id INTEGER NOT NULL REFERENCES coordinators (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- How long the session has been in use up to last_seen_at, counting only the clock's forward
    -- steps: a clock set back does not buy a session more than its 12 hours.
    age_ms INTEGER NOT NULL DEFAULT 0,
    revoked_at TEXT NULL
) STRICT;

CREATE INDEX coordinator_sessions_by_coordinator ON coordinator_sessions (coordinator_id);

-- The first 8 characters of the token (48 of its 256 bits), for `coordinators revoke PREFIX`.
ALTER TABLE api_tokens ADD COLUMN prefix TEXT NULL;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NULL;
-- Tokens issued before expiry existed get the default lifetime, counted from their issue.
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S', created_at, '+365 days') || substr(created_at, 20);
CREATE INDEX api_tokens_by_prefix ON api_tokens (prefix);
CREATE INDEX api_tokens_by_coordinator ON api_tokens (coordinator_id);

ALTER TABLE coordinators ADD COLUMN removed_at TEXT NULL;

-- Sign-in links are counted per coordinator over the last 15 minutes.
CREATE INDEX tokens_by_subject ON tokens (subject_id, purpose, created_at) WHERE subject_id IS NOT NULL;
