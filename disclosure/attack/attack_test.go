package attack

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCountInterval(t *testing.T) {
	type out struct {
		Iv Interval
		OK bool
	}
	tests := []struct {
		p    int64
		t    int
		want out
	}{
		{10, 10, out{Interval{10, 12}, true}}, // 10, 11 and 12 are published as 10
		{15, 10, out{Interval{13, 17}, true}},
		{100, 10, out{Interval{98, 102}, true}},
		{5, 5, out{Interval{5, 7}, true}},
		{15, 12, out{Interval{12, 17}, true}}, // 12 rounds to 10, below T: 15
		{10, 8, out{Interval{8, 12}, true}},
		{5, 10, out{Any, false}},  // below T: the rule never publishes it
		{12, 10, out{Any, false}}, // not a multiple of 5
		{0, 10, out{Any, false}},
	}
	for _, tt := range tests {
		iv, ok := CountInterval(tt.p, tt.t)
		if diff := cmp.Diff(tt.want, out{iv, ok}); diff != "" {
			t.Errorf("CountInterval(%d, %d) (-want +got):\n%s", tt.p, tt.t, diff)
		}
	}
}

func TestSystemSum(t *testing.T) {
	tests := []struct {
		name      string
		whole     Interval
		parts     []Interval
		want      []Interval // whole, then parts
		conflicts int
	}{
		{
			name:  "rounded whole and parts at its extremes pin a withheld part to 0",
			whole: Interval{138, 142}, parts: []Interval{{38, 42}, {23, 27}, {23, 27}, {58, 62}, Any},
			want: []Interval{{142, 142}, {38, 38}, {23, 23}, {23, 23}, {58, 58}, {0, 0}},
		},
		{
			name:  "two withheld parts: only their sum is bounded",
			whole: Interval{18, 22}, parts: []Interval{{10, 12}, Any, Any},
			want: []Interval{{18, 22}, {10, 12}, {0, 12}, {0, 12}},
		},
		{
			name:  "two parts known below 10 under a whole of at least 18: both 9",
			whole: Interval{18, 22}, parts: []Interval{{0, 9}, {0, 9}},
			want: []Interval{{18, 18}, {9, 9}, {9, 9}},
		},
		{
			name:  "an unbounded part leaves the whole unbounded",
			whole: Any, parts: []Interval{{3, 5}, Any},
			want: []Interval{{3, Inf}, {3, 5}, {0, Inf}},
		},
		{
			name:  "contradiction is counted, not applied",
			whole: Interval{10, 12}, parts: []Interval{{20, 22}},
			want: []Interval{{10, 12}, {20, 22}}, conflicts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s System
			w := s.Var(tt.whole)
			var ps []int
			for _, p := range tt.parts {
				ps = append(ps, s.Var(p))
			}
			s.Sum(w, ps...)
			if err := s.Solve(); err != nil {
				t.Fatal(err)
			}
			got := []Interval{s.Interval(w)}
			for _, p := range ps {
				got = append(got, s.Interval(p))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("intervals (-want +got):\n%s", diff)
			}
			if s.Conflicts != tt.conflicts {
				t.Errorf("%d conflicts, want %d", s.Conflicts, tt.conflicts)
			}
		})
	}
}

// Helpers for published rows.
func f(v float64) *float64 { return &v }
func n(v int64) *int64     { return &v }

func countRow(kpi, typ, area string, v *float64, why Reason) Row {
	return Row{KPI: kpi, AreaType: typ, Area: area, Value: v, Reason: why}
}

func ratioRow(kpi, typ, area string, num, den int64, v float64) Row {
	return Row{KPI: kpi, AreaType: typ, Area: area, Numerator: n(num), Denominator: n(den), Value: f(v)}
}

func withheldRatio(kpi, typ, area string, why Reason) Row {
	return Row{KPI: kpi, AreaType: typ, Area: area, Suppressed: true, Reason: why}
}

