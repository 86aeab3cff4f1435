-- 0013: the codebook with the Dutch labels of the iJw 3.2 product
-- categories (code list JZ020) in place of "omschrijving niet in het
-- contract": the toegang source may now deliver its beschikkingen as iJw
-- messages, whose code list is the reference. Only the labels and notes
-- of toegang.productcategorie change; the codes are those the delivery
-- contract accepts (31-38, 43-48, 54, 55). JZ020 also has 40-42 and
-- 49-53, which the contract does not accept. Idempotent, like 0010.

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
('toegang.productcategorie', '31', '(2015) Zonder verblijf: uitgevoerd door wijk- of buurtteam', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Counts toward ambulant_before.'),
('toegang.productcategorie', '32', '(2015) Zonder verblijf: ambulante jeugdhulp op locatie van de aanbieder', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Counts toward ambulant_before.'),
('toegang.productcategorie', '33', '(2015) Zonder verblijf: daghulp op locatie van de aanbieder', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Counts toward ambulant_before.'),
('toegang.productcategorie', '34', '(2015) Zonder verblijf: jeugdhulp in het netwerk van de jeugdige', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Counts toward ambulant_before.'),
('toegang.productcategorie', '35', '(2015) Met verblijf: pleegzorg', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '36', '(2015) Met verblijf: gezinsgericht', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '37', '(2015) Met verblijf: gesloten plaatsing', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '38', '(2015) Met verblijf: overig residentieel', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '43', 'Jeugdhulp verblijf (incl. behandeling)', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '44', 'Jeugdhulp verblijf (excl. behandeling)', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '45', 'Jeugdhulp ambulant', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Not counted by ambulant_before, whose definition lists categories 31-34 and 54 only.'),
('toegang.productcategorie', '46', 'Jeugdhulp crisis', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '47', 'Jeugdreclassering', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '48', 'Jeugdbescherming', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
('toegang.productcategorie', '54', 'Jeugd-ggz', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). Counts toward ambulant_before.'),
('toegang.productcategorie', '55', 'Landelijk ingekochte zorg', NULL, NULL, 'Product category of a beschikking, iJw 3.2 code list JZ020 (label as in that list). No KPI counts it.'),
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
