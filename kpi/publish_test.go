package kpi

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// smallConfig is two regions of two and three municipalities.
func smallConfig() *config.Config {
	cfg := config.Default()
	cfg.Regions = []config.Region{
		{Key: "noord", Name: "Noord", Gemeenten: []string{"GM0001", "GM0002"}},
		{Key: "zuid", Name: "Zuid", Gemeenten: []string{"GM0003", "GM0004", "GM0005"}},
	}
	return cfg
}

// report builds a report month from placements and spoed numerators per
// municipality (the regions and all add up), plus outside placements.
func report(cfg *config.Config, placements, spoed map[string]int, outside int, medians map[string][2]float64) *Report {
	rep := &Report{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		WindowStart: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}
	add := func(a Area, n, s int) {
		rep.Rows = append(rep.Rows,
			Row{KPI: string(Placements), AreaType: string(a.Type), Area: a.Key, Value: sql.NullFloat64{Float64: float64(n), Valid: true}, NValues: int64(n)},
			Row{KPI: string(SpoedShare), AreaType: string(a.Type), Area: a.Key,
				Numerator: sql.NullInt64{Int64: int64(s), Valid: true}, Denominator: sql.NullInt64{Int64: int64(n), Valid: true}, NValues: int64(n)})
		if m, ok := medians[a.Key]; ok {
			rep.Rows = append(rep.Rows, Row{KPI: string(MedianStayDays), AreaType: string(a.Type), Area: a.Key,
				Value: sql.NullFloat64{Float64: m[0], Valid: true}, NValues: int64(m[1])})
		}
	}
	tn, ts := 0, 0
	for _, r := range cfg.Regions {
		rn, rs := 0, 0
		for _, g := range r.Gemeenten {
			add(Area{AreaGemeente, g}, placements[g], spoed[g])
			rn, rs = rn+placements[g], rs+spoed[g]
		}
		add(Area{AreaRegion, r.Key}, rn, rs)
		tn, ts = tn+rn, ts+rs
	}
	add(All(), tn, ts)
	add(Outside(), outside, 0)
	return rep
}

// shown is a compact view of a published figure for comparison.
type shown struct {
	Value  *float64
	Reason Reason
	Bound  *Bound
}

