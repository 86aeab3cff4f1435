-- 0002: linking the sources per youth. Every source carries the same
-- research id for the same youth, so linking is a join on research_id;
-- these views are the documented base for the KPIs.

CREATE VIEW youth_link AS
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
),
ids AS (
    SELECT research_id FROM j UNION SELECT research_id FROM v
    UNION SELECT research_id FROM t UNION SELECT research_id FROM p
)
SELECT
    ids.research_id,
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
FROM ids
LEFT JOIN j USING (research_id)
LEFT JOIN v USING (research_id)
LEFT JOIN t USING (research_id)
LEFT JOIN p USING (research_id);

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

CREATE VIEW placement_link AS
SELECT
    p.aanbieder,
    p.plaatsing_id,
    p.research_id,
    p.gemeente,
    p.machtiging,
    p.machtigingsdatum,
    p.startdatum,
    p.einddatum,
    p.reden_einde,
    p.perspectief_onderwijs,
    p.perspectief_wonen,
    y.toegang_events > 0 AS linked_toegang,
    (y.jgz_contacts + y.verzuim_reports) > 0 AS linked_signal_sources,
    y.placements AS youth_placements,
    row_number() OVER (PARTITION BY p.research_id ORDER BY p.startdatum, p.aanbieder, p.plaatsing_id) AS placement_seq
FROM jzplus p
JOIN youth_link y USING (research_id);

COMMENT ON VIEW placement_link IS 'One row per JZ+ placement with the link to the youth''s records in the other sources, at any date.';
COMMENT ON COLUMN placement_link.aanbieder IS 'Provider code.';
COMMENT ON COLUMN placement_link.plaatsing_id IS 'The provider''s placement id.';
COMMENT ON COLUMN placement_link.research_id IS 'Pseudonymous research id of the youth.';
COMMENT ON COLUMN placement_link.gemeente IS 'Responsible municipality (CBS code).';
COMMENT ON COLUMN placement_link.machtiging IS 'spoed, regulier or voorwaardelijk.';
COMMENT ON COLUMN placement_link.machtigingsdatum IS 'Date of the court authorisation.';
COMMENT ON COLUMN placement_link.startdatum IS 'First day of the placement.';
COMMENT ON COLUMN placement_link.einddatum IS 'Last day of the placement; NULL while placed.';
COMMENT ON COLUMN placement_link.reden_einde IS 'CBS reason-of-ending code.';
COMMENT ON COLUMN placement_link.perspectief_onderwijs IS 'Perspective on education: ja, nee or onbekend.';
COMMENT ON COLUMN placement_link.perspectief_wonen IS 'Perspective on a place to live: ja, nee or onbekend.';
COMMENT ON COLUMN placement_link.linked_toegang IS 'The youth has any toegang row (link-quality KPI linked_toegang).';
COMMENT ON COLUMN placement_link.linked_signal_sources IS 'The youth has any JGZ or verzuim row (link-quality KPI linked_signal_sources).';
COMMENT ON COLUMN placement_link.youth_placements IS 'Number of JZ+ placements of this youth in all.';
COMMENT ON COLUMN placement_link.placement_seq IS '1 for the youth''s first placement by startdatum, 2 for the second, and so on.';
