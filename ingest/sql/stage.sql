-- The staging table of a delivery: the source table's columns without
-- delivery_id, plus the source line. {{table}} is a contract's table name,
-- substituted by the ingest package from a fixed list, never from input.
CREATE OR REPLACE TEMP TABLE staging_{{table}} AS
SELECT * EXCLUDE (delivery_id), 0::BIGINT AS line FROM main.{{table}} LIMIT 0;
