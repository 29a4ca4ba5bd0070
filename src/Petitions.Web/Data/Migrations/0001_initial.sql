-- Letters, their structure, the organisations that sign them, and every change as an event.
-- Times are UTC ISO 8601 text; states are lowercase text guarded by CHECK constraints.

CREATE TABLE petitions (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    addressee TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    date TEXT NULL,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    requires_review INTEGER NOT NULL DEFAULT 0 CHECK (requires_review IN (0, 1)),
    closes_at TEXT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE demand_groups (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    lead TEXT NOT NULL,
    UNIQUE (petition_id, position)
) STRICT;

CREATE TABLE demands (
    id INTEGER PRIMARY KEY,
    demand_group_id INTEGER NOT NULL REFERENCES demand_groups (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (demand_group_id, position)
) STRICT;

CREATE TABLE footnotes (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (petition_id, number)
) STRICT;

-- An organisation is one signatory whatever spelling or Unicode form it signs with:
-- name_key is the normalised name (see Organisations/NameKey.cs).
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    city TEXT NULL,
    country TEXT NULL CHECK (country IS NULL OR (length(country) = 2 AND country = upper(country))),
    website TEXT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX organisations_identity ON organisations (name_key, ifnull(country, ''));

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'listed', 'rejected', 'withdrawn')),
    source TEXT NOT NULL CHECK (source IN ('form', 'api', 'import', 'seed')),
    -- space-separated, e.g. 'no-city domain-mismatch'
    flags TEXT NOT NULL DEFAULT '',
    contact_name TEXT NULL,
    contact_role TEXT NULL,
    contact_email TEXT NULL,
    website TEXT NULL,
    comment TEXT NULL,
    petition_version INTEGER NULL,
    consent_version TEXT NULL,
    consented_at TEXT NULL,
    signed_at TEXT NOT NULL,
    confirmed_at TEXT NULL,
    listed_at TEXT NULL,
    rejected_at TEXT NULL,
    rejection_reason TEXT NULL,
    withdrawn_at TEXT NULL,
    withdrawal_reason TEXT NULL
) STRICT;

-- One line per organisation on a letter.
CREATE UNIQUE INDEX signatures_one_per_organisation ON signatures (petition_id, organisation_id);
CREATE INDEX signatures_by_status ON signatures (petition_id, status, organisation_id);

-- The history of every change: who (system, seed, import, signatory, coordinator:ID), when, from, to, why.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    petition_id INTEGER NULL REFERENCES petitions (id),
    signature_id INTEGER NULL REFERENCES signatures (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT NULL,
    to_status TEXT NULL,
    reason TEXT NULL
) STRICT;

CREATE INDEX events_by_signature ON events (signature_id, id);
CREATE INDEX events_by_petition ON events (petition_id, id);
