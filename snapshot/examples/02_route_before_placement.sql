-- The klantroute before a placement: the access team's events in the
-- 730 days up to and including the start of each placement, in order,
-- and how often each route occurs. Only placements whose toegang
-- look-back is complete: before the access team's data starts, an empty
-- route says nothing.
WITH routes AS (
    SELECT p.placement_key,
           count(t.datum) AS events,
           coalesce(string_agg(CAST(t.gebeurtenis AS VARCHAR), ' > ' ORDER BY t.datum, t.gebeurtenis), '(geen)') AS route,
           p.startdatum - min(t.datum) AS days_from_first_event
    FROM placement p
    LEFT JOIN toegang t
      ON t.research_id = p.research_id AND t.datum BETWEEN p.startdatum - 730 AND p.startdatum
    WHERE p.toegang_lookback_complete
    GROUP BY p.placement_key, p.startdatum
)
SELECT route,
       count(*) AS placements,
       round(100 * count(*) / sum(count(*)) OVER (), 1) AS percent,
       median(days_from_first_event) AS median_days_from_first_event
FROM routes
GROUP BY route
ORDER BY placements DESC, route
LIMIT 20;
