-- Upsert a staged JZ+ delivery ($1 = delivery_id); see upsert_jgz.sql.
-- The key (aanbieder, plaatsing_id) has no date to narrow the table's
-- rows by: the join looks at the whole table, a placement per row.
--
-- First the history (jzplus_history): a placement whose open version
-- differs from the delivered row in any value gets that version closed
-- at the delivery's received_at, then every delivered placement without
-- an open version (new, or just closed) gets one. A row delivered
-- unchanged adds nothing. The staged code columns are ENUMs, hence the
-- casts to compare them with the table's text.
UPDATE jzplus_history SET valid_to = (SELECT received_at FROM deliveries WHERE delivery_id = $1::BIGINT)
FROM staged_jzplus s
WHERE jzplus_history.aanbieder = s.aanbieder AND jzplus_history.plaatsing_id = s.plaatsing_id
  AND jzplus_history.valid_to IS NULL
  AND (jzplus_history.research_id IS DISTINCT FROM s.research_id
    OR jzplus_history.gemeente IS DISTINCT FROM s.gemeente
    OR jzplus_history.machtiging IS DISTINCT FROM CAST(s.machtiging AS VARCHAR)
    OR jzplus_history.machtigingsdatum IS DISTINCT FROM s.machtigingsdatum
    OR jzplus_history.startdatum IS DISTINCT FROM s.startdatum
    OR jzplus_history.einddatum IS DISTINCT FROM s.einddatum
    OR jzplus_history.reden_einde IS DISTINCT FROM CAST(s.reden_einde AS VARCHAR)
    OR jzplus_history.perspectief_onderwijs IS DISTINCT FROM CAST(s.perspectief_onderwijs AS VARCHAR)
    OR jzplus_history.perspectief_wonen IS DISTINCT FROM CAST(s.perspectief_wonen AS VARCHAR));
INSERT INTO jzplus_history (placement_key, aanbieder, plaatsing_id, research_id, gemeente, machtiging, machtigingsdatum,
        startdatum, einddatum, reden_einde, perspectief_onderwijs, perspectief_wonen, delivery_id, valid_from, valid_to)
SELECT left(md5(s.aanbieder || chr(31) || s.plaatsing_id), 16), s.aanbieder, s.plaatsing_id, s.research_id, s.gemeente,
       s.machtiging, s.machtigingsdatum, s.startdatum, s.einddatum, s.reden_einde, s.perspectief_onderwijs, s.perspectief_wonen,
       $1::BIGINT, (SELECT received_at FROM deliveries WHERE delivery_id = $1::BIGINT), NULL
FROM staged_jzplus s
WHERE NOT EXISTS (SELECT 1 FROM jzplus_history h
                  WHERE h.aanbieder = s.aanbieder AND h.plaatsing_id = s.plaatsing_id AND h.valid_to IS NULL);
MERGE INTO jzplus USING staged_jzplus s
ON jzplus.aanbieder = s.aanbieder AND jzplus.plaatsing_id = s.plaatsing_id
WHEN MATCHED THEN UPDATE SET
    research_id = s.research_id,
    gemeente = s.gemeente,
    machtiging = s.machtiging,
    machtigingsdatum = s.machtigingsdatum,
    startdatum = s.startdatum,
    einddatum = s.einddatum,
    reden_einde = s.reden_einde,
    perspectief_onderwijs = s.perspectief_onderwijs,
    perspectief_wonen = s.perspectief_wonen,
    delivery_id = $1::BIGINT
WHEN NOT MATCHED THEN INSERT (plaatsing_id, aanbieder, research_id, gemeente, machtiging, machtigingsdatum, startdatum, einddatum,
        reden_einde, perspectief_onderwijs, perspectief_wonen, delivery_id)
    VALUES (s.plaatsing_id, s.aanbieder, s.research_id, s.gemeente, s.machtiging, s.machtigingsdatum, s.startdatum, s.einddatum,
        s.reden_einde, s.perspectief_onderwijs, s.perspectief_wonen, $1::BIGINT);
