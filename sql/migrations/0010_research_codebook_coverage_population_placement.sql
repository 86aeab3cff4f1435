-- 0010: what a researcher needs beside the data to build a study on the
-- research snapshot (issue 17): the code lists with Dutch labels
-- (codebook), how far back each source reaches (source_coverage), a
-- denominator (population from JGZ, population_cbs for CBS figures,
-- population_rates), and one placement view with a single key, age and
-- sex, every KPI flag with the date of the event behind it and whether
-- the look-back lay inside the sources' coverage (placement).
--
-- Naming (README, "For researchers"): derived names are English
-- snake_case; columns that carry a source's coded values keep the Dutch
-- contract name (gemeente, geslacht, machtiging, startdatum, ...). A KPI
-- flag carries its KPI's name, its event date the flag's name with
-- _date, its look-back completeness the KPI's name with
-- _lookback_complete. Every comment stands on its own: the snapshot
-- ships without the project's documents.
--
-- The views use only functions and syntax that DuckDB clients from 1.1
-- on bind, since a view is bound again by the client that reads the
-- snapshot.
--
-- Every statement can run again on a database that has its objects
-- (IF NOT EXISTS, OR REPLACE): tests simulate an older
-- database by rolling schema_migrations back, and then apply this
-- migration a second time.

-- ---------------------------------------------------------------------
-- codebook
-- ---------------------------------------------------------------------

