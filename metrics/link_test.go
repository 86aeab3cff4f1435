package metrics

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
