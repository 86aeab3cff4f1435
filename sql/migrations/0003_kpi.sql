-- 0003: KPIs toward the 2027 targets (SPEC §4): the configured regions and
-- targets, the placement timeline behind every KPI, and the monthly history.

CREATE TABLE regions (
    gemeente VARCHAR PRIMARY KEY,
    region   VARCHAR NOT NULL
);
COMMENT ON TABLE regions IS 'Which region each municipality belongs to, as configured when the KPI history was last computed. A municipality no region lists counts in area all and in its own municipality only.';
COMMENT ON COLUMN regions.gemeente IS 'CBS municipality code.';
COMMENT ON COLUMN regions.region IS 'Region key, such as groningen or drenthe.';

CREATE TABLE kpi_targets (
    kpi             VARCHAR PRIMARY KEY,
    target          DOUBLE,
    target_month    DATE NOT NULL,
    lower_is_better BOOLEAN NOT NULL
);
COMMENT ON TABLE kpi_targets IS 'The 2027 target of each KPI, as configured when the KPI history was last computed.';
COMMENT ON COLUMN kpi_targets.kpi IS 'KPI id, as in kpi_history.kpi.';
COMMENT ON COLUMN kpi_targets.target IS 'Target value (a share from 0 to 1); NULL for a descriptive KPI.';
COMMENT ON COLUMN kpi_targets.target_month IS 'Month (first day) by which the target is to be reached: 2027-12.';
COMMENT ON COLUMN kpi_targets.lower_is_better IS 'True where a lower value is better (spoed_share).';

CREATE VIEW placement_timeline AS
SELECT
    p.aanbieder,
    p.plaatsing_id,
    p.research_id,
    p.gemeente,
    r.region,
    p.machtiging,
    p.machtigingsdatum,
    p.startdatum,
    p.einddatum,
    p.einddatum - p.startdatum AS stay_days,
    p.perspectief_onderwijs,
    p.perspectief_wonen,
    coalesce(p.machtiging = 'spoed', false) AS spoed,
    EXISTS (SELECT 1 FROM toegang t WHERE t.research_id = p.research_id
            AND t.gebeurtenis = 'verklarende_analyse' AND t.gedeeld = 'ja'
            AND t.datum BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum) AS va_coverage,
    EXISTS (SELECT 1 FROM toegang t WHERE t.research_id = p.research_id
            AND t.gebeurtenis = 'verklarende_analyse' AND t.gedeeld = 'ja'
            AND t.datum BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum - 28) AS va_timely,
    EXISTS (SELECT 1 FROM toegang t WHERE t.research_id = p.research_id
            AND (t.gebeurtenis IN ('ambulant_ingezet', 'ambulant_overwogen')
                 OR (t.gebeurtenis = 'beschikking' AND t.productcategorie IN ('31', '32', '33', '34', '54')))
            AND t.datum BETWEEN p.startdatum - 365 AND p.startdatum) AS ambulant_before,
    EXISTS (SELECT 1 FROM toegang t WHERE t.research_id = p.research_id
            AND t.gebeurtenis IN ('spoedberaad', 'zorgoverleg') AND t.jongere_aanwezig = 'ja'
            AND t.datum BETWEEN p.startdatum - 90 AND p.startdatum) AS beraad_with_youth,
    coalesce(p.perspectief_onderwijs = 'ja', false) AS perspective_education,
    coalesce(p.perspectief_wonen = 'ja', false) AS perspective_housing,
    (EXISTS (SELECT 1 FROM jgz j WHERE j.research_id = p.research_id AND j.signaal <> 'geen'
             AND j.contactdatum BETWEEN p.startdatum - 730 AND p.startdatum)
     OR EXISTS (SELECT 1 FROM verzuim v WHERE v.research_id = p.research_id
             AND v.verzuimsoort IN ('langdurig_relatief', 'absoluut', 'thuiszitter')
             AND v.meldingsdatum BETWEEN p.startdatum - 730 AND p.startdatum)) AS early_signal,
    least(
        (SELECT min(j.contactdatum) FROM jgz j WHERE j.research_id = p.research_id AND j.signaal <> 'geen'
         AND j.contactdatum BETWEEN p.startdatum - 730 AND p.startdatum),
        (SELECT min(v.meldingsdatum) FROM verzuim v WHERE v.research_id = p.research_id
         AND v.meldingsdatum BETWEEN p.startdatum - 730 AND p.startdatum),
        (SELECT min(t.datum) FROM toegang t WHERE t.research_id = p.research_id AND t.gebeurtenis = 'aanmelding'
         AND t.datum BETWEEN p.startdatum - 730 AND p.startdatum)
    ) AS first_signal_date,
    EXISTS (SELECT 1 FROM toegang t WHERE t.research_id = p.research_id) AS linked_toegang,
    (EXISTS (SELECT 1 FROM jgz j WHERE j.research_id = p.research_id)
     OR EXISTS (SELECT 1 FROM verzuim v WHERE v.research_id = p.research_id)) AS linked_signal_sources
