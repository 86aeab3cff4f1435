-- Upsert a staged toegang delivery ($1 = delivery_id); see upsert_jgz.sql.
SET VARIABLE ingest_key_from = (SELECT min(datum) FROM staging_toegang);
SET VARIABLE ingest_key_to = (SELECT max(datum) FROM staging_toegang);
MERGE INTO toegang USING staged_toegang s
ON toegang.research_id = s.research_id AND toegang.datum = s.datum AND toegang.gebeurtenis = s.gebeurtenis
    AND toegang.datum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
WHEN MATCHED THEN UPDATE SET
    gemeente = s.gemeente,
    jongere_aanwezig = s.jongere_aanwezig,
    gedeeld = s.gedeeld,
    productcategorie = s.productcategorie,
    delivery_id = $1::BIGINT
WHEN NOT MATCHED THEN INSERT (research_id, gemeente, datum, gebeurtenis, jongere_aanwezig, gedeeld, productcategorie, delivery_id)
    VALUES (s.research_id, s.gemeente, s.datum, s.gebeurtenis, s.jongere_aanwezig, s.gedeeld, s.productcategorie, $1::BIGINT);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
