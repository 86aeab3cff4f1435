-- The link flags of every placed youth now, computed once per refresh:
-- links.sql compares them with those the history last saw, and the
-- refresh then keeps them as those (kpi_history_links). placement_link
-- reads toegang, jgz and verzuim whole; computing it twice was a third of
-- a monthly increment at national scale (BENCHMARKS.md, change 23).
CREATE OR REPLACE TEMP TABLE kpi_links_now AS
SELECT DISTINCT research_id, linked_toegang, linked_signal_sources FROM placement_link;
