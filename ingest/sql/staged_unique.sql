-- The staged rows of a delivery as its upsert reads them, when no natural
-- key occurs twice in the file (repeats.sql): every row is its key's last
-- line. {{table}} comes from a contract, never from input.
CREATE OR REPLACE TEMP VIEW staged_{{table}} AS
SELECT * FROM staging_{{table}};
