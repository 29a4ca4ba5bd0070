-- Issue 16. The partners of a letter: organisations that share it with their own networks through
-- their link (/petitions/{slug}?ref=CODE). A sign-on records the code it came through (ref); a
-- coordinator limited to one partner (coordinator_petitions.partner_code) sees only those sign-ons.
-- The code is kept on a sign-on as text, so deleting a partner leaves its sign-ons' attribution.
CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 32 AND code NOT GLOB '*[^a-z0-9-]*'),
    name TEXT NOT NULL,
    website TEXT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (petition_id, code)
) STRICT;

ALTER TABLE signatures ADD COLUMN ref TEXT NULL;
CREATE INDEX signatures_by_ref ON signatures (petition_id, ref) WHERE ref IS NOT NULL;

-- NULL: the coordinator acts on the whole letter; a code: only on the sign-ons that partner brought.
ALTER TABLE coordinator_petitions ADD COLUMN partner_code TEXT NULL;
