-- Upsert a staged verzuim delivery ($1 = delivery_id); see upsert_jgz.sql.
SET VARIABLE ingest_key_from = (SELECT min(meldingsdatum) FROM staging_verzuim);
SET VARIABLE ingest_key_to = (SELECT max(meldingsdatum) FROM staging_verzuim);
UPDATE verzuim SET
    geboortemaand = s.geboortemaand,
    gemeente = s.gemeente,
    startdatum = s.startdatum,
    einddatum = s.einddatum,
    delivery_id = $1::BIGINT
FROM staged_verzuim s
WHERE verzuim.research_id = s.research_id AND verzuim.meldingsdatum = s.meldingsdatum AND verzuim.verzuimsoort = s.verzuimsoort
    AND verzuim.meldingsdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to');
INSERT INTO verzuim BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staged_verzuim ANTI JOIN (
    SELECT research_id, meldingsdatum, verzuimsoort FROM verzuim
    WHERE meldingsdatum BETWEEN getvariable('ingest_key_from') AND getvariable('ingest_key_to')
) existing USING (research_id, meldingsdatum, verzuimsoort);
RESET VARIABLE ingest_key_from;
RESET VARIABLE ingest_key_to;
