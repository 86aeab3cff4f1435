-- 0008: the documentation of the KPI tables after disclosure control v2
-- and the flow figures of the afbouw (SPEC §2, §4). Area all now holds the
-- placements of the configured regions only; the placements of a
-- municipality no region lists are in area outside, not in all and not as
-- a municipality of their own. The KPI history gains outflow, occupancy,
-- median_wait_days and readmitted_365. It is recomputed in full on every
-- refresh, so only the comments change here.

COMMENT ON TABLE regions IS 'Which region each municipality belongs to, as configured when the KPI history was last computed. The placements of a municipality no region lists count in area outside only (area_type outside), not in all.';
COMMENT ON TABLE kpi_history IS 'Every KPI, count and flow figure of SPEC section 4 for every report month from the first complete 12-month window to the latest complete month, for area all (the configured regions), each region, each configured municipality, and outside (municipalities no region lists); person-level exact figures, not disclosure-controlled. Recomputed in full whenever deliveries land.';
COMMENT ON COLUMN kpi_history.kpi IS 'KPI id. Ratios (numerator / denominator): spoed_share, va_coverage, va_timely, ambulant_before, beraad_with_youth, perspective_education, perspective_housing, early_signal, linked_toegang, linked_signal_sources over the placements started in the window; readmitted_365 over the placements that ended in the window one year earlier (the same youth started another placement 1 to 365 days after einddatum). Counts: placements (inflow), youths, youths_replaced, outflow (placements whose einddatum falls in the window), occupancy (distinct youths in care on the last day of the report month). Medians in days: median_stay_days, median_signal_days, median_wait_days (startdatum - machtigingsdatum over the placements started in the window).';
COMMENT ON COLUMN kpi_history.area_type IS 'total (area all: the configured regions together), region, gemeente (a configured municipality) or outside (the placements of municipalities no region lists).';
COMMENT ON COLUMN kpi_history.area IS 'all, a region key, a CBS municipality code, or outside.';
COMMENT ON COLUMN kpi_history.numerator IS 'Ratios: the placements counted. NULL for counts and medians.';
COMMENT ON COLUMN kpi_history.denominator IS 'Ratios: the placements the share is taken over (placements started in the window; for readmitted_365 those ended in the window a year earlier). NULL for counts and medians.';
COMMENT ON COLUMN kpi_history.n_values IS 'How many the figure rests on: the denominator for ratios, the count itself for outflow and occupancy, the placements of the area for the other counts, the values behind a median.';
COMMENT ON COLUMN kpi_progress.area_type IS 'total, region, gemeente or outside.';
COMMENT ON COLUMN kpi_progress.area IS 'all, a region key, a CBS municipality code, or outside.';
