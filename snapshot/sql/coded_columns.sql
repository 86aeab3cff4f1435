-- The coded text columns of the snapshot's tables ($1: the snapshot's
-- database name) with the codes of their code list, sorted so that an
-- ENUM of them orders as the text did. Code list table.column types that
-- column of the source table and of the table that keeps the source's
-- versions (jzplus_history).
SELECT c.table_name, c.column_name, list(DISTINCT b.code ORDER BY b.code) AS codes
FROM duckdb_columns() c
JOIN codebook b ON b.code_list = regexp_replace(c.table_name, '_history$', '') || '.' || c.column_name
JOIN duckdb_tables() t
  ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
WHERE c.database_name = $1 AND c.schema_name = 'main' AND c.data_type = 'VARCHAR'
GROUP BY c.table_name, c.column_name
ORDER BY c.table_name, c.column_name;
