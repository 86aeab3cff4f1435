-- Upsert a staged JGZ delivery ($1 = delivery_id). Within one file the
-- last line wins; across files the latest delivery wins.
--
-- Two set-based statements, run in order in the file's transaction, each
-- with $1 (statements end with ';' at the end of a line): rows whose key
-- the table holds are updated in place, then the others are inserted.
-- This is INSERT OR REPLACE without a primary-key index (migration 0005
-- dropped it: BENCHMARKS.md): the natural key stays unique because these
-- statements are its only writer, one file at a time.
UPDATE jgz SET
    geboortemaand = s.geboortemaand,
    geslacht = s.geslacht,
    gemeente = s.gemeente,
    delivery_id = $1::BIGINT
FROM (
    SELECT * FROM staging_jgz
    QUALIFY row_number() OVER (PARTITION BY research_id, contactdatum, signaal ORDER BY line DESC) = 1
) s
WHERE jgz.research_id = s.research_id AND jgz.contactdatum = s.contactdatum AND jgz.signaal = s.signaal;
INSERT INTO jgz BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_jgz ANTI JOIN jgz USING (research_id, contactdatum, signaal)
QUALIFY row_number() OVER (PARTITION BY research_id, contactdatum, signaal ORDER BY line DESC) = 1;