FROM jzplus p
LEFT JOIN regions r USING (gemeente);

COMMENT ON VIEW placement_timeline IS 'One row per JZ+ placement with the dates and flags behind each KPI. A flag is true when the event lies on or before the reference date within the look-back: va_* from machtigingsdatum back 365 days (va_timely: at least 28 days before), ambulant_before from startdatum back 365 days, beraad_with_youth back 90 days, early_signal and first_signal_date back 730 days.';
COMMENT ON COLUMN placement_timeline.aanbieder IS 'Provider code.';
COMMENT ON COLUMN placement_timeline.plaatsing_id IS 'The provider''s placement id.';
COMMENT ON COLUMN placement_timeline.research_id IS 'Pseudonymous research id of the youth.';
COMMENT ON COLUMN placement_timeline.gemeente IS 'Responsible municipality (CBS code).';
COMMENT ON COLUMN placement_timeline.region IS 'Region of the municipality from table regions; NULL when no region lists it.';
COMMENT ON COLUMN placement_timeline.machtiging IS 'spoed, regulier or voorwaardelijk.';
COMMENT ON COLUMN placement_timeline.machtigingsdatum IS 'Date of the court authorisation: reference date of va_coverage and va_timely.';
COMMENT ON COLUMN placement_timeline.startdatum IS 'First day of the placement: decides the KPI window; reference date of ambulant_before, beraad_with_youth and early_signal.';
COMMENT ON COLUMN placement_timeline.einddatum IS 'Last day; NULL while placed. median_stay_days counts placements whose einddatum falls in the window.';
COMMENT ON COLUMN placement_timeline.stay_days IS 'einddatum - startdatum in days; NULL while placed.';
COMMENT ON COLUMN placement_timeline.perspectief_onderwijs IS 'Perspective on education: ja, nee or onbekend.';
COMMENT ON COLUMN placement_timeline.perspectief_wonen IS 'Perspective on a place to live: ja, nee or onbekend.';
COMMENT ON COLUMN placement_timeline.spoed IS 'KPI spoed_share: machtiging = spoed.';
COMMENT ON COLUMN placement_timeline.va_coverage IS 'KPI va_coverage: a toegang verklarende_analyse with gedeeld = ja from machtigingsdatum - 365 to machtigingsdatum.';
COMMENT ON COLUMN placement_timeline.va_timely IS 'KPI va_timely: such a VA from machtigingsdatum - 365 to machtigingsdatum - 28.';
COMMENT ON COLUMN placement_timeline.ambulant_before IS 'KPI ambulant_before: toegang ambulant_ingezet or ambulant_overwogen, or a beschikking of productcategorie 31-34 or 54, from startdatum - 365 to startdatum.';
COMMENT ON COLUMN placement_timeline.beraad_with_youth IS 'KPI beraad_with_youth: a spoedberaad or zorgoverleg with jongere_aanwezig = ja from startdatum - 90 to startdatum.';
COMMENT ON COLUMN placement_timeline.perspective_education IS 'KPI perspective_education: perspectief_onderwijs = ja.';
COMMENT ON COLUMN placement_timeline.perspective_housing IS 'KPI perspective_housing: perspectief_wonen = ja.';
COMMENT ON COLUMN placement_timeline.early_signal IS 'KPI early_signal: a JGZ signaal other than geen, or a verzuim report of soort langdurig_relatief, absoluut or thuiszitter, from startdatum - 730 to startdatum.';
COMMENT ON COLUMN placement_timeline.first_signal_date IS 'Earliest signal from startdatum - 730 to startdatum: a JGZ signaal other than geen, any verzuim report, or a toegang aanmelding. Behind median_signal_days.';
COMMENT ON COLUMN placement_timeline.linked_toegang IS 'Link quality: the youth has any toegang row, at any date.';
COMMENT ON COLUMN placement_timeline.linked_signal_sources IS 'Link quality: the youth has any JGZ or verzuim row, at any date.';

