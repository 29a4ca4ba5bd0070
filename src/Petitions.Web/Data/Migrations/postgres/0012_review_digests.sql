-- PostgreSQL twin of ../0010_review_digests.sql: each letter's choice of review alerts, and one row
-- per letter per day whose digest was sent, its key claimed by the node that sends it.
ALTER TABLE petitions ADD COLUMN review_alerts text NOT NULL DEFAULT 'each' CHECK (review_alerts IN ('each', 'daily'));

CREATE TABLE review_digests (
    petition_id bigint NOT NULL REFERENCES petitions (id),
    day text NOT NULL,
    due_at text NOT NULL,
    sent_at text NOT NULL,
    node text NOT NULL,
    recipients integer NOT NULL,
    PRIMARY KEY (petition_id, day)
);
