-- Sign-on: near-duplicate detection, further contacts of a signatory, one-time tokens, and the
-- outbox every email goes through (written in the transaction of the change that caused it).

ALTER TABLE organisations ADD COLUMN loose_key TEXT NULL;
CREATE INDEX organisations_loose ON organisations (loose_key);

-- A second person signing for an organisation already on the letter.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    signature_id INTEGER NOT NULL REFERENCES signatures (id),
    name TEXT NOT NULL,
    role TEXT NULL,
    email TEXT NOT NULL,
    consent_version TEXT NULL,
    consented_at TEXT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT NULL,
    UNIQUE (signature_id, email)
) STRICT;

-- Only the SHA-256 of a token is kept; the token itself exists only in the email.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'contact', 'withdraw', 'sign-in')),
    signature_id INTEGER NULL REFERENCES signatures (id),
    contact_id INTEGER NULL REFERENCES contacts (id),
    subject_id INTEGER NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NULL,
    voided_at TEXT NULL
) STRICT;

CREATE INDEX tokens_by_signature ON tokens (signature_id, purpose);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    petition_id INTEGER NULL REFERENCES petitions (id),
    signature_id INTEGER NULL REFERENCES signatures (id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The bodies hold one-time links: they are cleared once the message is sent.
    text_body TEXT NULL,
    html_body TEXT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    lease_until TEXT NULL,
    sent_at TEXT NULL,
    failed_at TEXT NULL,
    last_error TEXT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_by_signature ON outbox (signature_id);
