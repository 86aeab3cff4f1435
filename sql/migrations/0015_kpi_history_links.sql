-- 0015: the link flags of every placed youth as the KPI history last saw
-- them. A youth's first row in toegang, or in JGZ or verzuim, turns the
-- linked_* flags of every placement of the youth, however old; telling
-- that from delivery ids failed where a delivery repeats rows an earlier
-- one held (a re-delivered row takes the new delivery's id), and then a
-- monthly increment at national scale recomputed every month (BENCHMARKS.md,
-- change 20). Comparing the flags themselves is exact. The pipeline's own
-- record, like kpi_history_state: the snapshot leaves it out.
CREATE TABLE IF NOT EXISTS kpi_history_links (
    research_id           VARCHAR NOT NULL,
    linked_toegang        BOOLEAN NOT NULL,
    linked_signal_sources BOOLEAN NOT NULL
);
COMMENT ON TABLE kpi_history_links IS 'The link flags of every placed youth when kpi_history was last refreshed (placement_link), to find the placements whose flags changed since.';
COMMENT ON COLUMN kpi_history_links.research_id IS 'Pseudonymous research id of a placed youth.';
COMMENT ON COLUMN kpi_history_links.linked_toegang IS 'The youth had a toegang row.';
COMMENT ON COLUMN kpi_history_links.linked_signal_sources IS 'The youth had a JGZ or verzuim row.';
