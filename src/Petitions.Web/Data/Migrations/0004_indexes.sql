-- Found by scripts/bench: deleting an organisation (the purge) checks signatures by organisation_id,
-- which no index led with, so each check read every signature; and the export's ORDER BY id within
-- a letter sorted the whole letter before its first row. An index on petition_id alone keeps rows in
-- id order within a letter, so the export can stream at once.
CREATE INDEX signatures_by_organisation ON signatures (organisation_id);
CREATE INDEX signatures_by_petition ON signatures (petition_id);
