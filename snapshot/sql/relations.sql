-- The tables and views of a research snapshot that its Parquet export
-- holds: everything in the main schema but the migration log.
SELECT table_name
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND table_schema = 'main'
  AND table_name <> 'schema_migrations'
ORDER BY table_name;
