-- Issue 12. A letter's review setting: 'none' lists a sign-on when confirmed (a name that looks like
-- a link still goes to review), 'flagged' (the default) reviews a sign-on with any flag, such as
-- domain-mismatch, and 'all' reviews every one. A letter that reviewed everything keeps doing so;
-- the others now review flagged sign-ons, which they did not for a domain mismatch before.
ALTER TABLE petitions ADD COLUMN review TEXT NOT NULL DEFAULT 'flagged' CHECK (review IN ('none', 'flagged', 'all'));
UPDATE petitions SET review = 'all' WHERE requires_review = 1;

-- requires_review stays, as the contract's boolean (review = 'all'); the store writes both. Anything
-- that still writes only requires_review (an older script) moves review with it.
CREATE TRIGGER petitions_requires_review AFTER UPDATE OF requires_review ON petitions
WHEN NEW.requires_review <> (NEW.review = 'all')
BEGIN
    UPDATE petitions SET review = CASE WHEN NEW.requires_review = 1 THEN 'all' ELSE 'flagged' END WHERE id = NEW.id;
END;

-- No address receives more than 5 sign-on emails a day, whatever the letter: the sign-on counts the
-- outbox rows to its address over the last 24 hours, in its own transaction.
CREATE INDEX outbox_by_recipient ON outbox (to_address COLLATE NOCASE, created_at);
