-- The glide path of each KPI for area all in report month $1, with the
-- denominator of the first window it starts from: the glide path passes
-- through that window's exact value, so it may only be published where
-- that value could be.
SELECT p.kpi, p.glide_path, s.denominator AS start_denominator
FROM kpi_progress p
JOIN kpi_history s
  ON s.kpi = p.kpi AND s.area_type = p.area_type AND s.area = p.area
 AND s.month = (SELECT min(month) FROM kpi_history)
WHERE p.month = $1 AND p.area_type = 'total' AND p.area = 'all'
  AND p.glide_path IS NOT NULL
ORDER BY p.kpi;
