-- Issue 16. Preview links of a letter: a co-sponsor reads (and may sign) the letter before it opens.
-- Only the token's SHA-256 is kept: the link is shown once, when it is made. A revoked link stays
-- listed, with its time of revocation.
CREATE TABLE petition_previews (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    label TEXT NOT NULL,
    hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT NULL
) STRICT;

CREATE INDEX petition_previews_by_petition ON petition_previews (petition_id);