-- The codebook is a view over a list of values, not a table: it belongs
-- to the schema version, like the contracts it documents, so a database
-- restored from an older file still gets this version's codebook (and a
-- restore that copies every table's rows finds no rows of it to copy).
-- A new code is a new migration that replaces the view.
CREATE OR REPLACE VIEW codebook AS
SELECT code_list, code, label_nl, CAST(valid_from AS DATE) AS valid_from, CAST(valid_to AS DATE) AS valid_to, note
FROM (VALUES
-- jgz
('jgz.signaal', 'geen', 'geen signaal', NULL, NULL, 'A JGZ contact without a signal; every other code of jgz.signaal is a signal.'),
('jgz.signaal', 'sdq_verhoogd', 'verhoogde SDQ-score', NULL, NULL, 'Signal: raised score on the SDQ (Strengths and Difficulties Questionnaire). Counts toward early_signal and first_signal_date.'),
('jgz.signaal', 'zorg_thuissituatie', 'zorg over de thuissituatie', NULL, NULL, 'Signal: concern about the home situation. Counts toward early_signal and first_signal_date.'),
('jgz.signaal', 'melding_veilig_thuis', 'melding bij Veilig Thuis', NULL, NULL, 'Signal: a report to Veilig Thuis (the advice and reporting centre for domestic violence and child abuse). Counts toward early_signal and first_signal_date.'),
('jgz.signaal', 'verwijzing_toegang', 'verwijzing naar de toegang', NULL, NULL, 'Signal: a referral to the municipal access team (toegang). Counts toward early_signal and first_signal_date.'),
('jgz.geslacht', 'M', 'man', NULL, NULL, NULL),
('jgz.geslacht', 'V', 'vrouw', NULL, NULL, NULL),
('jgz.geslacht', 'X', 'X (geslacht niet als M of V geregistreerd)', NULL, NULL, 'The delivery contract lists X beside M and V without defining it further; read it as registered neither as M nor as V.'),
-- verzuim
('verzuim.verzuimsoort', 'relatief', 'relatief verzuim', NULL, NULL, 'Leerplicht term: a pupil enrolled at a school who is absent without a valid reason. The delivery contract gives the code without a definition. Not an early signal; counts toward first_signal_date (any verzuim report does).'),
('verzuim.verzuimsoort', 'langdurig_relatief', 'langdurig relatief verzuim', NULL, NULL, 'Leerplicht term: relative absence that lasts four weeks or more in a row. The delivery contract gives the code without a definition. Counts toward early_signal and first_signal_date.'),
('verzuim.verzuimsoort', 'absoluut', 'absoluut verzuim', NULL, NULL, 'Leerplicht term: a youth of compulsory school age not enrolled at any school. The delivery contract gives the code without a definition. Counts toward early_signal and first_signal_date.'),
('verzuim.verzuimsoort', 'luxe', 'luxeverzuim', NULL, NULL, 'Leerplicht term: absence for a holiday outside the school holidays without leave. The delivery contract gives the code without a definition. Not an early signal; counts toward first_signal_date (any verzuim report does).'),
('verzuim.verzuimsoort', 'thuiszitter', 'thuiszitter', NULL, NULL, 'Leerplicht term: a youth who does not attend school for a longer time, enrolled or not. The delivery contract gives the code without a definition. Counts toward early_signal and first_signal_date.'),
-- toegang
('toegang.gebeurtenis', 'aanmelding', 'aanmelding bij de toegang', NULL, NULL, 'The youth is registered with the municipal access team. Counts toward first_signal_date.'),
('toegang.gebeurtenis', 'verklarende_analyse', 'verklarende analyse', NULL, NULL, 'An explanatory analysis of the youth''s problems; toegang.gedeeld says whether it was drawn up with and shared with youth and parents. With gedeeld = ja it counts toward va_coverage and va_timely.'),
('toegang.gebeurtenis', 'ambulant_ingezet', 'ambulante hulp ingezet', NULL, NULL, 'Ambulant (non-residential) help was deployed. Counts toward ambulant_before.'),
('toegang.gebeurtenis', 'ambulant_overwogen', 'ambulante hulp overwogen', NULL, NULL, 'Ambulant (non-residential) help was considered. Counts toward ambulant_before.'),
('toegang.gebeurtenis', 'servicepunt_consult', 'consult bij het servicepunt (betekenis verder niet in het contract)', NULL, NULL, 'The delivery contract names this event without defining which service point it is; no KPI counts it.'),
('toegang.gebeurtenis', 'spoedberaad', 'spoedberaad', NULL, NULL, 'An urgent case conference. With jongere_aanwezig = ja it counts toward beraad_with_youth.'),
('toegang.gebeurtenis', 'zorgoverleg', 'zorgoverleg', NULL, NULL, 'A care conference. With jongere_aanwezig = ja it counts toward beraad_with_youth.'),
('toegang.gebeurtenis', 'beschikking', 'beschikking', NULL, NULL, 'A decision granting youth care; toegang.productcategorie holds its product category. Categories 31-34 and 54 count toward ambulant_before.'),
('toegang.jongere_aanwezig', 'ja', 'ja, de jongere was aanwezig', NULL, NULL, 'Only on spoedberaad and zorgoverleg; NULL elsewhere or when unknown.'),
('toegang.jongere_aanwezig', 'nee', 'nee, de jongere was niet aanwezig', NULL, NULL, 'Only on spoedberaad and zorgoverleg; NULL elsewhere or when unknown.'),
('toegang.gedeeld', 'ja', 'ja, opgesteld met en gedeeld met jongere en ouders', NULL, NULL, 'Only on verklarende_analyse; NULL elsewhere or when unknown.'),
('toegang.gedeeld', 'nee', 'nee, niet gedeeld met jongere en ouders', NULL, NULL, 'Only on verklarende_analyse; NULL elsewhere or when unknown.'),
('toegang.productcategorie', '31', 'iJw-productcategorie 31 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. Counts toward ambulant_before.'),
('toegang.productcategorie', '32', 'iJw-productcategorie 32 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. Counts toward ambulant_before.'),
('toegang.productcategorie', '33', 'iJw-productcategorie 33 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. Counts toward ambulant_before.'),
('toegang.productcategorie', '34', 'iJw-productcategorie 34 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. Counts toward ambulant_before.'),
('toegang.productcategorie', '35', 'iJw-productcategorie 35 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '36', 'iJw-productcategorie 36 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '37', 'iJw-productcategorie 37 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '38', 'iJw-productcategorie 38 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '43', 'iJw-productcategorie 43 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '44', 'iJw-productcategorie 44 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '45', 'iJw-productcategorie 45 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '46', 'iJw-productcategorie 46 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '47', 'iJw-productcategorie 47 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '48', 'iJw-productcategorie 48 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
('toegang.productcategorie', '54', 'iJw-productcategorie 54 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. Counts toward ambulant_before.'),
('toegang.productcategorie', '55', 'iJw-productcategorie 55 (omschrijving niet in het contract)', NULL, NULL, 'Product category of a beschikking in the iJw standard (code list JZ020); the delivery contract gives no description. No KPI counts it.'),
-- jzplus
('jzplus.machtiging', 'spoed', 'spoedmachtiging', NULL, NULL, 'Emergency court authorisation for closed youth care. Counts toward spoed_share (the flag spoed).'),
('jzplus.machtiging', 'regulier', 'reguliere machtiging', NULL, NULL, 'Regular (non-emergency) court authorisation for closed youth care.'),
('jzplus.machtiging', 'voorwaardelijk', 'voorwaardelijke machtiging', NULL, NULL, 'Conditional court authorisation for closed youth care.'),
('jzplus.reden_einde', '01', 'reden beëindiging code 01 (betekenis niet in het contract)', NULL, NULL, 'The delivery contract calls reden_einde a CBS reason-of-ending code 01-05 without the meaning of each code; ask the provider before reading a meaning into it.'),
('jzplus.reden_einde', '02', 'reden beëindiging code 02 (betekenis niet in het contract)', NULL, NULL, 'The delivery contract calls reden_einde a CBS reason-of-ending code 01-05 without the meaning of each code; ask the provider before reading a meaning into it.'),
('jzplus.reden_einde', '03', 'reden beëindiging code 03 (betekenis niet in het contract)', NULL, NULL, 'The delivery contract calls reden_einde a CBS reason-of-ending code 01-05 without the meaning of each code; ask the provider before reading a meaning into it.'),
('jzplus.reden_einde', '04', 'reden beëindiging code 04 (betekenis niet in het contract)', NULL, NULL, 'The delivery contract calls reden_einde a CBS reason-of-ending code 01-05 without the meaning of each code; ask the provider before reading a meaning into it.'),
('jzplus.reden_einde', '05', 'reden beëindiging code 05 (betekenis niet in het contract)', NULL, NULL, 'The delivery contract calls reden_einde a CBS reason-of-ending code 01-05 without the meaning of each code; ask the provider before reading a meaning into it.'),
('jzplus.perspectief_onderwijs', 'ja', 'ja, er is een perspectief op onderwijs', NULL, NULL, 'Counts toward perspective_education. The delivery carries no date of the assessment.'),
('jzplus.perspectief_onderwijs', 'nee', 'nee, er is geen perspectief op onderwijs', NULL, NULL, 'The delivery carries no date of the assessment.'),
('jzplus.perspectief_onderwijs', 'onbekend', 'onbekend', NULL, NULL, 'Not known to the provider; counts as no perspective in perspective_education.'),
('jzplus.perspectief_wonen', 'ja', 'ja, er is een perspectief op een woonplek', NULL, NULL, 'Counts toward perspective_housing. The delivery carries no date of the assessment.'),
('jzplus.perspectief_wonen', 'nee', 'nee, er is geen perspectief op een woonplek', NULL, NULL, 'The delivery carries no date of the assessment.'),
('jzplus.perspectief_wonen', 'onbekend', 'onbekend', NULL, NULL, 'Not known to the provider; counts as no perspective in perspective_housing.'),
-- gemeente: the municipalities of the default regions, CBS codes and
-- names of the municipal boundaries of 2021 (the last change in these
-- two provinces: Eemsdelta formed on 2021-01-01).
('gemeente', 'GM0014', 'Groningen', NULL, NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021 (the code keeps its number after the municipality took in Haren and Ten Boer on 2019-01-01; figures from before 2019 cover a smaller area).'),
('gemeente', 'GM1966', 'Het Hogeland', '2019-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2019-01-01.'),
('gemeente', 'GM1969', 'Westerkwartier', '2019-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2019-01-01.'),
('gemeente', 'GM1952', 'Midden-Groningen', '2018-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2018-01-01.'),
('gemeente', 'GM1979', 'Eemsdelta', '2021-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2021-01-01.'),
('gemeente', 'GM1895', 'Oldambt', '2010-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2010-01-01.'),
('gemeente', 'GM0765', 'Pekela', NULL, NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0037', 'Stadskanaal', NULL, NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0047', 'Veendam', NULL, NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1950', 'Westerwolde', '2018-01-01', NULL, 'Region groningen in the default configuration. CBS municipal boundaries of 2021; the municipality exists since 2018-01-01.'),
('gemeente', 'GM1680', 'Aa en Hunze', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0106', 'Assen', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1681', 'Borger-Odoorn', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0109', 'Coevorden', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1690', 'De Wolden', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0114', 'Emmen', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0118', 'Hoogeveen', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0119', 'Meppel', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1731', 'Midden-Drenthe', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1699', 'Noordenveld', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1730', 'Tynaarlo', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM1701', 'Westerveld', NULL, NULL, 'Region drenthe in the default configuration. CBS municipal boundaries of 2021.'),
('gemeente', 'GM0080', 'Leeuwarden', NULL, NULL, 'In no region of the default configuration (province of Friesland): its placements count in KPI area outside. CBS municipal boundaries of 2021; the code keeps its number through the merger of 2018-01-01, so figures from before 2018 cover a smaller area.')
) AS v(code_list, code, label_nl, valid_from, valid_to, note);

COMMENT ON VIEW codebook IS 'Code lists of every coded column, with Dutch labels: code_list table.column (such as jzplus.machtiging) holds the codes that column may hold as delivered; code_list gemeente holds the CBS municipality codes of the default regions (and Leeuwarden, outside them), which every gemeente column uses. Join as codebook.code_list = ''jzplus.machtiging'' AND codebook.code = jzplus.machtiging. A code that the delivery contract accepts without a documented meaning says so in its label and note instead of guessing.';
COMMENT ON COLUMN codebook.code_list IS 'The code list: table.column of the coded column (jgz.signaal, jgz.geslacht, verzuim.verzuimsoort, toegang.gebeurtenis, toegang.jongere_aanwezig, toegang.gedeeld, toegang.productcategorie, jzplus.machtiging, jzplus.reden_einde, jzplus.perspectief_onderwijs, jzplus.perspectief_wonen), or gemeente for the CBS municipality codes of every gemeente column.';
COMMENT ON COLUMN codebook.code IS 'The code exactly as stored in the coded column.';
COMMENT ON COLUMN codebook.label_nl IS 'Dutch label of the code.';
COMMENT ON COLUMN codebook.valid_from IS 'First day the code holds with this label; NULL where it holds for all the data in this file.';
COMMENT ON COLUMN codebook.valid_to IS 'Last day the code holds with this label; NULL while it still holds.';
COMMENT ON COLUMN codebook.note IS 'What the code means or counts toward in this file''s views, its source, and any doubt about the label; NULL where the label says it all.';


-- ---------------------------------------------------------------------
-- source_coverage
-- ---------------------------------------------------------------------

CREATE OR REPLACE VIEW source_coverage AS
WITH dated AS (
    SELECT 'jgz' AS source, 'contactdatum' AS date_column, gemeente, contactdatum AS d FROM jgz
    UNION ALL
    SELECT 'verzuim', 'meldingsdatum', gemeente, meldingsdatum FROM verzuim
    UNION ALL
    SELECT 'toegang', 'datum', gemeente, datum FROM toegang
    UNION ALL
    SELECT 'jzplus', 'startdatum', gemeente, startdatum FROM jzplus WHERE startdatum IS NOT NULL
)
SELECT source, date_column, gemeente, min(d) AS first_date, max(d) AS last_date, count(*) AS n_rows,
       max(max(d)) OVER (PARTITION BY source) AS source_last_date
FROM dated
GROUP BY source, date_column, gemeente;

COMMENT ON VIEW source_coverage IS 'How far each source reaches, per municipality: the first and last date of its rows. Before first_date a source''s silence says nothing about a youth, nor after the latest date it delivered (source_last_date): the look-back of a placement is complete only where it lies inside both (placement.lookback_complete and the other _lookback_complete columns). In a small municipality a source with few rows (verzuim, toegang) may show a first_date later than it began to deliver, which makes the look-back flags err toward cut short.';
COMMENT ON COLUMN source_coverage.source IS 'Source table: jgz, verzuim, toegang or jzplus.';
COMMENT ON COLUMN source_coverage.date_column IS 'The date the coverage is taken over: jgz.contactdatum, verzuim.meldingsdatum, toegang.datum, jzplus.startdatum (the dates the KPIs look back over, and the placement start).';
COMMENT ON COLUMN source_coverage.gemeente IS 'CBS municipality code of the rows (labels in codebook, code_list gemeente); NULL for rows delivered without a municipality.';
COMMENT ON COLUMN source_coverage.first_date IS 'Earliest date of the source''s rows in this municipality.';
COMMENT ON COLUMN source_coverage.last_date IS 'Latest date of the source''s rows in this municipality.';
COMMENT ON COLUMN source_coverage.n_rows IS 'Number of rows behind first_date and last_date.';
COMMENT ON COLUMN source_coverage.source_last_date IS 'Latest date of the source''s rows in any municipality: how far its deliveries reach. The look-back flags take a source as covering a municipality from first_date to source_last_date, since a quiet month in one municipality is no gap in the deliveries.';

-- ---------------------------------------------------------------------
-- Age and sex from JGZ
-- ---------------------------------------------------------------------

-- A youth whose JGZ contacts disagree on sex gets the latest contact's
-- value; the tie-break on the value itself (M < V < X) keeps it
-- deterministic. The ordering key is an integer (days * 4 + the value's
-- rank) rather than text: at a million youths the text key cost a third
-- of population's time.
CREATE OR REPLACE VIEW jgz_youth AS
SELECT
    research_id,
    max(geboortemaand) AS geboortemaand,
    arg_max(geslacht, date_diff('day', DATE '1970-01-01', contactdatum) * 4 + CASE geslacht WHEN 'M' THEN 1 WHEN 'V' THEN 2 ELSE 3 END)
        FILTER (WHERE geslacht IS NOT NULL) AS geslacht
FROM jgz
GROUP BY research_id;

COMMENT ON VIEW jgz_youth IS 'One row per youth known to JGZ with the birth month and sex JGZ recorded: the source of age and sex in population, population_rates and placement.';
COMMENT ON COLUMN jgz_youth.research_id IS 'Pseudonymous research id of the youth.';
COMMENT ON COLUMN jgz_youth.geboortemaand IS 'Birth month (first day of the month) as JGZ recorded it; the latest where contacts disagree; NULL where never recorded.';
COMMENT ON COLUMN jgz_youth.geslacht IS 'M, V or X (labels in codebook, code_list jgz.geslacht) as recorded at the youth''s latest JGZ contact that recorded one; NULL where never recorded.';

-- ---------------------------------------------------------------------
-- population
-- ---------------------------------------------------------------------

-- Age on 1 July of the year in full years, taking the first day of the
-- birth month as the birthday (only the month is delivered). The
-- municipality is the latest contact's, ties broken by the higher code
-- (the integer key of days * 10000 + the code's number, as in jgz_youth).
CREATE OR REPLACE VIEW population AS
WITH seen AS (
    SELECT research_id,
           year(contactdatum) AS calendar_year,
           arg_max(gemeente, date_diff('day', DATE '1970-01-01', contactdatum) * 10000 + TRY_CAST(substr(gemeente, 3) AS INTEGER))
               FILTER (WHERE gemeente IS NOT NULL) AS gemeente
    FROM jgz
    GROUP BY research_id, year(contactdatum)
),
aged AS (
    SELECT s.gemeente, s.calendar_year, y.geslacht,
           s.calendar_year - year(y.geboortemaand) - CASE WHEN month(y.geboortemaand) > 7 THEN 1 ELSE 0 END AS age
    FROM seen s
    JOIN jgz_youth y USING (research_id)
    WHERE y.geboortemaand IS NOT NULL
)
SELECT
    gemeente,
    calendar_year,
    CASE WHEN age <= 3 THEN '0-3' WHEN age <= 11 THEN '4-11' WHEN age <= 17 THEN '12-17' ELSE '18-23' END AS age_band,
    geslacht,
    count(*) AS youths
FROM aged
WHERE age BETWEEN 0 AND 23
GROUP BY ALL;

COMMENT ON VIEW population IS 'Youths known to JGZ: per municipality, calendar year, age band and sex, the number of distinct youths with at least one JGZ contact in that year. A denominator the data itself gives; it misses youths JGZ did not see that year (JGZ sees most young children every year, older ones less often), so population_cbs, where filled, is the reference. Youths without a recorded birth month are left out.';
COMMENT ON COLUMN population.gemeente IS 'CBS municipality code of the youth''s latest JGZ contact in the year that recorded one (labels in codebook, code_list gemeente); NULL where no contact that year recorded one.';
COMMENT ON COLUMN population.calendar_year IS 'Calendar year of the JGZ contacts.';
COMMENT ON COLUMN population.age_band IS 'Age band of the age on 1 July of the year, in full years from the first day of the birth month: 0-3, 4-11, 12-17 or 18-23. Youths not yet born on 1 July, or older than 23, are not counted that year.';
COMMENT ON COLUMN population.geslacht IS 'Sex as JGZ recorded it (jgz_youth.geslacht): M, V or X; NULL where never recorded.';
COMMENT ON COLUMN population.youths IS 'Number of distinct youths.';

CREATE TABLE IF NOT EXISTS population_cbs (
    gemeente      VARCHAR NOT NULL,
    calendar_year INTEGER NOT NULL,
    age_band      VARCHAR NOT NULL CHECK (age_band IN ('0-3', '4-11', '12-17', '18-23')),
    geslacht      VARCHAR CHECK (geslacht IN ('M', 'V', 'X')),
    youths        BIGINT NOT NULL CHECK (youths >= 0)
);
COMMENT ON TABLE population_cbs IS 'Population figures of Statistics Netherlands (CBS) in the shape of population: per municipality, calendar year, age band and sex. Empty until CBS figures are imported; where it holds a municipality and year, population_rates takes its denominator from here instead of from population.';
COMMENT ON COLUMN population_cbs.gemeente IS 'CBS municipality code (labels in codebook, code_list gemeente).';
COMMENT ON COLUMN population_cbs.calendar_year IS 'Calendar year of the figure.';
COMMENT ON COLUMN population_cbs.age_band IS 'Age band: 0-3, 4-11, 12-17 or 18-23 (years).';
COMMENT ON COLUMN population_cbs.geslacht IS 'M (mannen) or V (vrouwen) as CBS counts them; NULL for a figure over both sexes. Give a municipality, year and age band either per sex or once over both sexes, not both: population_rates adds the rows up.';
COMMENT ON COLUMN population_cbs.youths IS 'Number of inhabitants.';

CREATE OR REPLACE VIEW population_rates AS
WITH
cbs_years AS (
    SELECT DISTINCT gemeente, calendar_year FROM population_cbs
),
denominator AS (
    SELECT gemeente, calendar_year, age_band, sum(youths) AS youths, 'cbs' AS denominator_source
    FROM population_cbs
    GROUP BY gemeente, calendar_year, age_band
    UNION ALL
    SELECT p.gemeente, p.calendar_year, p.age_band, sum(p.youths), 'jgz'
    FROM population p
    WHERE p.gemeente IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM cbs_years c WHERE c.gemeente = p.gemeente AND c.calendar_year = p.calendar_year)
    GROUP BY p.gemeente, p.calendar_year, p.age_band
),
denominator_all_ages AS (
    SELECT * FROM denominator
    UNION ALL
    SELECT gemeente, calendar_year, '0-23', sum(youths), denominator_source
    FROM denominator
    GROUP BY gemeente, calendar_year, denominator_source
),
placed AS (
    SELECT p.gemeente, year(p.startdatum) AS calendar_year,
           year(p.startdatum) - year(y.geboortemaand) - CASE WHEN month(y.geboortemaand) > 7 THEN 1 ELSE 0 END AS age
    FROM jzplus p
    LEFT JOIN jgz_youth y USING (research_id)
    WHERE p.gemeente IS NOT NULL AND p.startdatum IS NOT NULL
),
placements AS (
    SELECT gemeente, calendar_year,
           CASE WHEN age <= 3 THEN '0-3' WHEN age <= 11 THEN '4-11' WHEN age <= 17 THEN '12-17' ELSE '18-23' END AS age_band,
           count(*) AS placements
    FROM placed
    WHERE age BETWEEN 0 AND 23
    GROUP BY ALL
    UNION ALL
    SELECT gemeente, calendar_year, '0-23', count(*)
    FROM placed
    GROUP BY ALL
)
SELECT
    gemeente,
    calendar_year,
    age_band,
    coalesce(p.placements, 0) AS placements,
    d.youths,
    d.denominator_source,
    CASE WHEN d.youths > 0 THEN 1000.0 * coalesce(p.placements, 0) / d.youths END AS placements_per_1000
FROM denominator_all_ages d
FULL JOIN placements p USING (gemeente, calendar_year, age_band);

COMMENT ON VIEW population_rates IS 'JZ+ placements per 1,000 youths, per responsible municipality, calendar year of startdatum and age band, with age band 0-23 for all ages. The denominator is population_cbs where it holds the municipality and year, else the youths known to JGZ (population); denominator_source says which. Exact person-level figures, not disclosure-controlled.';
COMMENT ON COLUMN population_rates.gemeente IS 'CBS municipality code: the placement''s responsible municipality and the population''s municipality (labels in codebook, code_list gemeente).';
COMMENT ON COLUMN population_rates.calendar_year IS 'Calendar year of the placements'' startdatum and of the population.';
COMMENT ON COLUMN population_rates.age_band IS '0-3, 4-11, 12-17 or 18-23 (age on 1 July of the year, in full years from the first day of the birth month as JGZ recorded it), or 0-23 for all placements and all youths of the municipality and year, including placements of youths whose age is unknown.';
COMMENT ON COLUMN population_rates.placements IS 'JZ+ placements with startdatum in the year; 0 where there were none.';
COMMENT ON COLUMN population_rates.youths IS 'The denominator: youths in the municipality, year and age band; NULL where no population figure exists.';
COMMENT ON COLUMN population_rates.denominator_source IS 'cbs (population_cbs) or jgz (youths known to JGZ, population); NULL where there is no denominator.';
COMMENT ON COLUMN population_rates.placements_per_1000 IS '1000 * placements / youths; NULL where there is no denominator.';

-- ---------------------------------------------------------------------
-- placement
-- ---------------------------------------------------------------------

-- The flags come from placement_timeline (and placement_link) as they
-- are; the dates behind them are taken over the same look-back windows.
-- Age and sex are those of jgz_youth, computed here for the placed youths
-- only (jgz_youth aggregates every youth JGZ knows).
-- placement_key is a function of (aanbieder, plaatsing_id) only, so it
-- is the same in every snapshot; chr(31) cannot occur in either (the
-- contract refuses control characters), so no two pairs share an input.
CREATE OR REPLACE VIEW placement AS
WITH
-- Each source is joined once to the placements of the youths it has rows
-- of (a hash join whose build side is the placements, streaming the
-- source past it), and the dates are filtered aggregates over the
-- windows: cheaper than a subquery per date, which read the source
-- tables once per date column.
toegang_dates AS (
    SELECT
        p.aanbieder,
        p.plaatsing_id,
        min(t.datum) FILTER (WHERE t.gebeurtenis = 'verklarende_analyse' AND t.gedeeld = 'ja'
            AND t.datum BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum) AS va_coverage_date,
        min(t.datum) FILTER (WHERE t.gebeurtenis = 'verklarende_analyse' AND t.gedeeld = 'ja'
            AND t.datum BETWEEN p.machtigingsdatum - 365 AND p.machtigingsdatum - 28) AS va_timely_date,
        min(t.datum) FILTER (WHERE (t.gebeurtenis IN ('ambulant_ingezet', 'ambulant_overwogen')
                 OR (t.gebeurtenis = 'beschikking' AND t.productcategorie IN ('31', '32', '33', '34', '54')))
            AND t.datum BETWEEN p.startdatum - 365 AND p.startdatum) AS ambulant_before_date,
        min(t.datum) FILTER (WHERE t.gebeurtenis IN ('spoedberaad', 'zorgoverleg') AND t.jongere_aanwezig = 'ja'
            AND t.datum BETWEEN p.startdatum - 90 AND p.startdatum) AS beraad_with_youth_date
    FROM jzplus p
    JOIN toegang t ON t.research_id = p.research_id
    GROUP BY p.aanbieder, p.plaatsing_id
),
early_signals AS (
    SELECT research_id, contactdatum AS datum FROM jgz WHERE signaal <> 'geen'
    UNION ALL
    SELECT research_id, meldingsdatum FROM verzuim WHERE verzuimsoort IN ('langdurig_relatief', 'absoluut', 'thuiszitter')
),
early_signal_dates AS (
    SELECT p.aanbieder, p.plaatsing_id, min(s.datum) AS early_signal_date
    FROM jzplus p
    JOIN early_signals s ON s.research_id = p.research_id AND s.datum BETWEEN p.startdatum - 730 AND p.startdatum
    GROUP BY p.aanbieder, p.plaatsing_id
),
readmissions AS (
    SELECT p.aanbieder, p.plaatsing_id, min(q.startdatum) AS readmitted_365_date
    FROM jzplus p
    JOIN jzplus q ON q.research_id = p.research_id AND q.startdatum BETWEEN p.einddatum + 1 AND p.einddatum + 365
    GROUP BY p.aanbieder, p.plaatsing_id
),
-- Age and sex as jgz_youth gives them, for the placed youths only.
placed_youth AS (
    SELECT
        research_id,
        max(geboortemaand) AS geboortemaand,
        arg_max(geslacht, date_diff('day', DATE '1970-01-01', contactdatum) * 4 + CASE geslacht WHEN 'M' THEN 1 WHEN 'V' THEN 2 ELSE 3 END)
        FILTER (WHERE geslacht IS NOT NULL) AS geslacht
    FROM jgz
    WHERE research_id IN (SELECT research_id FROM jzplus)
    GROUP BY research_id
),
coverage AS (
    SELECT source, gemeente, first_date, source_last_date AS last_date
    FROM source_coverage
    WHERE source IN ('jgz', 'verzuim', 'toegang') AND gemeente IS NOT NULL
),
lookback AS (
    SELECT
        p.aanbieder,
        p.plaatsing_id,
        coalesce(j.first_date <= p.startdatum - 730 AND j.last_date >= p.startdatum, false) AS jgz_lookback_complete,
        coalesce(v.first_date <= p.startdatum - 730 AND v.last_date >= p.startdatum, false) AS verzuim_lookback_complete,
        coalesce(t.first_date <= p.startdatum - 730 AND t.last_date >= p.startdatum, false) AS toegang_lookback_complete,
        coalesce(t.first_date <= p.machtigingsdatum - 365 AND t.last_date >= p.machtigingsdatum, false) AS va_lookback_complete,
        coalesce(t.first_date <= p.startdatum - 365 AND t.last_date >= p.startdatum, false) AS ambulant_before_lookback_complete,
        coalesce(t.first_date <= p.startdatum - 90 AND t.last_date >= p.startdatum, false) AS beraad_with_youth_lookback_complete
    FROM jzplus p
    LEFT JOIN coverage j ON j.source = 'jgz' AND j.gemeente = p.gemeente
    LEFT JOIN coverage v ON v.source = 'verzuim' AND v.gemeente = p.gemeente
    LEFT JOIN coverage t ON t.source = 'toegang' AND t.gemeente = p.gemeente
)
SELECT
    left(md5(tl.aanbieder || chr(31) || tl.plaatsing_id), 16) AS placement_key,
    tl.aanbieder,
    tl.plaatsing_id,
    tl.research_id,
    tl.gemeente,
    tl.region,
    tl.machtiging,
    tl.machtigingsdatum,
    tl.startdatum,
    tl.einddatum,
    pl.reden_einde,
    tl.perspectief_onderwijs,
    tl.perspectief_wonen,
    tl.stay_days,
    tl.startdatum - tl.machtigingsdatum AS wait_days,
    pl.placement_seq,
    pl.youth_placements,
    y.geslacht,
    date_diff('month', y.geboortemaand, tl.startdatum) AS age_at_start_months,
    CAST(floor(date_diff('month', y.geboortemaand, tl.startdatum) / 12) AS INTEGER) AS age_at_start_years,
    tl.spoed,
    CASE WHEN tl.spoed THEN tl.machtigingsdatum END AS spoed_date,
    tl.va_coverage,
    td.va_coverage_date,
    tl.va_timely,
    td.va_timely_date,
    tl.ambulant_before,
    td.ambulant_before_date,
    tl.beraad_with_youth,
    td.beraad_with_youth_date,
    tl.perspective_education,
    tl.perspective_housing,
    tl.early_signal,
    es.early_signal_date,
    tl.first_signal_date,
    tl.startdatum - tl.first_signal_date AS signal_days,
    r.readmitted_365_date IS NOT NULL AS readmitted_365,
    r.readmitted_365_date,
    tl.linked_toegang,
    tl.linked_signal_sources,
    lb.jgz_lookback_complete AND lb.verzuim_lookback_complete AND lb.toegang_lookback_complete AS lookback_complete,
    lb.jgz_lookback_complete,
    lb.verzuim_lookback_complete,
    lb.toegang_lookback_complete,
    lb.va_lookback_complete,
    lb.ambulant_before_lookback_complete,
    lb.beraad_with_youth_lookback_complete,
    lb.jgz_lookback_complete AND lb.verzuim_lookback_complete AS early_signal_lookback_complete
FROM placement_timeline tl
JOIN placement_link pl USING (aanbieder, plaatsing_id)
JOIN lookback lb USING (aanbieder, plaatsing_id)
LEFT JOIN toegang_dates td USING (aanbieder, plaatsing_id)
LEFT JOIN early_signal_dates es USING (aanbieder, plaatsing_id)
LEFT JOIN readmissions r USING (aanbieder, plaatsing_id)
LEFT JOIN placed_youth y ON y.research_id = tl.research_id;

COMMENT ON VIEW placement IS 'One row per JZ+ placement, keyed by placement_key: the placement as last delivered, the youth''s age and sex from JGZ, region and municipality, every KPI flag with the date of the event behind it, and whether each KPI''s look-back lay inside the coverage of the sources it looks into. A flag is true when a qualifying event lies in its look-back window (reference date minus the look-back, up to and including the reference date); its _date column is the earliest such event. The monthly KPIs (kpi_history) count these flags over the placements whose startdatum falls in the 12 calendar months ending with the report month.';
COMMENT ON COLUMN placement.placement_key IS 'Key of the placement: 16 hex characters, the start of the MD5 of aanbieder, the character U+001F and plaatsing_id; the same placement has the same key in every snapshot. Joins jzplus_history.placement_key.';
COMMENT ON COLUMN placement.aanbieder IS 'Provider code (as delivered).';
COMMENT ON COLUMN placement.plaatsing_id IS 'The provider''s placement id (as delivered); unique per provider.';
COMMENT ON COLUMN placement.research_id IS 'Pseudonymous research id of the youth; the same youth has the same id in every table.';
COMMENT ON COLUMN placement.gemeente IS 'CBS code of the responsible municipality (woonplaatsbeginsel); labels in codebook, code_list gemeente.';
COMMENT ON COLUMN placement.region IS 'Region key of the municipality (regions); NULL when no configured region lists it: such placements count in KPI area outside, not in all.';
COMMENT ON COLUMN placement.machtiging IS 'Court authorisation: spoed, regulier or voorwaardelijk (labels in codebook, code_list jzplus.machtiging).';
COMMENT ON COLUMN placement.machtigingsdatum IS 'Date of the court authorisation: the reference date of va_coverage and va_timely.';
COMMENT ON COLUMN placement.startdatum IS 'First day of the placement: decides the KPI window; the reference date of ambulant_before, beraad_with_youth, early_signal and first_signal_date.';
COMMENT ON COLUMN placement.einddatum IS 'Last day of the placement; NULL while placed.';
COMMENT ON COLUMN placement.reden_einde IS 'Reason-of-ending code 01-05 (codebook, code_list jzplus.reden_einde); NULL while placed.';
COMMENT ON COLUMN placement.perspectief_onderwijs IS 'Perspective on education as delivered: ja, nee or onbekend (codebook, code_list jzplus.perspectief_onderwijs).';
COMMENT ON COLUMN placement.perspectief_wonen IS 'Perspective on a place to live as delivered: ja, nee or onbekend (codebook, code_list jzplus.perspectief_wonen).';
COMMENT ON COLUMN placement.stay_days IS 'einddatum - startdatum in days; NULL while placed. Behind median_stay_days.';
COMMENT ON COLUMN placement.wait_days IS 'startdatum - machtigingsdatum in days. Behind median_wait_days.';
COMMENT ON COLUMN placement.placement_seq IS '1 for the youth''s first placement by startdatum, 2 for the second, and so on.';
COMMENT ON COLUMN placement.youth_placements IS 'Number of JZ+ placements of this youth in all.';
COMMENT ON COLUMN placement.geslacht IS 'Sex as JGZ recorded it (jgz_youth.geslacht): M, V or X; NULL where the youth is not known to JGZ or JGZ recorded none.';
COMMENT ON COLUMN placement.age_at_start_months IS 'Age at startdatum in full months, counted from the first day of the birth month JGZ recorded (only the month is delivered, so the true age may be up to a month less); NULL where JGZ recorded no birth month.';
COMMENT ON COLUMN placement.age_at_start_years IS 'age_at_start_months in full years.';
COMMENT ON COLUMN placement.spoed IS 'Flag of KPI spoed_share: machtiging = spoed.';
COMMENT ON COLUMN placement.spoed_date IS 'machtigingsdatum where spoed is true (the emergency authorisation), else NULL.';
COMMENT ON COLUMN placement.va_coverage IS 'Flag of KPI va_coverage: a toegang verklarende_analyse with gedeeld = ja from machtigingsdatum - 365 days to machtigingsdatum.';
COMMENT ON COLUMN placement.va_coverage_date IS 'Date of the earliest such verklarende_analyse; NULL where va_coverage is false.';
COMMENT ON COLUMN placement.va_timely IS 'Flag of KPI va_timely: such a verklarende_analyse from machtigingsdatum - 365 days to machtigingsdatum - 28 days.';
COMMENT ON COLUMN placement.va_timely_date IS 'Date of the earliest such verklarende_analyse; NULL where va_timely is false.';
COMMENT ON COLUMN placement.ambulant_before IS 'Flag of KPI ambulant_before: toegang ambulant_ingezet or ambulant_overwogen, or a beschikking of productcategorie 31, 32, 33, 34 or 54, from startdatum - 365 days to startdatum.';
COMMENT ON COLUMN placement.ambulant_before_date IS 'Date of the earliest such toegang event; NULL where ambulant_before is false.';
COMMENT ON COLUMN placement.beraad_with_youth IS 'Flag of KPI beraad_with_youth: a toegang spoedberaad or zorgoverleg with jongere_aanwezig = ja from startdatum - 90 days to startdatum.';
COMMENT ON COLUMN placement.beraad_with_youth_date IS 'Date of the earliest such spoedberaad or zorgoverleg; NULL where beraad_with_youth is false.';
COMMENT ON COLUMN placement.perspective_education IS 'Flag of KPI perspective_education: perspectief_onderwijs = ja. The delivery carries no date of the assessment; jzplus_history shows from which delivery on it was reported.';
COMMENT ON COLUMN placement.perspective_housing IS 'Flag of KPI perspective_housing: perspectief_wonen = ja. The delivery carries no date of the assessment; jzplus_history shows from which delivery on it was reported.';
COMMENT ON COLUMN placement.early_signal IS 'Flag of KPI early_signal: a JGZ contact with signaal other than geen, or a verzuim report of verzuimsoort langdurig_relatief, absoluut or thuiszitter, from startdatum - 730 days to startdatum.';
COMMENT ON COLUMN placement.early_signal_date IS 'Date of the earliest such JGZ contact or verzuim report (meldingsdatum); NULL where early_signal is false.';
COMMENT ON COLUMN placement.first_signal_date IS 'Earliest signal from startdatum - 730 days to startdatum, in the wider sense of median_signal_days: a JGZ contact with signaal other than geen, any verzuim report (meldingsdatum), or a toegang aanmelding. NULL where there is none. Not the same as early_signal_date, which counts only the signals of early_signal.';
COMMENT ON COLUMN placement.signal_days IS 'startdatum - first_signal_date in days: behind median_signal_days; NULL where first_signal_date is NULL.';
COMMENT ON COLUMN placement.readmitted_365 IS 'Per-placement flag of KPI readmitted_365: the placement ended and the same youth started another JZ+ placement 1 to 365 days after einddatum (a start on einddatum itself is a transfer).';
COMMENT ON COLUMN placement.readmitted_365_date IS 'startdatum of the earliest such next placement; NULL where readmitted_365 is false.';
COMMENT ON COLUMN placement.linked_toegang IS 'Flag of link-quality KPI linked_toegang: the youth has any toegang row, at any date (no event date).';
COMMENT ON COLUMN placement.linked_signal_sources IS 'Flag of link-quality KPI linked_signal_sources: the youth has any JGZ or verzuim row, at any date (no event date).';
COMMENT ON COLUMN placement.lookback_complete IS 'The 730 days up to and including startdatum lie wholly inside the coverage of JGZ, verzuim and toegang in the placement''s municipality (source_coverage: first_date on or before startdatum - 730 days, source_last_date on or after startdatum). False also where the municipality is unknown or a source has no rows there. Where false, flags that look back may be false for want of data.';
COMMENT ON COLUMN placement.jgz_lookback_complete IS 'JGZ coverage of the municipality spans startdatum - 730 days to startdatum.';
COMMENT ON COLUMN placement.verzuim_lookback_complete IS 'Verzuim coverage of the municipality spans startdatum - 730 days to startdatum.';
COMMENT ON COLUMN placement.toegang_lookback_complete IS 'Toegang coverage of the municipality spans startdatum - 730 days to startdatum.';
COMMENT ON COLUMN placement.va_lookback_complete IS 'Look-back of va_coverage and va_timely complete: toegang coverage of the municipality spans machtigingsdatum - 365 days to machtigingsdatum.';
COMMENT ON COLUMN placement.ambulant_before_lookback_complete IS 'Look-back of ambulant_before complete: toegang coverage of the municipality spans startdatum - 365 days to startdatum.';
COMMENT ON COLUMN placement.beraad_with_youth_lookback_complete IS 'Look-back of beraad_with_youth complete: toegang coverage of the municipality spans startdatum - 90 days to startdatum.';
COMMENT ON COLUMN placement.early_signal_lookback_complete IS 'Look-back of early_signal complete: JGZ and verzuim coverage of the municipality span startdatum - 730 days to startdatum.';

-- ---------------------------------------------------------------------
-- kpi_history said where its KPIs are defined by pointing to a document
-- the snapshot does not ship; the definitions are in the comments of
-- kpi_history.kpi and of the placement view's flags.
-- ---------------------------------------------------------------------

COMMENT ON TABLE kpi_history IS 'Every KPI, count and flow figure for every report month from the first complete 12-month window to the latest complete month, for area all (the configured regions), each region, each configured municipality, and outside (municipalities no region lists); person-level exact figures, not disclosure-controlled. Recomputed in full whenever deliveries land. kpi_history.kpi defines each figure; the placement view holds the per-placement flag behind each ratio, with the date of the event behind it.';
