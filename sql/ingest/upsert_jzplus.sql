-- Upsert a staged JZ+ delivery ($1 = delivery_id); see upsert_jgz.sql.
-- The key (aanbieder, plaatsing_id) has no date to narrow the table's
-- rows by: the join looks at the whole table, a placement per row.
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
