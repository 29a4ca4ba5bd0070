-- Issue 16. A letter may open at a set time (before it only coordinators and preview links see it),
-- keep its list of names back until a set time (the count is public), and name the origins that
-- may frame its sign-on form. embed_origins is a JSON array of origins such as "https://example.org".
ALTER TABLE petitions ADD COLUMN opens_at TEXT;
ALTER TABLE petitions ADD COLUMN list_published_at TEXT;
ALTER TABLE petitions ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '[]';
