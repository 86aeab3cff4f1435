-- Data quality per source for the dashboard, over the deliveries that
-- landed up to $1: the last delivery, how many deliveries, and the rows
-- accepted and kept in quarantine. A source that never delivered has a
-- row with a NULL last delivery.
SELECT s.source,
       max(d.received_at) AS last_delivery,
       count(d.delivery_id) AS deliveries,
       coalesce(sum(d.rows_accepted), 0) AS rows_accepted,
       coalesce(sum(d.rows_quarantined), 0) AS rows_quarantined
FROM (VALUES ('jgz'), ('verzuim'), ('toegang'), ('jzplus')) AS s(source)
LEFT JOIN deliveries d ON d.source = s.source AND d.received_at <= CAST($1 AS TIMESTAMPTZ)
GROUP BY s.source
ORDER BY CASE s.source WHEN 'jgz' THEN 1 WHEN 'verzuim' THEN 2 WHEN 'toegang' THEN 3 ELSE 4 END;
