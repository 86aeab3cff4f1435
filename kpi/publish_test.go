package kpi

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// TestPublishLeavesOutEmptyMunicipalities: a municipality outside every
// region with no placements in the window (it had some in earlier
// windows) must not withhold a region by complementary suppression; one
// with placements below the threshold still does, as SPEC §2 says.
func TestPublishLeavesOutEmptyMunicipalities(t *testing.T) {
	count := func(area, typ string, v float64) Row {
		return Row{KPI: "placements", AreaType: typ, Area: area, Value: sql.NullFloat64{Float64: v, Valid: true}}
	}
	cfg := config.Default()
	p, err := disclosure.New(10)
	if err != nil {
		t.Fatal(err)
	}
	published := func(outside float64) map[string]*float64 {
		rep := &Report{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Rows: []Row{
			count("all", "total", 180+outside), count("groningen", "region", 108), count("drenthe", "region", 72),
			count("GM0014", "gemeente", 108), count("GM1680", "gemeente", 72), count("GM0080", "gemeente", outside),
		}}
		got := map[string]*float64{}
		for _, f := range Publish(rep, p, cfg).Rows {
			got[f.Area] = f.Value
		}
		return got
	}
	v := func(f float64) *float64 { return &f }
	tests := []struct {
		outside float64
		want    map[string]*float64
	}{
		{0, map[string]*float64{"all": v(180), "groningen": v(110), "drenthe": v(70), "GM0014": v(110), "GM1680": v(70)}},
		// 3 placements: withheld, and the next smallest of all = regions +
		// GM0080 (drenthe) with it, so GM0080 cannot be recovered.
		{3, map[string]*float64{"all": v(185), "groningen": v(110), "drenthe": nil, "GM0014": v(110), "GM1680": nil, "GM0080": nil}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, published(tt.outside)); diff != "" {
			t.Errorf("GM0080 with %v placements (-want +got):\n%s", tt.outside, diff)
		}
	}
}
