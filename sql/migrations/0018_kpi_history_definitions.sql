-- 0018: the KPI history is computed anew in full when the definitions of
-- its figures change, not only its configuration: kpi_history_state's
-- configuration now also holds the schema version (whose views define
-- the placement flags) and the SHA-256 of the history query (a new
-- release may change it without a migration). Before, a month the
-- deliveries did not touch kept the figures of the old definition. A
-- refresh with no delivery since the last computes only the months that
-- closed since. Comments only, so running it again changes nothing.
COMMENT ON COLUMN kpi_history_state.configuration IS 'What the history was computed with besides the data: the regions, targets and target month, the schema version and the SHA-256 of the history query; with any other, the next refresh computes every month anew.';
COMMENT ON TABLE kpi_history_state IS 'What kpi_history was last computed from: one row, or none (then the next refresh recomputes every month). A refresh recomputes the months that the deliveries landed since can change and those that closed since (only those when none landed), and every month when the configuration or the definitions differ.';
