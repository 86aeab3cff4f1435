-- One report month of the KPI history ($1: first day of the month).
SELECT month, window_start, window_end, kpi, area_type, area,
       numerator, denominator, value, n_values
FROM kpi_history
WHERE month = CAST($1 AS DATE);
