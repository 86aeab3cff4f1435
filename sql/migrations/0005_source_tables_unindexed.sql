-- 0005: the four source tables without their primary-key indexes.
--
-- At national scale (about ten million source rows) maintaining the ART
-- index of the natural key cost more than all the rest of ingest: each
-- delivery's rows were inserted into the index one by one, and every
-- checkpoint wrote the whole index again (seconds per file, growing with
-- the table; BENCHMARKS.md). The natural key stays unique because ingest
-- is its only writer and upserts set-based (sql/ingest/upsert_*.sql):
-- within a file the last line wins, a row whose key the table holds is
-- updated in place, the others are inserted; DuckDB admits one writing
-- process and the daemon runs one writing job at a time. The tables keep
-- their columns, order, types, NOT NULL constraints and comments; their
-- rows are copied over.

CREATE TABLE jgz_new (
    research_id   VARCHAR NOT NULL,
    geboortemaand DATE,
    geslacht      VARCHAR,
    gemeente      VARCHAR,
    contactdatum  DATE NOT NULL,
    signaal       VARCHAR NOT NULL,
    delivery_id   BIGINT NOT NULL
);
INSERT INTO jgz_new BY NAME SELECT * FROM jgz;
DROP TABLE jgz;
ALTER TABLE jgz_new RENAME TO jgz;
COMMENT ON TABLE jgz IS 'JGZ (youth health care): one row per contact. Natural key (research_id, contactdatum, signaal); the latest delivery wins.';
COMMENT ON COLUMN jgz.research_id IS 'Pseudonymous research id of the youth: HMAC-SHA256 of the source pseudonym under the pipeline''s research key, 32 hex characters. The same youth has the same id in every table.';
COMMENT ON COLUMN jgz.geboortemaand IS 'Birth month, as the first day of that month; the day itself is never delivered.';
COMMENT ON COLUMN jgz.geslacht IS 'M, V or X; NULL where unknown.';
COMMENT ON COLUMN jgz.gemeente IS 'CBS municipality code (GMnnnn) of the youth''s address, derived from the postcode at the source.';
COMMENT ON COLUMN jgz.contactdatum IS 'Date of the contact.';
COMMENT ON COLUMN jgz.signaal IS 'geen, sdq_verhoogd, zorg_thuissituatie, melding_veilig_thuis or verwijzing_toegang; every value but geen is a signal.';
COMMENT ON COLUMN jgz.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE verzuim_new (
    research_id   VARCHAR NOT NULL,
    geboortemaand DATE,
    gemeente      VARCHAR,
    meldingsdatum DATE NOT NULL,
    verzuimsoort  VARCHAR NOT NULL,
    startdatum    DATE,
    einddatum     DATE,
    delivery_id   BIGINT NOT NULL
);
INSERT INTO verzuim_new BY NAME SELECT * FROM verzuim;
DROP TABLE verzuim;
ALTER TABLE verzuim_new RENAME TO verzuim;
COMMENT ON TABLE verzuim IS 'School absence (leerplicht/RMC): one row per absence report. Natural key (research_id, meldingsdatum, verzuimsoort); the latest delivery wins.';
COMMENT ON COLUMN verzuim.research_id IS 'Pseudonymous research id of the youth (see jgz.research_id).';
COMMENT ON COLUMN verzuim.geboortemaand IS 'Birth month, as the first day of that month.';
COMMENT ON COLUMN verzuim.gemeente IS 'CBS municipality code of the youth''s address.';
COMMENT ON COLUMN verzuim.meldingsdatum IS 'Date of the absence report.';
COMMENT ON COLUMN verzuim.verzuimsoort IS 'relatief, langdurig_relatief, absoluut, luxe or thuiszitter.';
COMMENT ON COLUMN verzuim.startdatum IS 'First day of the absence.';
COMMENT ON COLUMN verzuim.einddatum IS 'Last day of the absence; NULL while ongoing.';
COMMENT ON COLUMN verzuim.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE toegang_new (
    research_id      VARCHAR NOT NULL,
    gemeente         VARCHAR,
    datum            DATE NOT NULL,
    gebeurtenis      VARCHAR NOT NULL,
    jongere_aanwezig VARCHAR,
    gedeeld          VARCHAR,
    productcategorie VARCHAR,
    delivery_id      BIGINT NOT NULL
);
INSERT INTO toegang_new BY NAME SELECT * FROM toegang;
DROP TABLE toegang;
ALTER TABLE toegang_new RENAME TO toegang;
COMMENT ON TABLE toegang IS 'Municipal access teams: one row per event in the access route. Natural key (research_id, datum, gebeurtenis); the latest delivery wins.';
COMMENT ON COLUMN toegang.research_id IS 'Pseudonymous research id of the youth (see jgz.research_id).';
COMMENT ON COLUMN toegang.gemeente IS 'CBS code of the municipality whose access team recorded the event.';
COMMENT ON COLUMN toegang.datum IS 'Date of the event.';
COMMENT ON COLUMN toegang.gebeurtenis IS 'aanmelding, verklarende_analyse, ambulant_ingezet, ambulant_overwogen, servicepunt_consult, spoedberaad, zorgoverleg or beschikking.';
COMMENT ON COLUMN toegang.jongere_aanwezig IS 'ja or nee: whether the youth took part (spoedberaad, zorgoverleg); NULL otherwise or unknown.';
COMMENT ON COLUMN toegang.gedeeld IS 'ja or nee: whether a verklarende_analyse was drawn up with and shared with youth and parents; NULL otherwise or unknown.';
COMMENT ON COLUMN toegang.productcategorie IS 'iJw JZ020 product category of a beschikking (31-38, 43-48, 54, 55); NULL for other events.';
COMMENT ON COLUMN toegang.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE jzplus_new (
    plaatsing_id          VARCHAR NOT NULL,
    aanbieder             VARCHAR NOT NULL,
    research_id           VARCHAR NOT NULL,
    gemeente              VARCHAR,
    machtiging            VARCHAR,
    machtigingsdatum      DATE,
    startdatum            DATE,
    einddatum             DATE,
    reden_einde           VARCHAR,
    perspectief_onderwijs VARCHAR,
    perspectief_wonen     VARCHAR,
    delivery_id           BIGINT NOT NULL
);
INSERT INTO jzplus_new BY NAME SELECT * FROM jzplus;
DROP TABLE jzplus;
ALTER TABLE jzplus_new RENAME TO jzplus;
COMMENT ON TABLE jzplus IS 'JeugdzorgPlus placements: one row per placement, as the latest delivery of it says. Natural key (aanbieder, plaatsing_id).';
COMMENT ON COLUMN jzplus.plaatsing_id IS 'The provider''s placement id, unique per provider.';
COMMENT ON COLUMN jzplus.aanbieder IS 'Provider code.';
COMMENT ON COLUMN jzplus.research_id IS 'Pseudonymous research id of the youth (see jgz.research_id).';
COMMENT ON COLUMN jzplus.gemeente IS 'CBS code of the responsible municipality (woonplaatsbeginsel).';
COMMENT ON COLUMN jzplus.machtiging IS 'Court authorisation: spoed (emergency), regulier or voorwaardelijk.';
COMMENT ON COLUMN jzplus.machtigingsdatum IS 'Date of the court authorisation.';
COMMENT ON COLUMN jzplus.startdatum IS 'First day of the placement.';
COMMENT ON COLUMN jzplus.einddatum IS 'Last day of the placement; NULL while placed.';
COMMENT ON COLUMN jzplus.reden_einde IS 'CBS reason-of-ending code 01-05; NULL while placed.';
COMMENT ON COLUMN jzplus.perspectief_onderwijs IS 'Perspective on education: ja, nee or onbekend.';
COMMENT ON COLUMN jzplus.perspectief_wonen IS 'Perspective on a place to live: ja, nee or onbekend.';
COMMENT ON COLUMN jzplus.delivery_id IS 'The delivery that last wrote this row.';
