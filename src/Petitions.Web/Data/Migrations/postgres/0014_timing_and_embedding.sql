-- PostgreSQL twin of ../0014_timing_and_embedding.sql: a letter's opening time, the time its list of
-- names is published, and the origins that may frame its sign-on form (a JSON array).
ALTER TABLE petitions ADD COLUMN opens_at text;
ALTER TABLE petitions ADD COLUMN list_published_at text;
ALTER TABLE petitions ADD COLUMN embed_origins text NOT NULL DEFAULT '[]';
