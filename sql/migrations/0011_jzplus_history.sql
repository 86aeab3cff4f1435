-- 0011: the history of JZ+ placements (issue 17, "history is lost").
-- jzplus holds each placement as its latest delivery says; a machtiging
-- corrected from spoed to regulier, or a perspective that changes, left
-- no trace. jzplus_history keeps every delivered version: the JZ+ upsert
-- (sql/ingest/upsert_jzplus.sql) closes a placement's open version when
-- a delivery carries it with other values and opens the new one, in the
-- delivery's transaction. A database made before this migration starts
-- with one version per placement: the one jzplus holds, valid from the
-- delivery that last wrote it; earlier versions were not kept.
-- placement_key is computed as in the placement view (0010). Like 0010,
-- the migration can be applied again to a database that has it (a test
-- that rolls schema_migrations back to simulate an older database does).

CREATE TABLE IF NOT EXISTS jzplus_history (
    placement_key         VARCHAR NOT NULL,
    aanbieder             VARCHAR NOT NULL,
    plaatsing_id          VARCHAR NOT NULL,
    research_id           VARCHAR NOT NULL,
    gemeente              VARCHAR,
    machtiging            VARCHAR,
    machtigingsdatum      DATE,
    startdatum            DATE,
    einddatum             DATE,
    reden_einde           VARCHAR,
    perspectief_onderwijs VARCHAR,
    perspectief_wonen     VARCHAR,
    delivery_id           BIGINT NOT NULL,
    valid_from            TIMESTAMPTZ NOT NULL,
    valid_to              TIMESTAMPTZ
);

INSERT INTO jzplus_history
SELECT left(md5(j.aanbieder || chr(31) || j.plaatsing_id), 16),
       j.aanbieder, j.plaatsing_id, j.research_id, j.gemeente, j.machtiging, j.machtigingsdatum,
       j.startdatum, j.einddatum, j.reden_einde, j.perspectief_onderwijs, j.perspectief_wonen,
       j.delivery_id, d.received_at, NULL
FROM jzplus j
JOIN deliveries d USING (delivery_id)
WHERE NOT EXISTS (SELECT 1 FROM jzplus_history h WHERE h.aanbieder = j.aanbieder AND h.plaatsing_id = j.plaatsing_id);

COMMENT ON TABLE jzplus_history IS 'Every delivered version of each JZ+ placement: a new row whenever a delivery carries the placement with any value other than its current version has (a correction, an ending, a changed perspective); a delivery that repeats it unchanged adds no row. The version with valid_to NULL is the one jzplus and placement hold. Versions delivered before this table existed (schema version 11) were not kept: such a placement starts with the version it had then.';
COMMENT ON COLUMN jzplus_history.placement_key IS 'Key of the placement, as placement.placement_key.';
COMMENT ON COLUMN jzplus_history.aanbieder IS 'Provider code.';
COMMENT ON COLUMN jzplus_history.plaatsing_id IS 'The provider''s placement id.';
COMMENT ON COLUMN jzplus_history.research_id IS 'Pseudonymous research id of the youth, as this version gave it.';
COMMENT ON COLUMN jzplus_history.gemeente IS 'CBS code of the responsible municipality in this version (codebook, code_list gemeente).';
COMMENT ON COLUMN jzplus_history.machtiging IS 'spoed, regulier or voorwaardelijk in this version (codebook, code_list jzplus.machtiging).';
COMMENT ON COLUMN jzplus_history.machtigingsdatum IS 'Date of the court authorisation in this version.';
COMMENT ON COLUMN jzplus_history.startdatum IS 'First day of the placement in this version.';
COMMENT ON COLUMN jzplus_history.einddatum IS 'Last day of the placement in this version; NULL while placed.';
COMMENT ON COLUMN jzplus_history.reden_einde IS 'Reason-of-ending code in this version (codebook, code_list jzplus.reden_einde).';
COMMENT ON COLUMN jzplus_history.perspectief_onderwijs IS 'Perspective on education in this version: ja, nee or onbekend.';
COMMENT ON COLUMN jzplus_history.perspectief_wonen IS 'Perspective on a place to live in this version: ja, nee or onbekend.';
COMMENT ON COLUMN jzplus_history.delivery_id IS 'The delivery that first carried this version (deliveries.delivery_id).';
COMMENT ON COLUMN jzplus_history.valid_from IS 'When that delivery landed (deliveries.received_at): from then on this was the placement as delivered.';
COMMENT ON COLUMN jzplus_history.valid_to IS 'When the delivery that carried the next version landed; NULL for the current version.';
