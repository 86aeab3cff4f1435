-- 0016: a youth's first row in a source no longer makes every month of
-- the KPI history dirty: the two linkage counts of the months that are
-- not computed again are updated by difference (kpi/sql/links.sql;
-- BENCHMARKS.md, change 22). The comments say so; the tables are as they
-- were. Comments only, so running it again changes nothing.
COMMENT ON TABLE kpi_history IS 'Every KPI, count and flow figure for every report month from the first complete 12-month window to the latest complete month, for area all (the configured regions), each region, each configured municipality, and outside (municipalities no region lists); person-level exact figures, not disclosure-controlled. Brought up to date whenever deliveries land and each month: the months the new deliveries can change are computed again; in the others a youth''s first row in a source updates the linked_toegang and linked_signal_sources counts of the youth''s placements by difference. Either way the figures are those of computing every month anew. kpi_history.kpi defines each figure; the placement view holds the per-placement flag behind each ratio, with the date of the event behind it.';
COMMENT ON TABLE kpi_history_links IS 'The link flags of every placed youth when kpi_history was last refreshed (placement_link): the linkage counts of the placements whose flags changed since are updated by difference.';
