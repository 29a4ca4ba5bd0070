-- Issue 15. A letter is written in a source language and may be translated. Each translation has
-- its own versions, and says which version of the source it translates: older than the letter's
-- version, it is out of date. Only a published translation is shown to readers.
ALTER TABLE petitions ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

CREATE TABLE petition_translations (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    language TEXT NOT NULL,
    version INTEGER NOT NULL,
    source_version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    title TEXT NOT NULL,
    addressee TEXT NOT NULL,
    place TEXT NOT NULL,
    body TEXT NOT NULL,
    demand_groups TEXT NOT NULL,
    footnotes TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (petition_id, language)
) STRICT;

-- Every version of a translation's text, as signatories saw it (signatures.translation_version).
CREATE TABLE petition_translation_versions (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    language TEXT NOT NULL,
    version INTEGER NOT NULL,
    source_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    addressee TEXT NOT NULL,
    place TEXT NOT NULL,
    body TEXT NOT NULL,
    demand_groups TEXT NOT NULL,
    footnotes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (petition_id, language, version)
) STRICT;

-- The language a sign-on was made in (its emails are in it), and, when the letter was read in a
-- translation, that translation's version. NULL: made before languages, or imported.
ALTER TABLE signatures ADD COLUMN language TEXT NULL;
ALTER TABLE signatures ADD COLUMN translation_version INTEGER NULL;
