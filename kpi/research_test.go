package kpi

// The researchers' objects (codebook, placement, source_coverage,
// population, jzplus_history) on a demo database: every coded value the
// data holds has a label, and the placement view reproduces the KPI
// history's numerators from its flags.

import (
	"fmt"
	"testing"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
)

var researchDemo = demoOptions{youths: 3000, seed: 1, from: "2023-01", to: "2026-11"}

// TestCodebookLabelsEveryDemoValue enumerates every distinct value of every
// coded column (the contracts' code columns, and every gemeente column)
// and looks for its label.
func TestCodebookLabelsEveryDemoValue(t *testing.T) {
	db, _ := demoDB(t, researchDemo)
	type column struct{ list, table, name string }
	var cols []column
	for _, c := range ingest.Sources() {
		for _, col := range c.Columns {
			switch col.Kind {
			case contract.Code:
				cols = append(cols, column{c.Source + "." + col.Name, c.Source, col.Name})
			case contract.Gemeente:
				cols = append(cols, column{"gemeente", c.Source, col.Name})
			}
		}
	}
	cols = append(cols, column{"jzplus.machtiging", "jzplus_history", "machtiging"}, column{"gemeente", "placement", "gemeente"})
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT DISTINCT CAST(%[2]s AS VARCHAR) FROM %[1]s WHERE %[2]s IS NOT NULL
			EXCEPT SELECT code FROM codebook WHERE code_list = ? ORDER BY 1`, c.table, c.name)
		rows, err := db.Query(q, c.list)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for rows.Next() {
			var v string
			rows.Scan(&v)
			missing = append(missing, v)
		}
		rows.Close()
		if len(missing) > 0 {
			t.Errorf("%s.%s: values without a label in code list %s: %v", c.table, c.name, c.list, missing)
		}
	}
}

// TestPlacementViewReproducesKPIs: one row per placement; each flag is
// true exactly where its event date is set; and counting a flag over the
// placements of a window and area gives kpi_history's numerator, for every
// ratio KPI, area and month.
func TestPlacementViewReproducesKPIs(t *testing.T) {
	db, _ := demoDB(t, researchDemo)
	var placements, rows, keys int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM jzplus), count(*), count(DISTINCT placement_key) FROM placement`).Scan(&placements, &rows, &keys); err != nil {
		t.Fatal(err)
	}
	if placements == 0 || rows != placements || keys != placements {
		t.Fatalf("%d placements, %d rows in placement, %d distinct keys", placements, rows, keys)
	}
	for _, flag := range []string{"spoed", "va_coverage", "va_timely", "ambulant_before", "beraad_with_youth", "early_signal", "readmitted_365"} {
		var n int
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM placement WHERE %[1]s IS DISTINCT FROM (%[1]s_date IS NOT NULL)`, flag)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d placements where the flag and its date disagree", flag, n)
		}
	}

	// The numerators of kpi_history from the placement view's flags.
	const q = `
WITH months AS (SELECT DISTINCT month, window_start, window_end FROM kpi_history),
areas AS (
    SELECT 'total' AS area_type, 'all' AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME SELECT 'region' AS area_type, region AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME SELECT 'gemeente' AS area_type, gemeente AS area, * FROM placement WHERE region IS NOT NULL
    UNION ALL BY NAME SELECT 'outside' AS area_type, 'outside' AS area, * FROM placement WHERE region IS NULL
),
flags AS (
    SELECT m.month, a.area_type, a.area, k.kpi,
           count(*) FILTER (WHERE CASE k.kpi
               WHEN 'spoed_share' THEN a.spoed WHEN 'va_coverage' THEN a.va_coverage WHEN 'va_timely' THEN a.va_timely
               WHEN 'ambulant_before' THEN a.ambulant_before WHEN 'beraad_with_youth' THEN a.beraad_with_youth
               WHEN 'perspective_education' THEN a.perspective_education WHEN 'perspective_housing' THEN a.perspective_housing
               WHEN 'early_signal' THEN a.early_signal WHEN 'linked_toegang' THEN a.linked_toegang
               WHEN 'linked_signal_sources' THEN a.linked_signal_sources END) AS numerator,
           count(*) AS denominator
    FROM months m
    JOIN areas a ON a.startdatum BETWEEN m.window_start AND m.window_end
    CROSS JOIN (VALUES ('spoed_share'), ('va_coverage'), ('va_timely'), ('ambulant_before'), ('beraad_with_youth'),
        ('perspective_education'), ('perspective_housing'), ('early_signal'), ('linked_toegang'), ('linked_signal_sources')) k(kpi)
    GROUP BY ALL
    UNION ALL
    SELECT m.month, a.area_type, a.area, 'readmitted_365', count(*) FILTER (WHERE a.readmitted_365), count(*)
    FROM months m
    JOIN areas a ON a.einddatum BETWEEN CAST(m.window_start - INTERVAL 1 YEAR AS DATE) AND CAST(m.window_start - INTERVAL 1 DAY AS DATE)
    GROUP BY ALL
)
SELECT h.month, h.kpi, h.area_type, h.area, h.numerator, h.denominator, f.numerator, f.denominator
FROM kpi_history h
LEFT JOIN flags f USING (month, kpi, area_type, area)
WHERE h.numerator IS NOT NULL AND h.denominator > 0
  AND (f.numerator IS DISTINCT FROM h.numerator OR f.denominator IS DISTINCT FROM h.denominator)
ORDER BY ALL
LIMIT 10`
	var checked int
	if err := db.QueryRow(`SELECT count(*) FROM kpi_history WHERE numerator IS NOT NULL AND denominator > 0`).Scan(&checked); err != nil || checked == 0 {
		t.Fatalf("%d ratio rows in kpi_history (%v)", checked, err)
	}
	r, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var month, kpi, areaType, area string
		var hn, hd int
		var fn, fd *int
		if err := r.Scan(&month, &kpi, &areaType, &area, &hn, &hd, &fn, &fd); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s %s %s %s: kpi_history %d/%d, placement view %v/%v", month, kpi, areaType, area, hn, hd, deref(fn), deref(fd))
	}
	t.Logf("%d ratio rows of kpi_history reproduced from the placement view", checked)
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestLookbackOnDemo: the demo's JGZ data begins in 2023-01, so no
// placement that starts before 2025 has a complete 730-day look-back;
// placements late in the demo mostly do.
func TestLookbackOnDemo(t *testing.T) {
	db, _ := demoDB(t, researchDemo)
	var earlyComplete, early, lateComplete, late int
	if err := db.QueryRow(`SELECT
			count(*) FILTER (WHERE startdatum < DATE '2025-01-01' AND lookback_complete),
			count(*) FILTER (WHERE startdatum < DATE '2025-01-01'),
			count(*) FILTER (WHERE startdatum >= DATE '2026-06-01' AND lookback_complete),
			count(*) FILTER (WHERE startdatum >= DATE '2026-06-01')
		FROM placement`).Scan(&earlyComplete, &early, &lateComplete, &late); err != nil {
		t.Fatal(err)
	}
	if early == 0 || earlyComplete != 0 {
		t.Errorf("%d of %d placements before 2025 have a complete look-back, want 0 of some", earlyComplete, early)
	}
	if late == 0 || 2*lateComplete < late {
		t.Errorf("%d of %d placements from 2026-06 on have a complete look-back, want most", lateComplete, late)
	}
	t.Logf("complete look-back: %d of %d placements before 2025, %d of %d from 2026-06 on", earlyComplete, early, lateComplete, late)
}
