-- The report months the KPI history holds, oldest first.
SELECT DISTINCT month FROM kpi_history ORDER BY month;