var (
	tree = Tree{
		Areas: []Area{{"total", "all"}, {"region", "groningen"}, {"region", "drenthe"}},
		Relations: []Relation{
			{Whole: Area{"total", "all"}, Parts: []Area{{"region", "groningen"}, {"region", "drenthe"}}},
		},
	}
	single = Tree{Areas: []Area{{"gemeente", "GM1950"}}}
)

// month is report month m (YYYY-MM) with its 12-month window.
func month(m string, rows ...Row) Month {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		panic(err)
	}
	return Month{Month: m, WindowStart: t.AddDate(0, -11, 0).Format("2006-01-02"),
		WindowEnd: t.AddDate(0, 1, -1).Format("2006-01-02"), Rows: rows}
}

// TestRunMechanism: the example of the old output, Westerkwartier
// 2026-11: placements published as 10 and a spoed share of 0.67 leave
// exactly 12 placements and 8 spoed under the exact mechanism; under the
// documented one the same counts say nothing more.
func TestRunMechanism(t *testing.T) {
	old := []Month{{Month: "2026-11", WindowStart: "2025-12-01", WindowEnd: "2026-11-30", Rows: []Row{
		countRow("placements", "gemeente", "GM1950", f(10), ReasonUnknown),
		ratioRow("spoed_share", "gemeente", "GM1950", 10, 10, 0.67),
	}}}
	truth := []Month{{Month: "2026-11", Rows: []Row{
		countRow("placements", "gemeente", "GM1950", f(12), ReasonUnknown),
		ratioRow("spoed_share", "gemeente", "GM1950", 8, 12, 0.6667),
	}}}
	type got struct {
		Mechanism        Mechanism
		Pins             []Pin
		PinnedPlacements int
	}
	ref := RowRef{"2026-11", "spoed_share", "gemeente", "GM1950"}
	tests := []struct {
		mechanism Mechanism
		want      got
	}{
		{Auto, got{Exact, []Pin{
			{RowRef: RowRef{"2026-11", "placements", "gemeente", "GM1950"}, Part: PartCount, Value: 12},
			{RowRef: ref, Part: PartNumerator, Value: 8},
			{RowRef: ref, Part: PartComplement, Value: 4},
			{RowRef: ref, Part: PartDenominator, Value: 12},
		}, 1}},
		{Documented, got{Documented, nil, 0}},
	}
	for _, tt := range tests {
		res, err := Run(old, Options{Threshold: 5, Tree: single, Mechanism: tt.mechanism})
		if err != nil {
			t.Fatal(err)
		}
		sc := res.Score(truth)
		if diff := cmp.Diff(tt.want, got{res.Mechanism, res.Pins, sc.PinnedPlacements}); diff != "" {
			t.Errorf("mechanism %s (-want +got):\n%s", tt.mechanism, diff)
		}
		if len(sc.Unsound) > 0 || sc.FalsePins > 0 {
			t.Errorf("mechanism %s: unsound %v, %d false pins", tt.mechanism, sc.Unsound, sc.FalsePins)
		}
	}
}

// TestRunReasons: all outflow published as 20 and both regions "<10":
// the dashboard's marks pin both at 9, the JSON alone does not.
func TestRunReasons(t *testing.T) {
	pub := []Month{month("2026-06",
		countRow("outflow", "total", "all", f(20), ReasonUnknown),
		countRow("outflow", "region", "groningen", nil, ReasonSmall),
		countRow("outflow", "region", "drenthe", nil, ReasonSmall),
	)}
	truth := []Month{month("2026-06",
		countRow("outflow", "total", "all", f(18), ReasonUnknown),
		countRow("outflow", "region", "groningen", f(9), ReasonUnknown),
		countRow("outflow", "region", "drenthe", f(9), ReasonUnknown),
	)}
	for _, tt := range []struct {
		reasons bool
		want    int
	}{{false, 0}, {true, 2}} {
		res, err := Run(pub, Options{Threshold: 10, Tree: tree, Reasons: tt.reasons, SingleMonth: true})
		if err != nil {
			t.Fatal(err)
		}
		sc := res.Score(truth)
		if sc.RecoveredCounts != tt.want || len(sc.Unsound) > 0 {
			t.Errorf("reasons %v: recovered %d counts, want %d (unsound %v)", tt.reasons, sc.RecoveredCounts, tt.want, sc.Unsound)
		}
	}
}

