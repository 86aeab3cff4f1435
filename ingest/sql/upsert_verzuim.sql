-- Upsert a staged verzuim delivery ($1 = delivery_id); see upsert_jgz.sql.
SET VARIABLE ingest_key_from = (SELECT min(meldingsdatum) FROM staging_verzuim);
SET VARIABLE ingest_key_to = (SELECT max(meldingsdatum) FROM staging_verzuim);
MERGE INTO verzuim USING staged_verzuim s
ON verzuim.research_id = s.research_id AND verzuim.meldingsdatum = s.meldingsdatum AND verzuim.verzuimsoort = s.verzuimsoort
    AND verzuim.meldingsdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
WHEN MATCHED THEN UPDATE SET
    geboortemaand = s.geboortemaand,
    gemeente = s.gemeente,
    startdatum = s.startdatum,
    einddatum = s.einddatum,
    delivery_id = $1::BIGINT
WHEN NOT MATCHED THEN INSERT (research_id, geboortemaand, gemeente, meldingsdatum, verzuimsoort, startdatum, einddatum, delivery_id)
    VALUES (s.research_id, s.geboortemaand, s.gemeente, s.meldingsdatum, s.verzuimsoort, s.startdatum, s.einddatum, $1::BIGINT);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
