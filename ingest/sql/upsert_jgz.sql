-- Upsert a staged JGZ delivery ($1 = delivery_id). Within one file the
-- last line wins (staged_jgz holds one row per key: staged.sql or, when
-- no key repeats, staged_unique.sql); across files the latest delivery
-- wins.
--
-- One MERGE, run in the file's transaction after the statements that set
-- the staged key range. Statements end with ';' at the end of a line, and
-- those with $1 get the delivery id, the others no arguments. Rows whose
-- key the table holds are updated in place, the others inserted. This is
-- INSERT OR REPLACE without a primary-key index (migration 0005 dropped
-- it: BENCHMARKS.md): the natural key stays unique because this statement
-- is its only writer, one file at a time. One MERGE joins the staged rows
-- with the table once; an UPDATE and an INSERT … ANTI JOIN did it twice
-- (BENCHMARKS.md, change 13).
--
-- The join looks at the table's rows within the staged date range only
-- (the key's date lies in it whenever keys match, so the result is the
-- same): as constants from getvariable the bounds become a table filter
-- that skips row groups by their min/max, and the join no longer builds
-- its hash table over the whole table, the cost that grew with every
-- delivery (BENCHMARKS.md, change 6).
SET VARIABLE ingest_key_from = (SELECT min(contactdatum) FROM staging_jgz);
SET VARIABLE ingest_key_to = (SELECT max(contactdatum) FROM staging_jgz);
MERGE INTO jgz USING staged_jgz s
ON jgz.research_id = s.research_id AND jgz.contactdatum = s.contactdatum AND jgz.signaal = s.signaal
    AND jgz.contactdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
WHEN MATCHED THEN UPDATE SET
    geboortemaand = s.geboortemaand,
    geslacht = s.geslacht,
    gemeente = s.gemeente,
    delivery_id = $1::BIGINT
WHEN NOT MATCHED THEN INSERT (research_id, geboortemaand, geslacht, gemeente, contactdatum, signaal, delivery_id)
    VALUES (s.research_id, s.geboortemaand, s.geslacht, s.gemeente, s.contactdatum, s.signaal, $1::BIGINT);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
