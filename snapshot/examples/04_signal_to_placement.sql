-- Time from the first signal (a JGZ signal, a school absence report or a
-- registration with the access team, in the 730 days before the start)
-- to the placement, per calendar year of the start: quartiles in days,
-- over the placements that had such a signal, separately for placements
-- whose look-back lay inside every source's coverage.
SELECT year(startdatum) AS calendar_year,
       lookback_complete,
       count(*) AS placements,
       count(first_signal_date) AS with_signal,
       quantile_cont(signal_days, 0.25) AS q1_days,
       median(signal_days) AS median_days,
       quantile_cont(signal_days, 0.75) AS q3_days
FROM placement
GROUP BY ALL
ORDER BY calendar_year, lookback_complete;
