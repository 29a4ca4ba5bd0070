-- Issue 16. Updates to signatories: a sign-on may ask for news about the letter (its signer on the
-- signature, a further contact on its contact row); an address that unsubscribes from a letter's
-- updates is marked on every signature and contact of that letter that carries it.
ALTER TABLE signatures ADD COLUMN wants_updates INTEGER NOT NULL DEFAULT 0 CHECK (wants_updates IN (0, 1));
ALTER TABLE signatures ADD COLUMN updates_stopped_at TEXT NULL;
ALTER TABLE contacts ADD COLUMN wants_updates INTEGER NOT NULL DEFAULT 0 CHECK (wants_updates IN (0, 1));
ALTER TABLE contacts ADD COLUMN updates_stopped_at TEXT NULL;

-- An update as the coordinator wrote it: the source language's text here, the others in translations
-- (a JSON object of language to {subject, body}).
CREATE TABLE letter_updates (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    translations TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL
) STRICT;

CREATE INDEX letter_updates_by_petition ON letter_updates (petition_id, id);

-- One row per address an update went to: the signature or contact it was found on, the SHA-256 of its
-- unsubscribe token (the token is only in the email), and the outbox message that carries it.
CREATE TABLE letter_update_recipients (
    id INTEGER PRIMARY KEY,
    update_id INTEGER NOT NULL REFERENCES letter_updates (id),
    signature_id INTEGER NOT NULL,
    contact_id INTEGER NULL,
    token_hash BLOB NOT NULL UNIQUE,
    message_id TEXT NOT NULL
) STRICT;

CREATE INDEX letter_update_recipients_by_update ON letter_update_recipients (update_id);

-- The rate bound of updates, whatever the letter or node: the next free sending slot. The row is
-- locked by the transaction that queues an update, so two updates queued at once take turns. It is
-- written by the first update, not here: `copy` wants a new database without rows.
CREATE TABLE update_pacing (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_at TEXT NOT NULL
) STRICT;

-- The List-Unsubscribe address of a message (updates only): it holds a token, so it is cleared once sent.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT NULL;
