-- 0014: what the KPI history was last computed from, so that the next
-- refresh recomputes only the report months that the deliveries landed
-- since can change (issue 19: a monthly increment costs in proportion to
-- the month, not the history). One row, or none: no row means the next
-- refresh recomputes everything. It is the pipeline's own record, not
-- research data: the snapshot leaves it out, and a restore starts without
-- it.
CREATE TABLE IF NOT EXISTS kpi_history_state (
    through_delivery_id BIGINT NOT NULL,
    first_month         DATE NOT NULL,
    last_month          DATE NOT NULL,
    configuration       VARCHAR NOT NULL,
    computed_at         TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE kpi_history_state IS 'What kpi_history was last computed from: one row, or none (then the next refresh recomputes every month).';
COMMENT ON COLUMN kpi_history_state.through_delivery_id IS 'The highest delivery_id the history reflects; deliveries after it are what the next refresh looks at.';
COMMENT ON COLUMN kpi_history_state.first_month IS 'First report month of the history.';
COMMENT ON COLUMN kpi_history_state.last_month IS 'Last report month of the history.';
COMMENT ON COLUMN kpi_history_state.configuration IS 'The regions, targets and target month the history was computed with; another configuration recomputes everything.';
COMMENT ON COLUMN kpi_history_state.computed_at IS 'When the history was last refreshed.';

-- The history is no longer recomputed in full each time: its comment
-- says what it is now.
COMMENT ON TABLE kpi_history IS 'Every KPI, count and flow figure for every report month from the first complete 12-month window to the latest complete month, for area all (the configured regions), each region, each configured municipality, and outside (municipalities no region lists); person-level exact figures, not disclosure-controlled. Brought up to date whenever deliveries land and each month: the months the new deliveries can change are computed again, and give the same figures as computing every month anew. kpi_history.kpi defines each figure; the placement view holds the per-placement flag behind each ratio, with the date of the event behind it.';
