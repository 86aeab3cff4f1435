-- Every KPI and count of SPEC section 4 for the report months from $1 to
-- $2 (first days of months), for every area: all (every placement of a
-- municipality that a configured region lists), each configured region,
-- each configured municipality, and outside (the placements of
-- municipalities that no region lists, for raw output only). Every area
-- has every row every month, whatever its counts. The caller deletes those
-- months first, in the same transaction.
INSERT INTO kpi_history BY NAME
WITH
months AS (
    SELECT CAST(m AS DATE) AS month,
           CAST(m - INTERVAL 11 MONTH AS DATE) AS window_start,
           CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS window_end,
           -- the window one year earlier, for readmitted_365
           CAST(m - INTERVAL 23 MONTH AS DATE) AS prior_start,
           CAST(m - INTERVAL 11 MONTH - INTERVAL 1 DAY AS DATE) AS prior_end
    FROM generate_series(CAST($1 AS TIMESTAMP), CAST($2 AS TIMESTAMP), INTERVAL 1 MONTH) AS g(m)
),
-- The timeline once: the view is a join over every source table, and each
-- area level below would otherwise compute it again (BENCHMARKS.md).
-- readmitted: the same youth started another placement in the 365 days
-- after this one's einddatum (day 1 to day 365; a start on the einddatum
-- itself is a transfer, not a readmission).
timeline AS MATERIALIZED (
    SELECT t.*,
           t.startdatum - t.machtigingsdatum AS wait_days,
           t.einddatum IS NOT NULL AND EXISTS (
               SELECT 1 FROM jzplus q
               WHERE q.research_id = t.research_id
                 AND q.startdatum BETWEEN t.einddatum + 1 AND t.einddatum + 365
           ) AS readmitted
    FROM placement_timeline t
),
-- Each placement once under each area it counts in.
area_placements AS (
    SELECT 'total' AS area_type, 'all' AS area, * FROM timeline WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'region' AS area_type, region AS area, * FROM timeline WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'gemeente' AS area_type, gemeente AS area, * FROM timeline WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'outside' AS area_type, 'outside' AS area, * FROM timeline WHERE region IS NULL
),
-- Only the columns the KPIs read: a placement is here once per month and
-- area it counts in, so at national scale this is the largest set the
-- query holds (BENCHMARKS.md, change 16).
started AS (
    SELECT m.month, a.area_type, a.area, a.plaatsing_id, a.research_id, a.startdatum, a.first_signal_date,
           a.wait_days,
           a.spoed, a.va_coverage, a.va_timely, a.ambulant_before, a.beraad_with_youth,
           a.perspective_education, a.perspective_housing, a.early_signal,
           a.linked_toegang, a.linked_signal_sources
    FROM months m JOIN area_placements a ON a.startdatum BETWEEN m.window_start AND m.window_end
),
ended AS (
    SELECT m.month, a.area_type, a.area, a.stay_days
    FROM months m JOIN area_placements a ON a.einddatum BETWEEN m.window_start AND m.window_end
),
ended_prior AS (
    SELECT m.month, a.area_type, a.area,
           count(*) AS prior_outflow,
           count(*) FILTER (WHERE a.readmitted) AS readmitted
    FROM months m JOIN area_placements a ON a.einddatum BETWEEN m.prior_start AND m.prior_end
    GROUP BY ALL
),
-- In care on the last day of the report month: counted once per youth,
-- however many placements of the youth overlap that day.
in_care AS (
    SELECT m.month, a.area_type, a.area, count(DISTINCT a.research_id) AS occupancy
    FROM months m JOIN area_placements a
      ON a.startdatum <= m.window_end AND (a.einddatum IS NULL OR a.einddatum >= m.window_end)
    GROUP BY ALL
),
area_list AS (
    SELECT m.month, x.area_type, x.area
    FROM months m, (
        SELECT 'total' AS area_type, 'all' AS area
        UNION SELECT 'region', region FROM regions
        UNION SELECT 'gemeente', gemeente FROM regions
        UNION SELECT 'outside', 'outside'
    ) x
),
flags AS (
    SELECT l.month, l.area_type, l.area,
           count(s.plaatsing_id) AS placements,
           count(DISTINCT s.research_id) AS youths,
           count(s.plaatsing_id) FILTER (WHERE s.spoed) AS spoed_share,
           count(s.plaatsing_id) FILTER (WHERE s.va_coverage) AS va_coverage,
           count(s.plaatsing_id) FILTER (WHERE s.va_timely) AS va_timely,
           count(s.plaatsing_id) FILTER (WHERE s.ambulant_before) AS ambulant_before,
           count(s.plaatsing_id) FILTER (WHERE s.beraad_with_youth) AS beraad_with_youth,
           count(s.plaatsing_id) FILTER (WHERE s.perspective_education) AS perspective_education,
           count(s.plaatsing_id) FILTER (WHERE s.perspective_housing) AS perspective_housing,
           count(s.plaatsing_id) FILTER (WHERE s.early_signal) AS early_signal,
           count(s.plaatsing_id) FILTER (WHERE s.linked_toegang) AS linked_toegang,
           count(s.plaatsing_id) FILTER (WHERE s.linked_signal_sources) AS linked_signal_sources,
           median(s.startdatum - s.first_signal_date) AS median_signal_days,
           count(s.first_signal_date) AS signal_values,
           median(s.wait_days) AS median_wait_days,
           count(s.wait_days) AS wait_values
    FROM area_list l
    LEFT JOIN started s USING (month, area_type, area)
    GROUP BY l.month, l.area_type, l.area
),
replaced AS (
    SELECT month, area_type, area, count(*) AS youths_replaced
    FROM (
        SELECT month, area_type, area, research_id
        FROM started
        GROUP BY month, area_type, area, research_id
        HAVING count(*) >= 2
    )
    GROUP BY month, area_type, area
),
stays AS (
    SELECT month, area_type, area, median(stay_days) AS median_stay_days,
           count(stay_days) AS stay_values, count(*) AS outflow
    FROM ended
    GROUP BY month, area_type, area
),
ratios AS (
    UNPIVOT (
        SELECT month, area_type, area, placements,
               spoed_share, va_coverage, va_timely, ambulant_before, beraad_with_youth,
               perspective_education, perspective_housing, early_signal,
               linked_toegang, linked_signal_sources
        FROM flags
    )
    ON spoed_share, va_coverage, va_timely, ambulant_before, beraad_with_youth,
       perspective_education, perspective_housing, early_signal,
       linked_toegang, linked_signal_sources
    INTO NAME kpi VALUE numerator
),
rows AS (
    SELECT month, kpi, area_type, area, numerator, placements AS denominator,
           CASE WHEN placements > 0 THEN numerator / placements END AS value,
           placements AS n_values
    FROM ratios
    UNION ALL BY NAME
    SELECT month, 'placements' AS kpi, area_type, area, placements AS value, placements AS n_values FROM flags
    UNION ALL BY NAME
    SELECT month, 'youths' AS kpi, area_type, area, youths AS value, placements AS n_values FROM flags
    UNION ALL BY NAME
    SELECT f.month, 'youths_replaced' AS kpi, f.area_type, f.area,
           coalesce(r.youths_replaced, 0) AS value, f.placements AS n_values
    FROM flags f LEFT JOIN replaced r USING (month, area_type, area)
    UNION ALL BY NAME
    SELECT f.month, 'median_stay_days' AS kpi, f.area_type, f.area,
           s.median_stay_days AS value, coalesce(s.stay_values, 0) AS n_values
    FROM flags f LEFT JOIN stays s USING (month, area_type, area)
    UNION ALL BY NAME
    SELECT month, 'median_signal_days' AS kpi, area_type, area,
           median_signal_days AS value, signal_values AS n_values
    FROM flags
    UNION ALL BY NAME
    SELECT f.month, 'outflow' AS kpi, f.area_type, f.area,
           coalesce(s.outflow, 0) AS value, coalesce(s.outflow, 0) AS n_values
    FROM flags f LEFT JOIN stays s USING (month, area_type, area)
    UNION ALL BY NAME
    SELECT f.month, 'occupancy' AS kpi, f.area_type, f.area,
           coalesce(c.occupancy, 0) AS value, coalesce(c.occupancy, 0) AS n_values
    FROM flags f LEFT JOIN in_care c USING (month, area_type, area)
    UNION ALL BY NAME
    SELECT month, 'median_wait_days' AS kpi, area_type, area,
           median_wait_days AS value, wait_values AS n_values
    FROM flags
    UNION ALL BY NAME
    SELECT f.month, 'readmitted_365' AS kpi, f.area_type, f.area,
           coalesce(e.readmitted, 0) AS numerator, coalesce(e.prior_outflow, 0) AS denominator,
           CASE WHEN e.prior_outflow > 0 THEN e.readmitted / e.prior_outflow END AS value,
           coalesce(e.prior_outflow, 0) AS n_values
    FROM flags f LEFT JOIN ended_prior e USING (month, area_type, area)
)
SELECT r.month, m.window_start, m.window_end, r.kpi, r.area_type, r.area,
       r.numerator, r.denominator, CAST(r.value AS DOUBLE) AS value, r.n_values
FROM rows r JOIN months m USING (month);
