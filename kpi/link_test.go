package kpi

import "testing"

// TestPlacementLinkAsDefined checks placement_link (migration 0006, built
// from the placements alone) against its first definition (migration
// 0002: every placement joined with youth_link) on the golden deliveries,
// whose youths cover each case: placed twice, with toegang rows only, with
// JGZ or verzuim rows, with no rows in other sources.
func TestPlacementLinkAsDefined(t *testing.T) {
	db := goldenDB(t)
	const asDefined = `
		SELECT p.aanbieder, p.plaatsing_id, p.research_id, p.gemeente, p.machtiging, p.machtigingsdatum,
		       p.startdatum, p.einddatum, p.reden_einde, p.perspectief_onderwijs, p.perspectief_wonen,
		       y.toegang_events > 0 AS linked_toegang,
		       (y.jgz_contacts + y.verzuim_reports) > 0 AS linked_signal_sources,
		       y.placements AS youth_placements,
		       row_number() OVER (PARTITION BY p.research_id ORDER BY p.startdatum, p.aanbieder, p.plaatsing_id) AS placement_seq
		FROM jzplus p JOIN youth_link y USING (research_id)`
	var missing, extra int
	if err := db.QueryRow(`SELECT
		(SELECT count(*) FROM (`+asDefined+` EXCEPT ALL SELECT * FROM placement_link)),
		(SELECT count(*) FROM (SELECT * FROM placement_link EXCEPT ALL `+asDefined+`))`).Scan(&missing, &extra); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || extra != 0 {
		t.Errorf("placement_link differs from its definition: %d rows missing, %d extra", missing, extra)
	}
	// The fixture must exercise every flag both ways, or the comparison
	// above proves little.
	var rows, toegang, signal, placedTwice int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE linked_toegang),
		count(*) FILTER (WHERE linked_signal_sources), count(*) FILTER (WHERE youth_placements > 1)
		FROM placement_link`).Scan(&rows, &toegang, &signal, &placedTwice); err != nil {
		t.Fatal(err)
	}
	if toegang == 0 || toegang == rows || signal == 0 || signal == rows || placedTwice == 0 {
		t.Errorf("fixture too uniform: %d placements, %d linked to toegang, %d to JGZ or verzuim, %d of youths placed more than once",
			rows, toegang, signal, placedTwice)
	}
}

// TestYouthLinkAsDefined checks youth_link (migration 0007, full joins of
// the per-source aggregates) against its first definition (migration
// 0002: the union of their ids, each joined back) on the golden
// deliveries, whose youths are known to one source, to some, or to all.
func TestYouthLinkAsDefined(t *testing.T) {
	db := goldenDB(t)
	// Every golden youth is placed; add youths known to other sources only
	// (ids of the research-id shape, rows as ingest lands them).
	if _, err := db.Exec(`
		INSERT INTO jgz VALUES
			('00000000000000000000000000000001', DATE '2014-03-01', 'M', 'GM0014', DATE '2025-02-01', 'geen', 1),
			('00000000000000000000000000000001', DATE '2014-03-01', 'M', 'GM0106', DATE '2025-06-01', 'sdq_verhoogd', 1),
			('00000000000000000000000000000002', DATE '2013-05-01', 'V', 'GM1680', DATE '2025-03-01', 'geen', 1);
		INSERT INTO verzuim VALUES
			('00000000000000000000000000000002', DATE '2013-06-01', 'GM0080', DATE '2025-04-01', 'relatief', NULL, NULL, 1),
			('00000000000000000000000000000003', NULL, 'GM0014', DATE '2025-05-01', 'absoluut', NULL, NULL, 1);
		INSERT INTO toegang VALUES
			('00000000000000000000000000000004', 'GM1966', DATE '2025-07-01', 'aanmelding', NULL, NULL, NULL, 1);`); err != nil {
		t.Fatal(err)
	}
	const asDefined = `
		WITH
		j AS (SELECT research_id, count(*) AS jgz_contacts, min(contactdatum) FILTER (WHERE signaal <> 'geen') AS first_jgz_signal,
		             max(geboortemaand) AS geboortemaand, arg_max(gemeente, contactdatum) AS gemeente
		      FROM jgz GROUP BY research_id),
		v AS (SELECT research_id, count(*) AS verzuim_reports, min(meldingsdatum) AS first_verzuim_report,
		             max(geboortemaand) AS geboortemaand, arg_max(gemeente, meldingsdatum) AS gemeente
		      FROM verzuim GROUP BY research_id),
		t AS (SELECT research_id, count(*) AS toegang_events, min(datum) FILTER (WHERE gebeurtenis = 'aanmelding') AS first_aanmelding,
		             arg_max(gemeente, datum) AS gemeente
		      FROM toegang GROUP BY research_id),
		p AS (SELECT research_id, count(*) AS placements, min(startdatum) AS first_placement, arg_max(gemeente, startdatum) AS gemeente
		      FROM jzplus GROUP BY research_id),
		ids AS (SELECT research_id FROM j UNION SELECT research_id FROM v UNION SELECT research_id FROM t UNION SELECT research_id FROM p)
		SELECT ids.research_id, coalesce(j.geboortemaand, v.geboortemaand) AS geboortemaand,
		       coalesce(p.gemeente, t.gemeente, v.gemeente, j.gemeente) AS gemeente,
		       coalesce(j.jgz_contacts, 0) AS jgz_contacts, coalesce(v.verzuim_reports, 0) AS verzuim_reports,
		       coalesce(t.toegang_events, 0) AS toegang_events, coalesce(p.placements, 0) AS placements,
		       j.first_jgz_signal, v.first_verzuim_report, t.first_aanmelding, p.first_placement
		FROM ids LEFT JOIN j USING (research_id) LEFT JOIN v USING (research_id)
		LEFT JOIN t USING (research_id) LEFT JOIN p USING (research_id)`
	var missing, extra int
	if err := db.QueryRow(`SELECT
		(SELECT count(*) FROM (SELECT * FROM (`+asDefined+`) EXCEPT ALL SELECT * FROM youth_link)),
		(SELECT count(*) FROM (SELECT * FROM youth_link EXCEPT ALL SELECT * FROM (`+asDefined+`)))`).Scan(&missing, &extra); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || extra != 0 {
		t.Errorf("youth_link differs from its definition: %d rows missing, %d extra", missing, extra)
	}
	// Every source must be absent for some youths and present for others,
	// or the full joins' missing sides go untested.
	var youths, inJGZ, inVerzuim, inToegang, placed int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE jgz_contacts > 0), count(*) FILTER (WHERE verzuim_reports > 0),
		count(*) FILTER (WHERE toegang_events > 0), count(*) FILTER (WHERE placements > 0) FROM youth_link`).Scan(
		&youths, &inJGZ, &inVerzuim, &inToegang, &placed); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{"JGZ": inJGZ, "verzuim": inVerzuim, "toegang": inToegang, "JZ+": placed} {
		if n == 0 || n == youths {
			t.Errorf("fixture too uniform: %d of %d youths known to %s", n, youths, name)
		}
	}
}
