-- Per source kind: delivery files refused whole.
SELECT source, count(*) AS files FROM refusals GROUP BY source ORDER BY source;
