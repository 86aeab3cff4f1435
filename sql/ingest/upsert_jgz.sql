-- Upsert a staged JGZ delivery ($1 = delivery_id). Within one file the
-- last line wins; across files the latest delivery wins.
INSERT OR REPLACE INTO jgz BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_jgz
QUALIFY row_number() OVER (PARTITION BY research_id, contactdatum, signaal ORDER BY line DESC) = 1;
