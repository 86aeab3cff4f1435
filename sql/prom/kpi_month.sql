-- The latest report month of the KPI history (NULL while it is empty):
-- the month the published KPI metrics are for.
SELECT max(month) FROM kpi_history;
