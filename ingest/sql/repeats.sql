-- Does a natural key occur on more than one line of the staged delivery?
-- Only then must the upsert pick each key's last line (staged.sql); a
-- source's file nearly never repeats a key, and the window that picks
-- costs more than this count (BENCHMARKS.md). {{table}} and {{key}} (the
-- table's natural-key columns) come from a contract, never from input.
SELECT count(*) <> count(DISTINCT ({{key}})) FROM staging_{{table}};
