-- The first report month whose 12-month window the data covers: eleven
-- months after the month of the earliest placement start. NULL when there
-- are no placements.
SELECT CAST(date_trunc('month', min(startdatum)) + INTERVAL 11 MONTH AS DATE) FROM jzplus;
