-- The tables and views of the working database that the research snapshot
-- exports to Parquet: everything in the main schema but the migration log
-- and the operations records ({{operations}}, which snapshot.go lists and
-- says why).
SELECT table_name
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND table_schema = 'main'
  AND table_name <> 'schema_migrations'
  AND table_name NOT IN ({{operations}})
ORDER BY table_name;
