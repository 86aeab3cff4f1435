-- Per source kind: files landed, rows accepted and quarantined in all,
-- and when the last delivery that accepted any row landed.
SELECT source,
       count(*) AS files,
       coalesce(sum(rows_accepted), 0) AS rows_accepted,
       coalesce(sum(rows_quarantined), 0) AS rows_quarantined,
       max(received_at) FILTER (WHERE rows_accepted > 0) AS last_accepted
FROM deliveries
GROUP BY source
ORDER BY source;