// TestRunPublishedChecks covers the findings that need no arithmetic.
func TestRunPublishedChecks(t *testing.T) {
	pub := []Month{
		month("2026-01",
			countRow("placements", "total", "all", f(40), ReasonUnknown),
			countRow("placements", "region", "groningen", f(25), ReasonUnknown),
			countRow("placements", "region", "drenthe", nil, ReasonUnknown),
			ratioRow("spoed_share", "total", "all", 40, 40, 1),           // everyone
			ratioRow("va_coverage", "region", "groningen", 10, 25, 0.43), // not 10/25
			countRow("median_stay_days", "total", "all", f(90.5), ReasonUnknown),
			countRow("median_wait_days", "total", "all", f(14), ReasonUnknown),
			countRow("shoe_size", "total", "all", f(42), ReasonUnknown),
		),
		month("2026-02",
			countRow("placements", "total", "all", f(40), ReasonUnknown),
			countRow("placements", "region", "groningen", f(25), ReasonUnknown),
		),
	}
	res, err := Run(pub, Options{Threshold: 10, Tree: tree, Mechanism: Documented, SingleMonth: true})
	if err != nil {
		t.Fatal(err)
	}
	type counts struct {
		AreaMonths, ShownAreaMonths, ZeroOne, PercentMismatches, NonWeekMedians, ListingChanges, Differenced, Unmodelled int
	}
	want := counts{AreaMonths: 5, ShownAreaMonths: 4, ZeroOne: 1, PercentMismatches: 1, NonWeekMedians: 1, ListingChanges: 1, Differenced: 1, Unmodelled: 1}
	got := counts{res.AreaMonths, res.ShownAreaMonths, res.ZeroOne, res.PercentMismatches, res.NonWeekMedians, res.ListingChanges, res.Differenced, res.Unmodelled}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestRunCrossMonth: under the exact mechanism the placements of two
// consecutive report months are pinned: their difference dates a month's
// net change (c). Overlapping windows share their months, and the attack
// stays sound over them.
func TestRunCrossMonth(t *testing.T) {
	var pub, truth []Month
	for _, m := range []struct {
		month string
		exact float64
	}{{"2026-10", 12}, {"2026-11", 11}} {
		spoed := 8.0 / m.exact
		pub = append(pub, month(m.month,
			countRow("placements", "gemeente", "GM1950", f(10), ReasonUnknown),
			ratioRow("spoed_share", "gemeente", "GM1950", 10, 10, float64(int(spoed*100+0.5))/100),
		))
		truth = append(truth, month(m.month,
			countRow("placements", "gemeente", "GM1950", f(m.exact), ReasonUnknown),
			ratioRow("spoed_share", "gemeente", "GM1950", 8, int64(m.exact), spoed),
		))
	}
	res, err := Run(pub, Options{Threshold: 5, Tree: single})
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Score(truth)
	if res.Mechanism != Exact || sc.PinnedPlacements != 2 || res.PinChanges == 0 || len(sc.Unsound) > 0 {
		t.Errorf("mechanism %s, %d placements pinned, %d pin changes, unsound %v; want exact, 2, some, none",
			res.Mechanism, sc.PinnedPlacements, res.PinChanges, sc.Unsound)
	}
}

func TestRunBadInput(t *testing.T) {
	for _, tt := range []struct {
		name   string
		months []Month
		opt    Options
	}{
		{"no threshold", nil, Options{}},
		{"bad month", []Month{{Month: "okt", WindowStart: "2026-01-01", WindowEnd: "2026-10-31"}}, Options{Threshold: 10}},
		{"window not ending in the month", []Month{{Month: "2026-10", WindowStart: "2025-11-01", WindowEnd: "2026-09-30"}}, Options{Threshold: 10}},
	} {
		if _, err := Run(tt.months, tt.opt); !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", tt.name, err)
		}
	}
}
