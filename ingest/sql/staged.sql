-- The staged rows of a delivery as its upsert reads them, when a key
-- occurs on more than one line (repeats.sql): one row per natural key,
-- the last line of the file winning. {{table}} and {{key}} come from a
-- contract, never from input.
CREATE OR REPLACE TEMP VIEW staged_{{table}} AS
SELECT * FROM staging_{{table}}
QUALIFY row_number() OVER (PARTITION BY {{key}} ORDER BY line DESC) = 1;
