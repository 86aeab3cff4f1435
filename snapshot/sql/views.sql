-- The views of a research snapshot with their text, by name: the Parquet
-- export computes the views that other views read once.
SELECT view_name, sql
FROM duckdb_views()
WHERE database_name = current_database()
  AND schema_name = 'main'
  AND NOT internal
ORDER BY view_name;
