-- Issue 14. How a letter's coordinators hear of sign-ons to review: 'each' (an email per sign-on,
-- as before) or 'daily' (one digest a day).
ALTER TABLE petitions ADD COLUMN review_alerts TEXT NOT NULL DEFAULT 'each' CHECK (review_alerts IN ('each', 'daily'));

-- One row per letter per day whose digest was sent: the node that inserts it (in the transaction
-- that queues the digest) sends it, and any other node finds the key taken and sends nothing.
-- due_at is the moment the digest was for: the next digest counts what is new since then.
CREATE TABLE review_digests (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    day TEXT NOT NULL,
    due_at TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    node TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    PRIMARY KEY (petition_id, day)
) STRICT;
