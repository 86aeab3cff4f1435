-- The report months the KPI history holds.
SELECT min(month), max(month) FROM kpi_history;
