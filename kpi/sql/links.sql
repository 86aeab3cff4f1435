-- The linked_toegang and linked_signal_sources counts of the report months
-- the history keeps, brought up to date for the placed youths whose link
-- flags changed since the history last saw them (kpi_history_links; the
-- flags now are kpi_links_now, links_now.sql): a youth's first row in
-- toegang, or in JGZ or verzuim, whatever its date, turns the flag of
-- every placement of the youth. Both KPIs are counts over the placements
-- started in a month's window, so each such placement adds its change (+1
-- or -1) to the twelve months whose window holds its start, in each area
-- it counts in (as history.sql assigns them); the value is numerator /
-- denominator again, as history.sql computes it. Runs before the months
-- dirty.sql names are recomputed: a placement whose own record changed
-- counts only in months those recompute, so its start and municipality
-- here are those the history used.
UPDATE kpi_history h
SET numerator = h.numerator + d.delta,
    value = CAST(CASE WHEN h.denominator > 0 THEN (h.numerator + d.delta) / h.denominator END AS DOUBLE)
FROM (
    WITH changed AS (
        SELECT n.research_id,
               CAST(n.linked_toegang AS BIGINT) - CAST(o.linked_toegang AS BIGINT) AS d_toegang,
               CAST(n.linked_signal_sources AS BIGINT) - CAST(o.linked_signal_sources AS BIGINT) AS d_signal
        FROM kpi_links_now n
        JOIN kpi_history_links o USING (research_id)
        WHERE n.linked_toegang <> o.linked_toegang
           OR n.linked_signal_sources <> o.linked_signal_sources
    ),
    placed AS (
        SELECT p.startdatum, p.gemeente, r.region, c.d_toegang, c.d_signal
        FROM jzplus p
        JOIN changed c USING (research_id)
        LEFT JOIN regions r USING (gemeente)
        WHERE p.startdatum IS NOT NULL
    ),
    areas AS (
        SELECT 'total' AS area_type, 'all' AS area, startdatum, d_toegang, d_signal FROM placed WHERE region IS NOT NULL
        UNION ALL
        SELECT 'region', region, startdatum, d_toegang, d_signal FROM placed WHERE region IS NOT NULL
        UNION ALL
        SELECT 'gemeente', gemeente, startdatum, d_toegang, d_signal FROM placed WHERE region IS NOT NULL
        UNION ALL
        SELECT 'outside', 'outside', startdatum, d_toegang, d_signal FROM placed WHERE region IS NULL
    ),
    months AS (
        SELECT CAST(date_trunc('month', a.startdatum) + to_months(CAST(k AS INTEGER)) AS DATE) AS month,
               a.area_type, a.area, a.d_toegang, a.d_signal
        FROM areas a, range(12) AS r(k)
    )
    SELECT month, area_type, area, 'linked_toegang' AS kpi, CAST(sum(d_toegang) AS BIGINT) AS delta
    FROM months GROUP BY month, area_type, area HAVING sum(d_toegang) <> 0
    UNION ALL
    SELECT month, area_type, area, 'linked_signal_sources', CAST(sum(d_signal) AS BIGINT)
    FROM months GROUP BY month, area_type, area HAVING sum(d_signal) <> 0
) d
WHERE h.month = d.month AND h.kpi = d.kpi AND h.area_type = d.area_type AND h.area = d.area;
