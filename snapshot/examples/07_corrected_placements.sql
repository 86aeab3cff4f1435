-- Placements whose delivered record changed: every version from
-- jzplus_history, with the delivery that carried it, for the placements
-- that had more than one version that differ in authorisation,
-- perspective or ending (a machtiging corrected from spoed to regulier,
-- a perspective that changed, an ending that was added).
WITH changed AS (
    SELECT placement_key
    FROM jzplus_history
    GROUP BY placement_key
    HAVING count(DISTINCT (machtiging, perspectief_onderwijs, perspectief_wonen, einddatum, reden_einde)) > 1
)
SELECT h.placement_key, h.valid_from, h.valid_to, h.delivery_id,
       h.machtiging, h.perspectief_onderwijs, h.perspectief_wonen, h.einddatum, h.reden_einde
FROM jzplus_history h
JOIN changed USING (placement_key)
ORDER BY h.placement_key, h.valid_from
LIMIT 200;
