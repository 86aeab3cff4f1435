-- 0006: placement_link from the placements alone.
--
-- 0002 joined every placement with youth_link, which aggregates every
-- source table over every youth known anywhere: at national scale a
-- million youths and three hash tables of them, for some 30,000
-- placements. It took most of the snapshot's memory and ran out under a
-- tight memory_limit (BENCHMARKS.md, change 14). The same columns come
-- from the placed youths: whether any toegang row, and any JGZ or
-- verzuim row, carries a placed youth's research id (semi-joins whose
-- hash tables hold the placed youths only), and the count of the youth's
-- placements. The view's rows and values are those of 0002; the comments
-- are set again because a replaced view starts without them.

CREATE OR REPLACE VIEW placement_link AS
WITH
placed AS (
    SELECT DISTINCT research_id FROM jzplus
),
with_toegang AS (
    SELECT DISTINCT research_id FROM toegang SEMI JOIN placed USING (research_id)
),
with_signal_source AS (
    SELECT DISTINCT research_id
    FROM (SELECT research_id FROM jgz UNION ALL SELECT research_id FROM verzuim) s
    SEMI JOIN placed USING (research_id)
)
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
    t.research_id IS NOT NULL AS linked_toegang,
    s.research_id IS NOT NULL AS linked_signal_sources,
    count(*) OVER (PARTITION BY p.research_id) AS youth_placements,
    row_number() OVER (PARTITION BY p.research_id ORDER BY p.startdatum, p.aanbieder, p.plaatsing_id) AS placement_seq
FROM jzplus p
LEFT JOIN with_toegang t ON t.research_id = p.research_id
LEFT JOIN with_signal_source s ON s.research_id = p.research_id;

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
