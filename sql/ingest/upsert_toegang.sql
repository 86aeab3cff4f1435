-- Upsert a staged toegang delivery ($1 = delivery_id); see upsert_jgz.sql.
INSERT OR REPLACE INTO toegang BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_toegang
QUALIFY row_number() OVER (PARTITION BY research_id, datum, gebeurtenis ORDER BY line DESC) = 1;
