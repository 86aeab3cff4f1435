-- Upsert a staged toegang delivery ($1 = delivery_id); see upsert_jgz.sql.
SET VARIABLE ingest_key_from = (SELECT min(datum) FROM staging_toegang);
SET VARIABLE ingest_key_to = (SELECT max(datum) FROM staging_toegang);
UPDATE toegang SET
    gemeente = s.gemeente,
    jongere_aanwezig = s.jongere_aanwezig,
    gedeeld = s.gedeeld,
    productcategorie = s.productcategorie,
    delivery_id = $1::BIGINT
FROM staged_toegang s
WHERE toegang.research_id = s.research_id AND toegang.datum = s.datum AND toegang.gebeurtenis = s.gebeurtenis
    AND toegang.datum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to');
INSERT INTO toegang BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staged_toegang ANTI JOIN (
    SELECT research_id, datum, gebeurtenis FROM toegang
    WHERE datum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
) existing USING (research_id, datum, gebeurtenis);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