func TestPublish(t *testing.T) {
	cfg := smallConfig()
	policy, err := disclosure.New(10)
	if err != nil {
		t.Fatal(err)
	}
	v := func(f float64) *float64 { return &f }
	noord, zuid := Area{AreaRegion, "noord"}, Area{AreaRegion, "zuid"}
	g := func(code string) Area { return Area{AreaGemeente, code} }
	tests := []struct {
		name                string
		placements, spoed   map[string]int
		outside             int
		medians             map[string][2]float64
		id                  ID
		want                map[Area]shown
		wantOutside         Count
		wantAreasEveryMonth int
	}{{
		// GM0002 has 3 placements: withheld, and the next smallest part
		// of noord (GM0001) with it; noord itself stays, and so does all.
		name:       "a small municipality withholds a sibling, never its region",
		placements: map[string]int{"GM0001": 40, "GM0002": 3, "GM0003": 30, "GM0004": 25, "GM0005": 0},
		spoed:      map[string]int{"GM0001": 20, "GM0002": 1, "GM0003": 15, "GM0004": 12},
		id:         Placements,
		want: map[Area]shown{
			All(): {Value: v(100)}, noord: {Value: v(45)}, zuid: {Value: v(55)},
			g("GM0001"): {Reason: Protected}, g("GM0002"): {Reason: Small},
			// GM0005 has 0: withheld as small, and then zuid has two
			// withheld parts once GM0004 (the next smallest) goes too.
			g("GM0003"): {Value: v(30)}, g("GM0004"): {Reason: Protected}, g("GM0005"): {Reason: Small},
		},
	}, {
		name:       "a ratio is valued from the published counts",
		placements: map[string]int{"GM0001": 42, "GM0002": 38, "GM0003": 30, "GM0004": 25, "GM0005": 22},
		spoed:      map[string]int{"GM0001": 21, "GM0002": 12, "GM0003": 13, "GM0004": 12, "GM0005": 11},
		id:         SpoedShare,
		want: map[Area]shown{
			// all: 69 of 157 → 70 / 155
			All(): {Value: v(0.45)}, noord: {Value: v(0.44)}, zuid: {Value: v(0.47)}, // noord: 33 → 35, 80
			g("GM0001"): {Value: v(0.5)}, g("GM0002"): {Value: v(0.25)}, // 12 → 10, 38 → 40
			g("GM0003"): {Value: v(0.5)}, g("GM0004"): {Value: v(0.4)}, g("GM0005"): {Value: v(0.5)},
		},
	}, {
		name:       "small numerator or complement: bounds, and a sibling protected",
		placements: map[string]int{"GM0001": 60, "GM0002": 45, "GM0003": 30, "GM0004": 25, "GM0005": 22},
		spoed:      map[string]int{"GM0001": 4, "GM0002": 20, "GM0003": 25, "GM0004": 12, "GM0005": 11},
		id:         SpoedShare,
		want: map[Area]shown{
			// all 72 of 182 → 70 / 180; noord 24 of 105 → 25 / 105; zuid 48 of 77 → 50 / 75
			All(): {Value: v(0.39)}, noord: {Value: v(0.24)}, zuid: {Value: v(0.67)},
			// GM0001: 4 spoed of 60 → under 10/60, rounded up; GM0003: 5
			// not spoed of 30 → above 1 − 10/30, rounded down. Each withholds the smallest sibling
			// by numerator: GM0002 in noord, GM0005 in zuid.
			g("GM0001"): {Reason: SmallNumerator, Bound: &Bound{Value: 0.17, Upper: true}},
			g("GM0002"): {Reason: Protected},
			g("GM0003"): {Reason: SmallComplement, Bound: &Bound{Value: 0.66}},
			g("GM0004"): {Value: v(0.4)}, g("GM0005"): {Reason: Protected},
		},
	}, {
		name:       "a region small in all protects the other region, all stays",
		placements: map[string]int{"GM0001": 30, "GM0002": 30, "GM0003": 4, "GM0004": 3, "GM0005": 2},
		spoed:      map[string]int{"GM0001": 15, "GM0002": 15, "GM0003": 2, "GM0004": 1, "GM0005": 1},
		id:         SpoedShare,
		want: map[Area]shown{
			// zuid's 9 placements are withheld in all = noord + zuid, so
			// noord's are too, and then noord = GM0001 + GM0002 would
			// give it back: GM0001 (the first of two equal parts) goes
			// with it. all: 35 of 69 → 35 / 70.
			All(): {Value: v(0.5)}, noord: {Reason: Protected}, zuid: {Reason: SmallBasis},
			g("GM0001"): {Reason: Protected}, g("GM0002"): {Value: v(0.5)},
			g("GM0003"): {Reason: SmallBasis}, g("GM0004"): {Reason: SmallBasis}, g("GM0005"): {Reason: SmallBasis},
		},
	}, {
		name:       "medians in whole weeks over published areas with enough values",
		placements: map[string]int{"GM0001": 30, "GM0002": 30, "GM0003": 30, "GM0004": 12, "GM0005": 9},
		spoed:      map[string]int{"GM0001": 15, "GM0002": 15, "GM0003": 15, "GM0004": 6, "GM0005": 4},
		medians: map[string][2]float64{"all": {45.5, 40}, "noord": {95, 20}, "zuid": {10, 9},
			"GM0001": {3.4, 10}, "GM0004": {80, 12}},
		id: MedianStayDays,
		want: map[Area]shown{
			All(): {Value: v(49)}, noord: {Value: v(98)}, zuid: {Reason: SmallBasis}, // 9 values
			g("GM0001"): {Value: v(0)}, g("GM0002"): {Reason: SmallBasis}, g("GM0003"): {Reason: SmallBasis},
			// GM0004's placements are protected by GM0005's: no median.
			g("GM0004"): {Reason: SmallBasis}, g("GM0005"): {Reason: SmallBasis},
		},
	}, {
		name:        "outside the regions: one data-quality count",
		placements:  map[string]int{"GM0001": 30, "GM0002": 30, "GM0003": 30, "GM0004": 30, "GM0005": 30},
		outside:     13,
		id:          Placements,
		wantOutside: Count{Value: 15},
		want: map[Area]shown{
			All(): {Value: v(150)}, noord: {Value: v(60)}, zuid: {Value: v(90)},
			g("GM0001"): {Value: v(30)}, g("GM0002"): {Value: v(30)}, g("GM0003"): {Value: v(30)}, g("GM0004"): {Value: v(30)}, g("GM0005"): {Value: v(30)},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := Publish(report(cfg, tt.placements, tt.spoed, tt.outside, tt.medians), policy, cfg)
			got := map[Area]shown{}
			for _, a := range pub.Tree.Areas {
				f, ok := pub.Get(tt.id, a)
				if !ok {
					t.Fatalf("no %s figure for %s", tt.id, a)
				}
				got[a] = shown{Value: f.Value, Reason: f.Reason, Bound: f.Bound}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.id, diff)
			}
			if tt.id == Placements {
				if diff := cmp.Diff(tt.wantOutside, pub.Outside); tt.outside > 0 && diff != "" {
					t.Errorf("outside (-want +got):\n%s", diff)
				}
			}
			// Every published ratio is its published numerator over its
			// published denominator.
			for _, f := range pub.Figures {
				if f.KPI.Kind == KindRatio && f.Value != nil {
					if want := disclosure.Ratio(f.Numerator.Value, f.Denominator.Value); *f.Value != want {
						t.Errorf("%s %s = %v, published counts %d/%d give %v", f.KPI.ID, f.Area, *f.Value, f.Numerator.Value, f.Denominator.Value, want)
					}
				}
			}
			// Every configured area is there, every month.
			if n := len(pub.Tree.Areas); n != 1+2+5 {
				t.Errorf("%d published areas, want 8", n)
			}
		})
	}
}

