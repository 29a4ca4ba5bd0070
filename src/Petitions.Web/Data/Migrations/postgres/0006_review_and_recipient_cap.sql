-- PostgreSQL twin of ../0006_review_and_recipient_cap.sql: a letter's review setting, kept in step
-- with the contract's requires_review boolean, and the outbox counted by recipient.
ALTER TABLE petitions ADD COLUMN review text NOT NULL DEFAULT 'flagged' CHECK (review IN ('none', 'flagged', 'all'));
UPDATE petitions SET review = 'all' WHERE requires_review;

CREATE FUNCTION petitions_requires_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.requires_review <> (NEW.review = 'all') THEN
        NEW.review := CASE WHEN NEW.requires_review THEN 'all' ELSE 'flagged' END;
    END IF;
    RETURN NEW;
END;
$$;

-- BEFORE rather than SQLite's AFTER: PostgreSQL can set the row's own column without a second UPDATE.
CREATE TRIGGER petitions_requires_review BEFORE UPDATE OF requires_review ON petitions
FOR EACH ROW EXECUTE FUNCTION petitions_requires_review();

-- The cap reads a recipient's emails of the last 24 hours, whatever the case of the address.
CREATE INDEX outbox_by_recipient ON outbox (lower(to_address), created_at);
