-- Upsert a staged verzuim delivery ($1 = delivery_id); see upsert_jgz.sql.
INSERT OR REPLACE INTO verzuim BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_verzuim
QUALIFY row_number() OVER (PARTITION BY research_id, meldingsdatum, verzuimsoort ORDER BY line DESC) = 1;