// TestOutputForm checks the stable JSON form of SPEC §5: a withheld ratio
// has numerator, denominator and value null with suppressed true; a shown
// one carries its published counts.
func TestOutputForm(t *testing.T) {
	cfg := smallConfig()
	policy, _ := disclosure.New(10)
	rep := report(cfg,
		map[string]int{"GM0001": 42, "GM0002": 38, "GM0003": 30, "GM0004": 25, "GM0005": 2},
		map[string]int{"GM0001": 21, "GM0002": 12, "GM0003": 13, "GM0004": 12, "GM0005": 1}, 0, nil)
	out := Publish(rep, policy, cfg).Output()
	type row struct {
		Num, Den   *int64
		Value      *float64
		Suppressed bool
	}
	got := map[string]row{}
	for _, r := range out.Rows {
		if r.KPI == SpoedShare {
			got[r.Area] = row{r.Numerator, r.Denominator, r.Value, r.Suppressed}
		}
	}
	i := func(n int64) *int64 { return &n }
	f := func(v float64) *float64 { return &v }
	want := map[string]row{
		"all": {i(60), i(135), f(0.44), false}, "noord": {i(35), i(80), f(0.44), false}, "zuid": {i(25), i(55), f(0.45), false},
		"GM0001": {i(20), i(40), f(0.5), false}, "GM0002": {i(10), i(40), f(0.25), false},
		// GM0005's 2 placements withhold GM0004's (the smaller sibling).
		"GM0003": {i(15), i(30), f(0.5), false}, "GM0004": {Suppressed: true}, "GM0005": {Suppressed: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spoed_share rows (-want +got):\n%s", diff)
	}
	if out.Month != "2026-10" {
		t.Errorf("month %q", out.Month)
	}
}

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*config.Config)
		wantErr string
	}{
		{"defaults", func(*config.Config) {}, ""},
		{"a target changed", func(c *config.Config) { c.Targets = map[string]float64{"spoed_share": 0.1} }, ""},
		{"unknown target", func(c *config.Config) { c.Targets = map[string]float64{"spoed": 0.1} }, "unknown KPIs [spoed]"},
		{"descriptive KPI", func(c *config.Config) { c.Targets = map[string]float64{"early_signal": 0.5} }, "unknown KPIs [early_signal]"},
		{"occupancy of a region", func(c *config.Config) { c.OccupancyTargets = map[string]float64{"drenthe": 12} }, ""},
		{"occupancy of no region", func(c *config.Config) { c.OccupancyTargets = map[string]float64{"friesland": 12} }, "[friesland]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			tt.edit(cfg)
			err := CheckConfig(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("CheckConfig: %v", err)
			case tt.wantErr != "" && (!errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("CheckConfig = %v; want ErrInvalid mentioning %q", err, tt.wantErr)
			}
		})
	}
	if v, ok := Target(config.Default(), SpoedShare); !ok || v != 0 {
		t.Errorf("default spoed_share target %v, %v", v, ok)
	}
}
