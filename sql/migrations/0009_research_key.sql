-- 0009: the fingerprint of the research key a database was filled with.
-- An ingest under another key would give every youth a second research id
-- and break the links between sources without a word; with the
-- fingerprint stored, ingest refuses the other key before anything lands.
-- The first ingest that lands writes it (for a database made before this
-- migration: the first ingest after it). It is the pipeline's own record,
-- like job_runs: the research snapshot leaves it out.

CREATE TABLE research_key_fingerprint (
    singleton   BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    fingerprint VARCHAR NOT NULL CHECK (length(fingerprint) = 64),
    recorded_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE research_key_fingerprint IS 'At most one row: the fingerprint of the research key this database was filled with. Ingest refuses a key with another fingerprint, so that a youth never gets two research ids. Not the key, and no way to compute research ids. Operations data: not in the research snapshot.';
COMMENT ON COLUMN research_key_fingerprint.singleton IS 'Always true; the primary key that keeps the table to one row.';
COMMENT ON COLUMN research_key_fingerprint.fingerprint IS 'Lowercase hex HMAC-SHA256(research key, ''zothuis research key fingerprint v1''): 64 characters.';
COMMENT ON COLUMN research_key_fingerprint.recorded_at IS 'When the first delivery under this key landed (for a database made before schema version 9: the first delivery after it).';
