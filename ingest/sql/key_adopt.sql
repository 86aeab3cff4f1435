-- The database takes the research key of the delivery landing now, inside
-- that delivery's transaction: a file that does not land records nothing.
INSERT INTO research_key_fingerprint (fingerprint, recorded_at)
VALUES ($1, $2);
