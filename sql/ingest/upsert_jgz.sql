-- Upsert a staged JGZ delivery ($1 = delivery_id). Within one file the
-- last line wins (staged_jgz holds one row per key: staged.sql or, when
-- no key repeats, staged_unique.sql); across files the latest delivery
-- wins.
--
-- Two set-based statements, run in order in the file's transaction, with
-- $1 (statements end with ';' at the end of a line): rows whose key
-- the table holds are updated in place, then the others are inserted.
-- This is INSERT OR REPLACE without a primary-key index (migration 0005
-- dropped it: BENCHMARKS.md): the natural key stays unique because these
-- statements are its only writer, one file at a time.
--
-- Both statements look at the table's rows within the staged date range
-- only (the key's date lies in it whenever keys match, so the result is
-- the same): as constants from getvariable the bounds become a table
-- filter that skips row groups by their min/max, and the anti-join no
-- longer builds its hash table over the whole table, the cost that grew
-- with every delivery (BENCHMARKS.md, change 6). Statements without $1 run
-- without arguments.
SET VARIABLE ingest_key_from = (SELECT min(contactdatum) FROM staging_jgz);
SET VARIABLE ingest_key_to = (SELECT max(contactdatum) FROM staging_jgz);
UPDATE jgz SET
    geboortemaand = s.geboortemaand,
    geslacht = s.geslacht,
    gemeente = s.gemeente,
    delivery_id = $1::BIGINT
FROM staged_jgz s
WHERE jgz.research_id = s.research_id AND jgz.contactdatum = s.contactdatum AND jgz.signaal = s.signaal
    AND jgz.contactdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to');
INSERT INTO jgz BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staged_jgz ANTI JOIN (
    SELECT research_id, contactdatum, signaal FROM jgz
    WHERE contactdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
) existing USING (research_id, contactdatum, signaal);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