CREATE TABLE kpi_history (
    month        DATE NOT NULL,
    window_start DATE NOT NULL,
    window_end   DATE NOT NULL,
    kpi          VARCHAR NOT NULL,
    area_type    VARCHAR NOT NULL,
    area         VARCHAR NOT NULL,
    numerator    BIGINT,
    denominator  BIGINT,
    value        DOUBLE,
    n_values     BIGINT NOT NULL,
    PRIMARY KEY (month, kpi, area_type, area)
);
COMMENT ON TABLE kpi_history IS 'Every KPI and count of SPEC section 4 for every report month from the first complete 12-month window to the latest complete month, per area; person-level exact figures, not disclosure-controlled. Recomputed in full whenever deliveries land.';
COMMENT ON COLUMN kpi_history.month IS 'Report month (first day); its window is the 12 calendar months ending with it.';
COMMENT ON COLUMN kpi_history.window_start IS 'First day of the window.';
COMMENT ON COLUMN kpi_history.window_end IS 'Last day of the window (last day of the report month).';
COMMENT ON COLUMN kpi_history.kpi IS 'KPI id: spoed_share, va_coverage, va_timely, ambulant_before, beraad_with_youth, perspective_education, perspective_housing, early_signal, linked_toegang, linked_signal_sources (ratios); placements, youths, youths_replaced, median_stay_days, median_signal_days (counts).';
COMMENT ON COLUMN kpi_history.area_type IS 'total, region or gemeente.';
COMMENT ON COLUMN kpi_history.area IS 'all, a region key, or a CBS municipality code.';
COMMENT ON COLUMN kpi_history.numerator IS 'Ratios: placements in the window with the flag. NULL for counts.';
COMMENT ON COLUMN kpi_history.denominator IS 'Ratios: placements in the window. NULL for counts.';
COMMENT ON COLUMN kpi_history.value IS 'Ratios: numerator / denominator, NULL when the denominator is 0. Counts: the figure; medians NULL when there is nothing to take the median of.';
COMMENT ON COLUMN kpi_history.n_values IS 'How many placements the figure rests on: the denominator for ratios, the placements of the area for counts, the values behind a median.';

CREATE VIEW kpi_progress AS
WITH first AS (
    SELECT min(month) AS first_month FROM kpi_history
),
start AS (
    SELECT h.kpi, h.area_type, h.area, h.value AS start_value
    FROM kpi_history h, first f WHERE h.month = f.first_month
)
SELECT
    h.*,
    t.target,
    CASE
        WHEN t.target IS NULL OR s.start_value IS NULL THEN NULL
        WHEN h.month >= t.target_month THEN t.target
        ELSE s.start_value + (t.target - s.start_value)
             * datediff('month', f.first_month, h.month) / datediff('month', f.first_month, t.target_month)
    END AS glide_path
FROM kpi_history h
CROSS JOIN first f
LEFT JOIN kpi_targets t USING (kpi)
LEFT JOIN start s USING (kpi, area_type, area);
COMMENT ON VIEW kpi_progress IS 'kpi_history with the 2027 target and the glide path: a straight line from the value of the first complete window (per KPI and area) to the target in the target month.';
COMMENT ON COLUMN kpi_progress.month IS 'Report month (first day).';
COMMENT ON COLUMN kpi_progress.window_start IS 'First day of the window.';
COMMENT ON COLUMN kpi_progress.window_end IS 'Last day of the window.';
COMMENT ON COLUMN kpi_progress.kpi IS 'KPI id.';
COMMENT ON COLUMN kpi_progress.area_type IS 'total, region or gemeente.';
COMMENT ON COLUMN kpi_progress.area IS 'all, a region key, or a CBS municipality code.';
COMMENT ON COLUMN kpi_progress.numerator IS 'As kpi_history.numerator.';
COMMENT ON COLUMN kpi_progress.denominator IS 'As kpi_history.denominator.';
COMMENT ON COLUMN kpi_progress.value IS 'As kpi_history.value.';
COMMENT ON COLUMN kpi_progress.n_values IS 'As kpi_history.n_values.';
COMMENT ON COLUMN kpi_progress.target IS 'The 2027 target; NULL for counts and descriptive KPIs.';
COMMENT ON COLUMN kpi_progress.glide_path IS 'Where the KPI should be this month on the straight line to its target.';
