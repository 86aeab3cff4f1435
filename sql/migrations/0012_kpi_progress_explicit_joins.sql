-- 0012: kpi_progress with its joins written so that the view's text, as
-- DuckDB renders it, means what the view means.
--
-- DuckDB keeps a view as a parsed query and renders it back as text in
-- duckdb_views().sql. It rendered 0003's "kpi_history h CROSS JOIN first
-- f LEFT JOIN kpi_targets t USING (kpi)" as "kpi_history AS h , first AS
-- f LEFT JOIN …", where the comma binds last, so the LEFT JOIN's left
-- side became f alone: the text no longer binds. The research snapshot
-- recreates its views from that text (to give them the snapshot's column
-- types, which DuckDB 1.1 clients check), so every view's text must mean
-- the view. The first complete month is now a scalar subquery and every
-- join an explicit one; the result is the same.
CREATE OR REPLACE VIEW kpi_progress AS
WITH start AS (
    SELECT h.kpi, h.area_type, h.area, h.value AS start_value
    FROM kpi_history h
    WHERE h.month = (SELECT min(month) FROM kpi_history)
),
history AS (
    SELECT h.*, (SELECT min(month) FROM kpi_history) AS first_month
    FROM kpi_history h
)
SELECT
    h.* EXCLUDE (first_month),
    t.target,
    CASE
        WHEN t.target IS NULL OR s.start_value IS NULL THEN NULL
        WHEN h.month >= t.target_month THEN t.target
        ELSE s.start_value + (t.target - s.start_value)
             * datediff('month', h.first_month, h.month) / datediff('month', h.first_month, t.target_month)
    END AS glide_path
FROM history h
LEFT JOIN kpi_targets t ON t.kpi = h.kpi
LEFT JOIN start s ON s.kpi = h.kpi AND s.area_type = h.area_type AND s.area = h.area;

COMMENT ON VIEW kpi_progress IS 'kpi_history with the 2027 target and the glide path: a straight line from the value of the first complete window (per KPI and area) to the target in the target month.';
COMMENT ON COLUMN kpi_progress.month IS 'Report month (first day).';
COMMENT ON COLUMN kpi_progress.window_start IS 'First day of the window.';
COMMENT ON COLUMN kpi_progress.window_end IS 'Last day of the window.';
COMMENT ON COLUMN kpi_progress.kpi IS 'KPI id.';
COMMENT ON COLUMN kpi_progress.area_type IS 'total, region, gemeente or outside.';
COMMENT ON COLUMN kpi_progress.area IS 'all, a region key, a CBS municipality code, or outside.';
COMMENT ON COLUMN kpi_progress.numerator IS 'As kpi_history.numerator.';
COMMENT ON COLUMN kpi_progress.denominator IS 'As kpi_history.denominator.';
COMMENT ON COLUMN kpi_progress.value IS 'As kpi_history.value.';
COMMENT ON COLUMN kpi_progress.n_values IS 'As kpi_history.n_values.';
COMMENT ON COLUMN kpi_progress.target IS 'The 2027 target; NULL for counts and descriptive KPIs.';
COMMENT ON COLUMN kpi_progress.glide_path IS 'Where the KPI should be this month on the straight line to its target.';
