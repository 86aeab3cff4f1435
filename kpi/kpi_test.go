package kpi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// now is a day in 2026-11, so the latest complete month is 2026-10.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// goldenDB lands the hand-built deliveries of testdata/golden in a fresh
// working database and computes the KPI history.
func goldenDB(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := zsql.Open(ctx, filepath.Join(t.TempDir(), "golden.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("golden-research-key-0123456789abcdef")}
	for _, f := range []struct{ source, file string }{
		{"toegang", "toegang.csv"}, {"jgz", "jgz.csv"}, {"verzuim", "verzuim.csv"},
		{"jzplus", "jzplus_1.csv"}, {"jzplus", "jzplus_2.csv"}, // the second corrects P7
	} {
		c, err := ingest.Source(f.source)
		if err != nil {
			t.Fatal(err)
		}
		res, err := in.IngestFile(ctx, c, filepath.Join("testdata", "golden", f.file))
		if err != nil {
			t.Fatal(err)
		}
		if res.Quarantined != 0 {
			t.Fatalf("%s: %d rows quarantined; the fixture must land whole", f.file, res.Quarantined)
		}
	}
	if _, err := Refresh(ctx, db, config.Default(), now); err != nil {
		t.Fatal(err)
	}
	return db
}

// The expected figures of report month 2026-10, window 2025-11-01 to
// 2026-10-31, worked out by hand from testdata/golden:
//
//	P1  A GM0014 spoed,  m 2026-03-01, start 2026-03-01, end 2026-06-30 (121 days)
//	    VA gedeeld=ja 2025-03-01: exactly 365 days before m → coverage, timely
//	    ambulant_ingezet 2025-03-01: exactly 365 days before start → ambulant
//	    zorgoverleg with youth 2025-12-01: exactly 90 days → beraad
//	    JGZ sdq_verhoogd 2024-03-01: exactly 730 days → early signal, signal 730 days
//	    onderwijs ja, wonen nee
//	P2  B GM0014 regulier, m 2026-04-10, start 2026-05-01, open
//	    VA 2025-04-09: 366 days → no; ambulant_overwogen 2025-04-30: 366 days → no
//	    spoedberaad with youth 2026-01-30: 91 days → no
//	    beschikking categorie 35 (does not count) → no
//	    verzuim thuiszitter 2024-04-30: 731 days → no early signal, no first signal
//	    onderwijs nee, wonen ja
//	P3  C GM1680 voorwaardelijk, m 2026-06-01, start 2026-07-01, end 2026-09-30 (91 days)
//	    VA ja 2026-05-04: exactly 28 days before m → coverage and timely
//	    VA nee 2025-12-01: not shared, does not count either way
//	    beschikking 54 on the start day → ambulant
//	    zorgoverleg without the youth → no beraad
//	    verzuim langdurig_relatief 2024-07-01: exactly 730 days → early, signal 730 days
//	    onderwijs ja, wonen nee
//	P4  C again (placed twice) GM1680 spoed, m = start = 2026-10-31 (window end day), open
//	    VA ja 2026-10-04: 27 days before m; VA ja 2026-05-04 (P3's): 180 days → coverage, timely
//	    beschikking 54 2026-07-01: 122 days → ambulant
//	    verzuim 2024-07-01 is 852 days back → no early signal; first signal is the
//	    aanmelding 2026-01-01: 303 days
//	    onderwijs onbekend, wonen nee
//	P5  D GM0080 (no region: area outside, not in all) spoed, m = start = 2025-11-01 (window start day), end 2026-01-30 (90 days)
//	    VA ja 2025-11-02 is after m → no; VA nee 2025-10-01 not shared → no
//	    JGZ contact with signaal geen → linked to JGZ, no signal
//	    onderwijs onbekend, wonen onbekend
//	P6  E GM0014 spoed, start 2025-10-31: one day before the window → not counted;
//	    its end 2025-11-15 (15 days) falls in the window → in median_stay_days
//	P7  F GM1680: first delivered spoed m 2026-08-14, corrected to regulier m 2026-08-01;
//	    start 2026-08-15, open; no toegang, JGZ or verzuim rows; onderwijs ja, wonen ja
//	P8  H GM1966 regulier, m 2026-02-10, start 2026-02-20, open
//	    VA ja 2026-01-14: 27 days before m, its only VA → coverage, not timely
//	    no JGZ or verzuim rows; onderwijs nee, wonen nee
//	P10 G GM0014 spoed, start 2026-11-01: one day after the window → not counted
//
// In the window: P1 P2 P3 P4 P5 P7 P8 (7 placements; youths A B C D F H = 6, C twice).
// Groningen: P1 P2 (GM0014), P8 (GM1966); Drenthe: P3 P4 P7 (GM1680); GM0080: P5.
// Stays ending in the window: P6 15, P5 90, P3 91, P1 121 → median 90.5.
// First signals: P1 730, P3 730, P4 303 → median 730.
func TestGolden(t *testing.T) {
	db := goldenDB(t)
	rep, err := Load(context.Background(), db, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.WindowStart.Format("2006-01-02") + ".." + rep.WindowEnd.Format("2006-01-02"); got != "2025-11-01..2026-10-31" {
		t.Errorf("window %s", got)
	}
	type fig struct {
		Num, Den *int64
		Value    *float64
	}
	ratio := func(num, den int64) fig {
		var v *float64
		if den > 0 {
			v = ptr(float64(int64(float64(num)/float64(den)*1e4+0.5)) / 1e4)
		}
		return fig{&num, &den, v}
	}
	val := func(v float64) fig { return fig{Value: &v} }
	none := fig{}
	// [kpi][area] for the areas that have placements. all is the
	// configured regions: P5 of GM0080 (no region) is only in outside.
	want := map[string]map[string]fig{
		"spoed_share": { // P1 P4 P5 spoed; P7 corrected to regulier
			"all": ratio(2, 6), "groningen": ratio(1, 3), "drenthe": ratio(1, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(1, 3), "outside": ratio(1, 1)},
		"va_coverage": { // P1 P3 P4 P8
			"all": ratio(4, 6), "groningen": ratio(2, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(1, 1), "GM1680": ratio(2, 3), "outside": ratio(0, 1)},
		"va_timely": { // P1 P3 P4
			"all": ratio(3, 6), "groningen": ratio(1, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(2, 3), "outside": ratio(0, 1)},
		"ambulant_before": { // P1 P3 P4
			"all": ratio(3, 6), "groningen": ratio(1, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(2, 3), "outside": ratio(0, 1)},
		"beraad_with_youth": { // P1
			"all": ratio(1, 6), "groningen": ratio(1, 3), "drenthe": ratio(0, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(0, 3), "outside": ratio(0, 1)},
		"perspective_education": { // P1 P3 P7
			"all": ratio(3, 6), "groningen": ratio(1, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(2, 3), "outside": ratio(0, 1)},
		"perspective_housing": { // P2 P7
			"all": ratio(2, 6), "groningen": ratio(1, 3), "drenthe": ratio(1, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(1, 3), "outside": ratio(0, 1)},
		"early_signal": { // P1 P3
			"all": ratio(2, 6), "groningen": ratio(1, 3), "drenthe": ratio(1, 3),
			"GM0014": ratio(1, 2), "GM1966": ratio(0, 1), "GM1680": ratio(1, 3), "outside": ratio(0, 1)},
		"linked_toegang": { // all but P7
			"all": ratio(5, 6), "groningen": ratio(3, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(2, 2), "GM1966": ratio(1, 1), "GM1680": ratio(2, 3), "outside": ratio(1, 1)},
		"linked_signal_sources": { // P1 P2 P3 P4 P5
			"all": ratio(4, 6), "groningen": ratio(2, 3), "drenthe": ratio(2, 3),
			"GM0014": ratio(2, 2), "GM1966": ratio(0, 1), "GM1680": ratio(2, 3), "outside": ratio(1, 1)},
		"placements": {
			"all": val(6), "groningen": val(3), "drenthe": val(3),
			"GM0014": val(2), "GM1966": val(1), "GM1680": val(3), "outside": val(1)},
		"youths": { // A B C F H; D outside
			"all": val(5), "groningen": val(3), "drenthe": val(2),
			"GM0014": val(2), "GM1966": val(1), "GM1680": val(2), "outside": val(1)},
		"youths_replaced": { // C
			"all": val(1), "groningen": val(0), "drenthe": val(1),
			"GM0014": val(0), "GM1966": val(0), "GM1680": val(1), "outside": val(0)},
		"median_stay_days": { // groningen: P6 15, P1 121; drenthe: P3 91; outside: P5 90
			"all": val(91), "groningen": val(68), "drenthe": val(91),
			"GM0014": val(68), "GM1966": none, "GM1680": val(91), "outside": val(90)},
		"median_signal_days": { // groningen: P1 730; drenthe: P3 730, P4 303
			"all": val(730), "groningen": val(730), "drenthe": val(516.5),
			"GM0014": val(730), "GM1966": none, "GM1680": val(516.5), "outside": none},
		"outflow": { // ended in the window: P6 P1 (GM0014), P3 (GM1680), P5 (outside)
			"all": val(3), "groningen": val(2), "drenthe": val(1),
			"GM0014": val(2), "GM1966": val(0), "GM1680": val(1), "outside": val(1)},
		"occupancy": { // in care on 2026-10-31: B (P2), H (P8), C (P4 starts that day), F (P7)
			"all": val(4), "groningen": val(2), "drenthe": val(2),
			"GM0014": val(1), "GM1966": val(1), "GM1680": val(2), "outside": val(0)},
		"median_wait_days": { // P1 0, P2 21, P8 10; P3 30, P4 0, P7 14 (corrected m); P5 0
			"all": val(12), "groningen": val(10), "drenthe": val(14),
			"GM0014": val(10.5), "GM1966": val(10), "GM1680": val(14), "outside": val(0)},
		"readmitted_365": { // nothing ended in 2024-11-01..2025-10-31
			"all": ratio(0, 0), "groningen": ratio(0, 0), "drenthe": ratio(0, 0),
			"GM0014": ratio(0, 0), "GM1966": ratio(0, 0), "GM1680": ratio(0, 0), "outside": ratio(0, 0)},
	}
	got := map[string]map[string]fig{}
	out := Raw(rep, config.Default())
	seen := 0
	for _, f := range out.Rows {
		id := string(f.KPI)
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected KPI %s", f.KPI)
			continue
		}
		if got[id] == nil {
			got[id] = map[string]fig{}
		}
		switch f.Area {
		case "all", "groningen", "drenthe", "GM0014", "GM1966", "GM1680", "outside":
			got[id][f.Area] = fig{f.Numerator, f.Denominator, f.Value}
			seen++
		default:
			// Every other configured municipality has no placements,
			// and an unlisted one (GM0080) is no area.
			if f.AreaType != AreaGemeente {
				t.Errorf("unexpected area %s/%s", f.AreaType, f.Area)
			}
			k, _ := Lookup(f.KPI)
			switch {
			case k.Kind == KindRatio && (f.Denominator == nil || *f.Denominator != 0 || f.Value != nil):
				t.Errorf("%s %s: want 0 placements and no value", f.KPI, f.Area)
			case k.Kind == KindCount && (f.Value == nil || *f.Value != 0):
				t.Errorf("%s %s: want 0", f.KPI, f.Area)
			case k.Kind == KindMedian && f.Value != nil:
				t.Errorf("%s %s: want no median", f.KPI, f.Area)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("KPIs of 2026-10 (-want +got):\n%s", diff)
	}
	if wantRows := 19 * (1 + 2 + 22 + 1); len(out.Rows) != wantRows {
		t.Errorf("%d rows, want %d (19 KPIs × (all, 2 regions, 22 configured municipalities, outside))", len(out.Rows), wantRows)
	}
	if seen != 19*7 {
		t.Errorf("checked %d figures, want %d", seen, 19*7)
	}
	// Targets travel with the ratios that have one.
	for _, f := range out.Rows {
		if f.KPI == SpoedShare && (f.Target == nil || *f.Target != 0) {
			t.Errorf("spoed_share target = %v, want 0", f.Target)
		}
		if f.KPI == EarlySignal && f.Target != nil {
			t.Errorf("early_signal is descriptive, got target %v", *f.Target)
		}
	}
}

// TestRefreshIdempotent recomputes the history on the same data and on
// data delivered again, and wants the same table.
func TestRefreshIdempotent(t *testing.T) {
	db := goldenDB(t)
	ctx := context.Background()
	dump := func() string {
		rows, err := db.QueryContext(ctx, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM kpi_history ORDER BY ALL")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		s := ""
		for rows.Next() {
			v := make([]sql.NullString, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			rows.Scan(p...)
			s += fmt.Sprintln(v)
		}
		return s
	}
	before := dump()
	span, err := Refresh(ctx, db, config.Default(), now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, dump()); diff != "" {
		t.Errorf("second refresh changed kpi_history:\n%s", diff)
	}
	// P6 starts 2025-10-31: the first complete window ends 2026-09.
	if got := span.First.Format("2006-01") + ".." + span.Last.Format("2006-01"); got != "2026-09..2026-10" {
		t.Errorf("history span %s, want 2026-09..2026-10", got)
	}
	_, err = Load(ctx, db, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
	if err == nil || !errors.Is(err, ErrNoMonth) {
		t.Errorf("Load of a month outside the history: %v, want ErrNoMonth", err)
	}
}

// TestGlidePath checks kpi_progress: a straight line from the first
// window's value to the target in 2027-12.
func TestGlidePath(t *testing.T) {
	db := goldenDB(t)
	var first, second, target sql.NullFloat64
	err := db.QueryRow(`SELECT
		max(value) FILTER (WHERE month = DATE '2026-09-01'),
		max(glide_path) FILTER (WHERE month = DATE '2026-10-01'),
		max(target)
		FROM kpi_progress WHERE kpi = 'spoed_share' AND area = 'all'`).Scan(&first, &second, &target)
	if err != nil {
		t.Fatal(err)
	}
	// The 2026-09 window (2025-10-01..2026-09-30) holds P1 P2 P3 P6 P7 P8 of
	// the regions, not yet P4 (P5 is outside them); spoed: P1 P6 → 2/6. The
	// glide path falls from 1/3 to the target 0 over the 15 months
	// 2026-09..2027-12: one month later 1/3 - (1/3)/15.
	if abs(first.Float64-1.0/3) > 1e-12 || target.Float64 != 0 {
		t.Fatalf("first window spoed_share %v, target %v; want 1/3 and 0", first, target)
	}
	if want := 1.0/3 - 1.0/3/15; abs(second.Float64-want) > 1e-12 {
		t.Errorf("glide path 2026-10 = %v, want %v", second.Float64, want)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
