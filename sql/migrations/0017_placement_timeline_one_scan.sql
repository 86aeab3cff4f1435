-- 0017: placement_timeline reads each source table once.
--
-- 0003 gave every flag its own correlated subquery, and DuckDB runs each
-- as a join over the whole source table: three scans of jgz (20 million
-- rows at national scale), seven of toegang and three of verzuim, whatever
-- columns a query reads (a view's unused subqueries are not dropped). Now
-- the rows of the placed youths are taken from each table once (a
-- semi-join with jzplus) and every flag of a placement is an aggregate
-- over its youth's rows: the rows and values are those of 0003
-- (sql/placement_timeline_test.go compares the two over every boundary).
-- At 3.5 million youths the view takes 0.68 s instead of 1.68 s
-- (BENCHMARKS.md, change 23). A flag is true when one of its youth's rows
-- qualifies (bool_or; NULL, as from a missing machtigingsdatum, is not
-- true); a placement whose youth has no row in any source has no
-- aggregate row, hence the coalesce. The placed youths are not a CTE of
-- their own: DuckDB materializes a CTE read more than once, and a query
-- that read this view eight times then ran out of memory under the
-- pipeline's cap (kpi's TestPlacementViewReproducesKPIs), on the regional
-- demo. The comments are set again because a replaced view starts
-- without them.
CREATE OR REPLACE VIEW placement_timeline AS
WITH
events AS (
    SELECT research_id, 'toegang' AS source, datum AS d, gebeurtenis AS code, gedeeld, jongere_aanwezig, productcategorie
    FROM toegang SEMI JOIN (SELECT research_id FROM jzplus) USING (research_id)
    UNION ALL
    SELECT research_id, 'jgz', contactdatum, signaal, NULL, NULL, NULL
    FROM jgz SEMI JOIN (SELECT research_id FROM jzplus) USING (research_id)
    UNION ALL
    SELECT research_id, 'verzuim', meldingsdatum, verzuimsoort, NULL, NULL, NULL
    FROM verzuim SEMI JOIN (SELECT research_id FROM jzplus) USING (research_id)
),
flags AS (
    SELECT p.aanbieder, p.plaatsing_id,
           bool_or(e.source = 'toegang' AND e.code = 'verklarende_analyse' AND e.gedeeld = 'ja'
                   AND e.d BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum) AS va_coverage,
           bool_or(e.source = 'toegang' AND e.code = 'verklarende_analyse' AND e.gedeeld = 'ja'
                   AND e.d BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum - 28) AS va_timely,
           bool_or(e.source = 'toegang'
                   AND (e.code IN ('ambulant_ingezet', 'ambulant_overwogen')
                        OR (e.code = 'beschikking' AND e.productcategorie IN ('31', '32', '33', '34', '54')))
                   AND e.d BETWEEN p.startdatum - 365 AND p.startdatum) AS ambulant_before,
           bool_or(e.source = 'toegang' AND e.code IN ('spoedberaad', 'zorgoverleg') AND e.jongere_aanwezig = 'ja'
                   AND e.d BETWEEN p.startdatum - 90 AND p.startdatum) AS beraad_with_youth,
           bool_or(((e.source = 'jgz' AND e.code <> 'geen')
                    OR (e.source = 'verzuim' AND e.code IN ('langdurig_relatief', 'absoluut', 'thuiszitter')))
                   AND e.d BETWEEN p.startdatum - 730 AND p.startdatum) AS early_signal,
           min(e.d) FILTER (WHERE ((e.source = 'jgz' AND e.code <> 'geen') OR e.source = 'verzuim'
                                   OR (e.source = 'toegang' AND e.code = 'aanmelding'))
                   AND e.d BETWEEN p.startdatum - 730 AND p.startdatum) AS first_signal_date,
           bool_or(e.source = 'toegang') AS linked_toegang,
           bool_or(e.source IN ('jgz', 'verzuim')) AS linked_signal_sources
    FROM jzplus p
    JOIN events e ON e.research_id = p.research_id
    GROUP BY p.aanbieder, p.plaatsing_id
)
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
    coalesce(f.va_coverage, false) AS va_coverage,
    coalesce(f.va_timely, false) AS va_timely,
    coalesce(f.ambulant_before, false) AS ambulant_before,
    coalesce(f.beraad_with_youth, false) AS beraad_with_youth,
    coalesce(p.perspectief_onderwijs = 'ja', false) AS perspective_education,
    coalesce(p.perspectief_wonen = 'ja', false) AS perspective_housing,
    coalesce(f.early_signal, false) AS early_signal,
    f.first_signal_date,
    coalesce(f.linked_toegang, false) AS linked_toegang,
    coalesce(f.linked_signal_sources, false) AS linked_signal_sources
FROM jzplus p
LEFT JOIN regions r ON r.gemeente = p.gemeente
LEFT JOIN flags f ON f.aanbieder = p.aanbieder AND f.plaatsing_id = p.plaatsing_id;

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
