-- Upsert a staged JZ+ delivery ($1 = delivery_id); see upsert_jgz.sql.
INSERT OR REPLACE INTO jzplus BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_jzplus
QUALIFY row_number() OVER (PARTITION BY aanbieder, plaatsing_id ORDER BY line DESC) = 1;
