-- An organisation that withdrew, or was rejected, may sign the same letter again: a new signature
-- beside the old one, which keeps its history. Only one signature per organisation and letter may be
-- alive (pending, confirmed or listed) at a time.
DROP INDEX signatures_one_per_organisation;
CREATE UNIQUE INDEX signatures_one_alive_per_organisation ON signatures (petition_id, organisation_id)
    WHERE status NOT IN ('withdrawn', 'rejected');
CREATE INDEX signatures_by_letter_and_organisation ON signatures (petition_id, organisation_id);
