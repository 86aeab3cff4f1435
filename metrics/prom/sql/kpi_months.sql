-- The first and the latest report month of the KPI history (NULL while it
-- is empty): the metrics publish the latest month, and the glide paths
-- start from what the first one published.
SELECT min(month), max(month) FROM kpi_history;
