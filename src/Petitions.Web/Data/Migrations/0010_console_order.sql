-- The coordinators' console shows a letter 50 rows at a time, newest first or by name, however long
-- the letter: each order needs an index it can walk from a cursor. The name's loose key (accents and
-- case ignored) is copied onto the signature because an index cannot reach across the join.
ALTER TABLE signatures ADD COLUMN sort_name TEXT NULL;
UPDATE signatures SET sort_name = (SELECT o.loose_key FROM organisations o WHERE o.id = signatures.organisation_id);
CREATE INDEX signatures_by_signed_at ON signatures (petition_id, signed_at, id);
CREATE INDEX signatures_by_sort_name ON signatures (petition_id, sort_name, id);
