-- Every figure of kpi_history, recomputed from the placement view: for
-- each report month (the months kpi_history holds) and each area, the
-- same numerators, denominators and values, so that a study can change a
-- definition (a longer look-back, only placements whose look-back is
-- complete) starting from the published one.
--
-- A report month's window is the 12 calendar months ending with it.
-- Areas: all (every placement of a municipality that a region lists),
-- each region, each municipality of a region, and outside (municipalities
-- no region lists). Ratios are flags counted over the placements that
-- started in the window, to four decimals; readmitted_365 counts instead
-- the placements that ended in the window one year earlier. Medians are
-- exact, in days.
WITH
months AS (
    SELECT DISTINCT month,
           CAST(month - INTERVAL 11 MONTH AS DATE) AS window_start,
           CAST(month + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS window_end,
           CAST(month - INTERVAL 23 MONTH AS DATE) AS prior_start,
           CAST(month - INTERVAL 11 MONTH - INTERVAL 1 DAY AS DATE) AS prior_end
    FROM kpi_history
),
areas AS (
    SELECT 'total' AS area_type, 'all' AS area
    UNION SELECT 'region', region FROM regions
    UNION SELECT 'gemeente', gemeente FROM regions
    UNION SELECT 'outside', 'outside'
),
-- Each placement once under every area it counts in.
placed AS (
    SELECT 'total' AS area_type, 'all' AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'region' AS area_type, region AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'gemeente' AS area_type, gemeente AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME
    SELECT 'outside' AS area_type, 'outside' AS area, * FROM placement WHERE region IS NULL
),
grid AS (SELECT * FROM months, areas),
started AS (
    SELECT g.month, g.area_type, g.area,
           count(p.placement_key) AS placements,
           count(DISTINCT p.research_id) AS youths,
           count(p.placement_key) FILTER (WHERE p.spoed) AS spoed_share,
           count(p.placement_key) FILTER (WHERE p.va_coverage) AS va_coverage,
           count(p.placement_key) FILTER (WHERE p.va_timely) AS va_timely,
           count(p.placement_key) FILTER (WHERE p.ambulant_before) AS ambulant_before,
           count(p.placement_key) FILTER (WHERE p.beraad_with_youth) AS beraad_with_youth,
           count(p.placement_key) FILTER (WHERE p.perspective_education) AS perspective_education,
           count(p.placement_key) FILTER (WHERE p.perspective_housing) AS perspective_housing,
           count(p.placement_key) FILTER (WHERE p.early_signal) AS early_signal,
           count(p.placement_key) FILTER (WHERE p.linked_toegang) AS linked_toegang,
           count(p.placement_key) FILTER (WHERE p.linked_signal_sources) AS linked_signal_sources,
           median(p.signal_days) AS median_signal_days,
           median(p.wait_days) AS median_wait_days
    FROM grid g
    LEFT JOIN placed p
      ON p.area_type = g.area_type AND p.area = g.area AND p.startdatum BETWEEN g.window_start AND g.window_end
    GROUP BY g.month, g.area_type, g.area
),
replaced AS (
    SELECT month, area_type, area, count(*) AS youths_replaced
    FROM (
        SELECT g.month, g.area_type, g.area, p.research_id
        FROM grid g
        JOIN placed p
          ON p.area_type = g.area_type AND p.area = g.area AND p.startdatum BETWEEN g.window_start AND g.window_end
        GROUP BY ALL
        HAVING count(*) >= 2
    )
    GROUP BY ALL
),
ended AS (
    SELECT g.month, g.area_type, g.area,
           count(p.placement_key) AS outflow,
           median(p.stay_days) AS median_stay_days
    FROM grid g
    LEFT JOIN placed p
      ON p.area_type = g.area_type AND p.area = g.area AND p.einddatum BETWEEN g.window_start AND g.window_end
    GROUP BY g.month, g.area_type, g.area
),
ended_prior AS (
    SELECT g.month, g.area_type, g.area,
           count(p.placement_key) AS prior_outflow,
           count(p.placement_key) FILTER (WHERE p.readmitted_365) AS readmitted
    FROM grid g
    LEFT JOIN placed p
      ON p.area_type = g.area_type AND p.area = g.area AND p.einddatum BETWEEN g.prior_start AND g.prior_end
    GROUP BY g.month, g.area_type, g.area
),
in_care AS (
    SELECT g.month, g.area_type, g.area, count(DISTINCT p.research_id) AS occupancy
    FROM grid g
    LEFT JOIN placed p
      ON p.area_type = g.area_type AND p.area = g.area
     AND p.startdatum <= g.window_end AND (p.einddatum IS NULL OR p.einddatum >= g.window_end)
    GROUP BY g.month, g.area_type, g.area
),
ratios AS (
    UNPIVOT (
        SELECT month, area_type, area, placements, spoed_share, va_coverage, va_timely,
               ambulant_before, beraad_with_youth, perspective_education, perspective_housing,
               early_signal, linked_toegang, linked_signal_sources
        FROM started
    )
    ON spoed_share, va_coverage, va_timely, ambulant_before, beraad_with_youth,
       perspective_education, perspective_housing, early_signal, linked_toegang, linked_signal_sources
    INTO NAME kpi VALUE numerator
)
SELECT month, kpi, area_type, area, numerator, placements AS denominator,
       round(numerator / nullif(placements, 0), 4) AS value
FROM ratios
UNION ALL
SELECT month, 'readmitted_365', area_type, area, readmitted, prior_outflow,
       round(readmitted / nullif(prior_outflow, 0), 4)
FROM ended_prior
UNION ALL
SELECT s.month, x.kpi, s.area_type, s.area, NULL, NULL, x.value
FROM started s
LEFT JOIN replaced r USING (month, area_type, area)
LEFT JOIN ended e USING (month, area_type, area)
LEFT JOIN in_care c USING (month, area_type, area),
LATERAL (VALUES
    ('placements', CAST(s.placements AS DOUBLE)),
    ('youths', s.youths),
    ('youths_replaced', coalesce(r.youths_replaced, 0)),
    ('median_stay_days', e.median_stay_days),
    ('median_signal_days', s.median_signal_days),
    ('outflow', e.outflow),
    ('occupancy', c.occupancy),
    ('median_wait_days', s.median_wait_days)
) AS x(kpi, value)
ORDER BY month, kpi, area_type, area;
