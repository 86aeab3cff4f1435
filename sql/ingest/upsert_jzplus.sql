-- Upsert a staged JZ+ delivery ($1 = delivery_id); see upsert_jgz.sql.
UPDATE jzplus SET
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
FROM staged_jzplus s
WHERE jzplus.aanbieder = s.aanbieder AND jzplus.plaatsing_id = s.plaatsing_id;
INSERT INTO jzplus BY NAME
SELECT * EXCLUDE (line), $1::BIGINT AS delivery_id
FROM staged_jzplus ANTI JOIN jzplus USING (aanbieder, plaatsing_id);
