-- PostgreSQL twin of ../0004_indexes.sql: the purge's check by organisation, and the export's walk
-- of a letter in id order. SQLite keeps an index's equal keys in rowid order; PostgreSQL's btree
-- does not keep them in id order, so id is in the key.
CREATE INDEX signatures_by_organisation ON signatures (organisation_id);
CREATE INDEX signatures_by_petition ON signatures (petition_id, id);
