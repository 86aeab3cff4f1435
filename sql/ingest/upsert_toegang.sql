-- Upsert a staged toegang delivery ($1 = delivery_id); see upsert_jgz.sql.
UPDATE toegang SET
    gemeente = s.gemeente,
    jongere_aanwezig = s.jongere_aanwezig,
    gedeeld = s.gedeeld,
    productcategorie = s.productcategorie,
    delivery_id = $1::BIGINT
FROM (
    SELECT * FROM staging_toegang
    QUALIFY row_number() OVER (PARTITION BY research_id, datum, gebeurtenis ORDER BY line DESC) = 1
) s
WHERE toegang.research_id = s.research_id AND toegang.datum = s.datum AND toegang.gebeurtenis = s.gebeurtenis;
INSERT INTO toegang BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staging_toegang ANTI JOIN toegang USING (research_id, datum, gebeurtenis)
QUALIFY row_number() OVER (PARTITION BY research_id, datum, gebeurtenis ORDER BY line DESC) = 1;
