-- 0001: the delivery log, the quarantine and the four source tables.
-- Every source pseudonym is re-keyed to a research id before it lands;
-- no table holds a source pseudonym, a BSN or a key.

CREATE SEQUENCE delivery_id_seq START 1;

CREATE TABLE deliveries (
    delivery_id      BIGINT PRIMARY KEY DEFAULT nextval('delivery_id_seq'),
    source           VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    format           VARCHAR NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    rows_accepted    BIGINT NOT NULL DEFAULT 0,
    rows_quarantined BIGINT NOT NULL DEFAULT 0,
    UNIQUE (source, sha256)
);
COMMENT ON TABLE deliveries IS 'One row per delivery file that landed. A file delivered again (same source, same sha256) is recognised and changes nothing; a refused file is not recorded here.';
COMMENT ON COLUMN deliveries.delivery_id IS 'Sequence number of the delivery, in the order deliveries landed; later deliveries win on upsert.';
COMMENT ON COLUMN deliveries.source IS 'Source name: jgz, verzuim, toegang or jzplus.';
COMMENT ON COLUMN deliveries.file_name IS 'Base name of the delivered file.';
COMMENT ON COLUMN deliveries.sha256 IS 'Lowercase hex SHA-256 of the file as delivered.';
COMMENT ON COLUMN deliveries.format IS 'File format: csv, parquet or arrow.';
COMMENT ON COLUMN deliveries.received_at IS 'When the delivery landed.';
COMMENT ON COLUMN deliveries.rows_accepted IS 'Data rows of the file that met the contract and were upserted.';
COMMENT ON COLUMN deliveries.rows_quarantined IS 'Data rows of the file kept out; see quarantine.';

CREATE TABLE quarantine (
    delivery_id BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    line        BIGINT NOT NULL,
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,
    research_id VARCHAR
);
COMMENT ON TABLE quarantine IS 'Rows of landed deliveries that broke the contract, one row per problem. Holds the reason and where, never the offending value: a bad value may be an identifier in the wrong place.';
COMMENT ON COLUMN quarantine.delivery_id IS 'The delivery the row came in (deliveries.delivery_id).';
COMMENT ON COLUMN quarantine.source IS 'Source name.';
COMMENT ON COLUMN quarantine.line IS 'Line of the row in a CSV file (the header is line 1), or its 1-based row number in a Parquet or Arrow file.';
COMMENT ON COLUMN quarantine.column_name IS 'The column with the problem; NULL where the problem is the row as a whole.';
COMMENT ON COLUMN quarantine.reason IS 'Why the row was kept out.';
COMMENT ON COLUMN quarantine.research_id IS 'Research id of the youth where the pseudonym itself was valid, else NULL.';

CREATE TABLE jgz (
    research_id   VARCHAR NOT NULL,
    geboortemaand DATE,
    geslacht      VARCHAR,
    gemeente      VARCHAR,
    contactdatum  DATE NOT NULL,
    signaal       VARCHAR NOT NULL,
    delivery_id   BIGINT NOT NULL,
    PRIMARY KEY (research_id, contactdatum, signaal)
);
COMMENT ON TABLE jgz IS 'JGZ (youth health care): one row per contact. Natural key (research_id, contactdatum, signaal); the latest delivery wins.';
COMMENT ON COLUMN jgz.research_id IS 'Pseudonymous research id of the youth: HMAC-SHA256 of the source pseudonym under the pipeline''s research key, 32 hex characters. The same youth has the same id in every table.';
COMMENT ON COLUMN jgz.geboortemaand IS 'Birth month, as the first day of that month; the day itself is never delivered.';
COMMENT ON COLUMN jgz.geslacht IS 'M, V or X; NULL where unknown.';
COMMENT ON COLUMN jgz.gemeente IS 'CBS municipality code (GMnnnn) of the youth''s address, derived from the postcode at the source.';
COMMENT ON COLUMN jgz.contactdatum IS 'Date of the contact.';
COMMENT ON COLUMN jgz.signaal IS 'geen, sdq_verhoogd, zorg_thuissituatie, melding_veilig_thuis or verwijzing_toegang; every value but geen is a signal.';
COMMENT ON COLUMN jgz.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE verzuim (
    research_id   VARCHAR NOT NULL,
    geboortemaand DATE,
    gemeente      VARCHAR,
    meldingsdatum DATE NOT NULL,
    verzuimsoort  VARCHAR NOT NULL,
    startdatum    DATE,
    einddatum     DATE,
    delivery_id   BIGINT NOT NULL,
    PRIMARY KEY (research_id, meldingsdatum, verzuimsoort)
);
COMMENT ON TABLE verzuim IS 'School absence (leerplicht/RMC): one row per absence report. Natural key (research_id, meldingsdatum, verzuimsoort); the latest delivery wins.';
COMMENT ON COLUMN verzuim.research_id IS 'Pseudonymous research id of the youth (see jgz.research_id).';
COMMENT ON COLUMN verzuim.geboortemaand IS 'Birth month, as the first day of that month.';
COMMENT ON COLUMN verzuim.gemeente IS 'CBS municipality code of the youth''s address.';
COMMENT ON COLUMN verzuim.meldingsdatum IS 'Date of the absence report.';
COMMENT ON COLUMN verzuim.verzuimsoort IS 'relatief, langdurig_relatief, absoluut, luxe or thuiszitter.';
COMMENT ON COLUMN verzuim.startdatum IS 'First day of the absence.';
COMMENT ON COLUMN verzuim.einddatum IS 'Last day of the absence; NULL while ongoing.';
COMMENT ON COLUMN verzuim.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE toegang (
    research_id      VARCHAR NOT NULL,
    gemeente         VARCHAR,
    datum            DATE NOT NULL,
    gebeurtenis      VARCHAR NOT NULL,
    jongere_aanwezig VARCHAR,
    gedeeld          VARCHAR,
    productcategorie VARCHAR,
    delivery_id      BIGINT NOT NULL,
    PRIMARY KEY (research_id, datum, gebeurtenis)
);
COMMENT ON TABLE toegang IS 'Municipal access teams: one row per event in the access route. Natural key (research_id, datum, gebeurtenis); the latest delivery wins.';
COMMENT ON COLUMN toegang.research_id IS 'Pseudonymous research id of the youth (see jgz.research_id).';
COMMENT ON COLUMN toegang.gemeente IS 'CBS code of the municipality whose access team recorded the event.';
COMMENT ON COLUMN toegang.datum IS 'Date of the event.';
COMMENT ON COLUMN toegang.gebeurtenis IS 'aanmelding, verklarende_analyse, ambulant_ingezet, ambulant_overwogen, servicepunt_consult, spoedberaad, zorgoverleg or beschikking.';
COMMENT ON COLUMN toegang.jongere_aanwezig IS 'ja or nee: whether the youth took part (spoedberaad, zorgoverleg); NULL otherwise or unknown.';
COMMENT ON COLUMN toegang.gedeeld IS 'ja or nee: whether a verklarende_analyse was drawn up with and shared with youth and parents; NULL otherwise or unknown.';
COMMENT ON COLUMN toegang.productcategorie IS 'iJw JZ020 product category of a beschikking (31-38, 43-48, 54, 55); NULL for other events.';
COMMENT ON COLUMN toegang.delivery_id IS 'The delivery that last wrote this row.';

CREATE TABLE jzplus (
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
    delivery_id           BIGINT NOT NULL,
    PRIMARY KEY (aanbieder, plaatsing_id)
);
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
