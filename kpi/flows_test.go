package kpi

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// The flow figures of report month 2026-10 (window 2025-11-01..2026-10-31,
// last day 2026-10-31; the window a year earlier 2024-11-01..2025-10-31),
// worked out by hand from testdata/flows/jzplus.csv. All in groningen;
// T1 alone in drenthe (GM1680).
//
//	Q1 A GM0014 m 01-01 start 2026-01-10 end 2026-10-31 (last day of the month: in care; ended in window)
//	Q2 B GM1969 m 2026-03-15 after its start 2026-03-01: wait -14; open
//	Q3 C GM0014 m 04-01 start 2026-05-01 end 2026-10-30: ended, not in care on 10-31
//	Q4 D GM0014 m 05-25 start 2026-06-01 open; Q5 D GM1966 m 06-20 start 2026-07-01 open:
//	   two overlapping placements of one youth: D counts once in all and groningen
//	R1 E GM0014 ended 2025-03-01; R2 E starts 2026-03-01 = day 365 → R1 readmitted;
//	   R2 m 02-20 start 03-01 (wait 9) end 2026-06-01
//	S1 F GM0014 ended 2025-04-01; S2 F starts 2026-04-02 = day 366 → not readmitted; S2 wait 3, open
//	T1 G GM1680 ended 2025-06-30, never placed again
//	U1 H GM0014 ended 2025-08-31; U2 H starts that same day (a transfer, day 0: not a
//	   readmission) and ends 2025-10-15, in the window a year earlier too
//	V1 I GM0014 starts 2026-11-01, the day after the month: not in care, not in the window
//	W1 J GM0014 ends 2025-10-31, the last day of the window a year earlier
//
// inflow (placements): Q1 Q2 Q3 Q4 Q5 R2 S2 = 7; GM0014 Q1 Q3 Q4 R2 S2 = 5; GM1966 1; GM1969 1
// outflow: Q1 Q3 R2 = 3, all in GM0014
// occupancy on 2026-10-31: A B D F = 4; GM0014 A D F = 3; GM1966 D; GM1969 B
// waits: Q1 9, Q2 -14, Q3 30, Q4 7, Q5 11, R2 9, S2 3 → all: -14 3 7 9 9 11 30 → 9;
//
//	GM0014: 3 7 9 9 30 → 9; GM1966 11; GM1969 -14
//
// readmitted_365: ended a year earlier R1 S1 T1 U1 U2 W1 → 1 of 6; groningen and
// GM0014 1 of 5; drenthe and GM1680 0 of 1
type flows struct {
	Placements, Outflow, Occupancy, Wait float64
	ReadNum, ReadDen                     int64
}

var wantFlows = map[string]flows{
	"all":       {Placements: 7, Outflow: 3, Occupancy: 4, Wait: 9, ReadNum: 1, ReadDen: 6},
	"groningen": {Placements: 7, Outflow: 3, Occupancy: 4, Wait: 9, ReadNum: 1, ReadDen: 5},
	"drenthe":   {ReadNum: 0, ReadDen: 1},
	"GM0014":    {Placements: 5, Outflow: 3, Occupancy: 3, Wait: 9, ReadNum: 1, ReadDen: 5},
	"GM1966":    {Placements: 1, Occupancy: 1, Wait: 11},
	"GM1969":    {Placements: 1, Occupancy: 1, Wait: -14},
	"GM1680":    {ReadNum: 0, ReadDen: 1},
}

// flowsDB lands testdata/flows in a fresh working database.
func flowsDB(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := zsql.Open(ctx, filepath.Join(t.TempDir(), "flows.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("flows-research-key-0123456789abcdef")}
	res, err := in.IngestFile(ctx, c, filepath.Join("testdata", "flows", "jzplus.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Quarantined != 0 {
		t.Fatalf("%d rows quarantined; the fixture must land whole", res.Quarantined)
	}
	return db
}

// flowFigures computes the history with the query text history and
// returns the flow figures of 2026-10 per area that has any.
func flowFigures(t *testing.T, db *sql.DB, history string) map[string]flows {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.FirstMonth = "2026-10"
	if _, err := refreshWith(ctx, db, cfg, now, history, true); err != nil {
		t.Fatal(err)
	}
	rep, err := Load(ctx, db, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]flows{}
	for _, r := range rep.Rows {
		f := got[r.Area]
		switch ID(r.KPI) {
		case Placements:
			f.Placements = r.Value.Float64
		case Outflow:
			f.Outflow = r.Value.Float64
		case Occupancy:
			f.Occupancy = r.Value.Float64
		case MedianWaitDays:
			f.Wait = r.Value.Float64
		case Readmitted365:
			f.ReadNum, f.ReadDen = r.Numerator.Int64, r.Denominator.Int64
		default:
			continue
		}
		got[r.Area] = f
	}
	for a, f := range got {
		if f == (flows{}) {
			delete(got, a)
		}
	}
	return got
}

func TestFlowFigures(t *testing.T) {
	db := flowsDB(t)
	if diff := cmp.Diff(wantFlows, flowFigures(t, db, historySQL)); diff != "" {
		t.Errorf("flow figures of 2026-10 (-want +got):\n%s", diff)
	}
}

// TestFlowBoundaries moves each boundary of the flow figures in the
// history query by one and wants the hand-worked figures to catch it.
func TestFlowBoundaries(t *testing.T) {
	db := flowsDB(t)
	for _, m := range []struct{ name, from, to string }{
		{"einddatum on the last day is out of care", "a.einddatum >= m.window_end", "a.einddatum > m.window_end"},
		{"an open placement is out of care", "(a.einddatum IS NULL OR a.einddatum >= m.window_end)", "(a.einddatum >= m.window_end)"},
		{"a youth with two placements counts twice", "count(DISTINCT a.research_id) AS occupancy", "count(*) AS occupancy"},
		{"a start after the month end is in care", "ON a.startdatum <= m.window_end AND", "ON a.startdatum <= m.window_end + 1 AND"},
		{"day 365 is not a readmission", "t.einddatum + 1 AND t.einddatum + 365", "t.einddatum + 1 AND t.einddatum + 364"},
		{"day 366 is a readmission", "t.einddatum + 1 AND t.einddatum + 365", "t.einddatum + 1 AND t.einddatum + 366"},
		{"a transfer on the einddatum is a readmission", "t.einddatum + 1 AND t.einddatum + 365", "t.einddatum AND t.einddatum + 365"},
		{"the window a year earlier ends a day early", "CAST(m - INTERVAL 11 MONTH - INTERVAL 1 DAY AS DATE) AS prior_end", "CAST(m - INTERVAL 11 MONTH - INTERVAL 2 DAY AS DATE) AS prior_end"},
		{"a machtiging after the start counts as no wait", "t.startdatum - t.machtigingsdatum AS wait_days", "greatest(t.startdatum - t.machtigingsdatum, 0) AS wait_days"},
		{"outflow leaves out the last day", "ON a.einddatum BETWEEN m.window_start AND m.window_end\n)", "ON a.einddatum BETWEEN m.window_start AND m.window_end - 1\n)"},
	} {
		t.Run(m.name, func(t *testing.T) {
			mutated := strings.Replace(historySQL, m.from, m.to, 1)
			if mutated == historySQL {
				t.Fatalf("the history query has no %q", m.from)
			}
			if diff := cmp.Diff(wantFlows, flowFigures(t, db, mutated)); diff == "" {
				t.Errorf("with %q for %q the figures did not change", m.to, m.from)
			}
		})
	}
}
