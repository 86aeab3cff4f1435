-- The fingerprint of the research key the database was filled with; no row
-- when nothing has landed under a fingerprinted key yet.
SELECT fingerprint FROM research_key_fingerprint;
