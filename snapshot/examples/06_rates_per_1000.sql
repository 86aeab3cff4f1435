-- Placements per 1,000 youths per municipality and calendar year, all ages
-- (age band 0-23; population_rates also has 0-3, 4-11, 12-17 and 18-23):
-- the denominator from CBS where population_cbs holds the municipality
-- and year, else the youths known to JGZ (denominator_source says which),
-- with the municipality's name from the codebook.
SELECT r.calendar_year,
       r.gemeente,
       c.label_nl AS gemeente_naam,
       r.denominator_source,
       r.placements,
       r.youths,
       round(r.placements_per_1000, 2) AS placements_per_1000
FROM population_rates r
LEFT JOIN codebook c ON c.code_list = 'gemeente' AND c.code = r.gemeente
WHERE r.age_band = '0-23'
ORDER BY r.calendar_year, r.gemeente;
