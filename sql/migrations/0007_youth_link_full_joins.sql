-- 0007: youth_link by full joins of the per-source aggregates.
--
-- 0002 collected every research id in a UNION of the four per-source
-- aggregates, then joined each aggregate to that list: the aggregates
-- were materialized to be read twice, and the JGZ aggregate, a row per
-- youth known to JGZ (nearly a million at national scale), became a hash
-- table. Full joins of the aggregates give the same rows with the JGZ
-- aggregate streaming past the hash tables of the smaller ones: at 1 M
-- youths its Parquet export took 1.14 s and 581 MB instead of 1.54 s and
-- 640 MB (BENCHMARKS.md, change 17). The view's rows and values are those
-- of 0002; the comments are set again because a replaced view starts
-- without them.

CREATE OR REPLACE VIEW youth_link AS
WITH
j AS (
    SELECT research_id,
           count(*) AS jgz_contacts,
           min(contactdatum) FILTER (WHERE signaal <> 'geen') AS first_jgz_signal,
           max(geboortemaand) AS geboortemaand,
           arg_max(gemeente, contactdatum) AS gemeente
    FROM jgz GROUP BY research_id
),
v AS (
    SELECT research_id,
           count(*) AS verzuim_reports,
           min(meldingsdatum) AS first_verzuim_report,
           max(geboortemaand) AS geboortemaand,
           arg_max(gemeente, meldingsdatum) AS gemeente
    FROM verzuim GROUP BY research_id
),
t AS (
    SELECT research_id,
           count(*) AS toegang_events,
           min(datum) FILTER (WHERE gebeurtenis = 'aanmelding') AS first_aanmelding,
           arg_max(gemeente, datum) AS gemeente
    FROM toegang GROUP BY research_id
),
p AS (
    SELECT research_id,
           count(*) AS placements,
           min(startdatum) AS first_placement,
           arg_max(gemeente, startdatum) AS gemeente
    FROM jzplus GROUP BY research_id
)
SELECT
    research_id,
    coalesce(j.geboortemaand, v.geboortemaand) AS geboortemaand,
    coalesce(p.gemeente, t.gemeente, v.gemeente, j.gemeente) AS gemeente,
    coalesce(j.jgz_contacts, 0) AS jgz_contacts,
    coalesce(v.verzuim_reports, 0) AS verzuim_reports,
    coalesce(t.toegang_events, 0) AS toegang_events,
    coalesce(p.placements, 0) AS placements,
    j.first_jgz_signal,
    v.first_verzuim_report,
    t.first_aanmelding,
    p.first_placement
FROM j
FULL JOIN v USING (research_id)
FULL JOIN t USING (research_id)
FULL JOIN p USING (research_id);

COMMENT ON VIEW youth_link IS 'One row per youth known to any source, with what each source knows of them. Linking is by research_id, which is the same for a youth in every source.';
COMMENT ON COLUMN youth_link.research_id IS 'Pseudonymous research id of the youth.';
COMMENT ON COLUMN youth_link.geboortemaand IS 'Birth month (first day), from JGZ, else from verzuim.';
COMMENT ON COLUMN youth_link.gemeente IS 'Municipality: of the latest JZ+ placement, else the latest toegang event, verzuim report or JGZ contact.';
COMMENT ON COLUMN youth_link.jgz_contacts IS 'Number of JGZ contacts.';
COMMENT ON COLUMN youth_link.verzuim_reports IS 'Number of school absence reports.';
COMMENT ON COLUMN youth_link.toegang_events IS 'Number of access-route events.';
COMMENT ON COLUMN youth_link.placements IS 'Number of JZ+ placements.';
COMMENT ON COLUMN youth_link.first_jgz_signal IS 'Date of the first JGZ contact with a signaal other than geen.';
COMMENT ON COLUMN youth_link.first_verzuim_report IS 'Date of the first school absence report.';
COMMENT ON COLUMN youth_link.first_aanmelding IS 'Date of the first toegang aanmelding.';
COMMENT ON COLUMN youth_link.first_placement IS 'Start of the first JZ+ placement.';
