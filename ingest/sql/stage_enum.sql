-- A code column of a delivery's staging table becomes an ENUM of the
-- values it can hold after validation (the contract's codes). The Go
-- driver's appender copies every string through C three times (allocate,
-- assign, free) but writes an ENUM value as a small integer without
-- calling C; at national scale that was most of the appender's time
-- (BENCHMARKS.md). The source tables keep VARCHAR: the upsert casts.
-- {{table}} and {{column}} come from a contract, {{values}} from its
-- codes, never from input.
ALTER TABLE temp.staging_{{table}} ALTER COLUMN {{column}} SET DATA TYPE ENUM({{values}});
