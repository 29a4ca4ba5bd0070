-- PostgreSQL twin of ../0013_translations.sql: a letter's source language, its translations and
-- their versions, and the language and translation version of each sign-on.
ALTER TABLE petitions ADD COLUMN language text NOT NULL DEFAULT 'en';

CREATE TABLE petition_translations (
    petition_id bigint NOT NULL REFERENCES petitions (id),
    language text NOT NULL,
    version integer NOT NULL,
    source_version integer NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'published')),
    title text NOT NULL,
    addressee text NOT NULL,
    place text NOT NULL,
    body text NOT NULL,
    demand_groups text NOT NULL,
    footnotes text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (petition_id, language)
);

-- Every version of a translation's text, as signatories saw it (signatures.translation_version).
CREATE TABLE petition_translation_versions (
    petition_id bigint NOT NULL REFERENCES petitions (id),
    language text NOT NULL,
    version integer NOT NULL,
    source_version integer NOT NULL,
    title text NOT NULL,
    addressee text NOT NULL,
    place text NOT NULL,
    body text NOT NULL,
    demand_groups text NOT NULL,
    footnotes text NOT NULL,
    created_at text NOT NULL,
    actor text NOT NULL,
    PRIMARY KEY (petition_id, language, version)
);

-- The language a sign-on was made in (its emails are in it), and, when the letter was read in a
-- translation, that translation's version. NULL: made before languages, or imported.
ALTER TABLE signatures ADD COLUMN language text NULL;
ALTER TABLE signatures ADD COLUMN translation_version integer NULL;
