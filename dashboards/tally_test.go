package dashboards

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// publishedPins attacks a published tally as a reader who knows the
// rules would: shown counts stand for their rounding, "<T" for 0 to T-1,
// "–" for anything, and the tally's relations add up, in each area and
// across the areas. It returns the withheld cells it pins.
func publishedPins(t *testing.T, p disclosure.Policy, tl *tally, out map[kpi.Area]map[string]kpi.Count) []int {
	t.Helper()
	var cells []disclosure.Cell
	var marked []bool
	for _, a := range tl.areas {
		for _, k := range tl.keys {
			c := out[a][k]
			// A shown cell's value is its published count: Pins reads only
			// the interval it stands for.
			cells = append(cells, disclosure.Cell{Value: c.Value, Withheld: !c.Shown()})
			marked = append(marked, c.Reason == kpi.Small)
		}
	}
	rels := tl.cellRelations()
	pins, err := p.Pins(cells, marked, rels)
	if err != nil {
		t.Fatal(err)
	}
	return pins
}

// TestTallyUnpins checks that the dashboard's own tallies (here the
// signal times) publish no withheld count a reader can work back: the
// total 63 (published 65, at least 63) over three groups of 12 (published
// 10, at most 12) and three of 9 marked "<10" made those three exactly 9.
func TestTallyUnpins(t *testing.T) {
	p, err := disclosure.New(10)
	if err != nil {
		t.Fatal(err)
	}
	region := kpi.Area{Type: kpi.AreaRegion, Key: "groningen"}
	areas := []kpi.Area{kpi.All(), region}
	tl := signalTally(areas, nil)
	for i, b := range signalBins() {
		n := []int{12, 12, 12, 9, 9, 9}[i]
		tl.add(region.Key, b.ID, n)
		tl.add(region.Key, totalKey, n)
	}
	totals := map[kpi.Area]kpi.Count{kpi.All(): {Value: 65}, region: {Value: 65}}
	out := tl.publish(p, totals)
	got := map[string]kpi.Count{}
	for _, b := range signalBins() {
		got[b.ID] = out[region][b.ID]
	}
	want := map[string]kpi.Count{
		"d0_30": {Value: 10}, "d31_90": {Value: 10}, "d91_180": {Value: 10},
		"d181_365": {Reason: kpi.Protected}, "d366_730": {Reason: kpi.Protected}, "geen": {Reason: kpi.Protected},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groningen (-want +got):\n%s", diff)
	}
	if pins := publishedPins(t, p, tl, out); len(pins) > 0 {
		t.Errorf("published cells %v are pinned", pins)
	}
}

// TestTallyNoPinsRandom publishes random signal tallies of two regions
// and attacks each: no withheld count may be pinned, and every shown
// count is its rounding.
func TestTallyNoPinsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 19))
	regions := []kpi.Area{{Type: kpi.AreaRegion, Key: "groningen"}, {Type: kpi.AreaRegion, Key: "drenthe"}}
	areas := append([]kpi.Area{kpi.All()}, regions...)
	checked := 0
	for range 3000 {
		p, err := disclosure.New(disclosure.MinThreshold + r.IntN(11))
		if err != nil {
			t.Fatal(err)
		}
		tl := signalTally(areas, nil)
		raw := map[kpi.Area]int{}
		for _, a := range regions {
			for _, b := range signalBins() {
				n := r.IntN(3 * p.Threshold)
				tl.add(a.Key, b.ID, n)
				tl.add(a.Key, totalKey, n)
				raw[a] += n
				raw[kpi.All()] += n
			}
		}
		totals := publishedTotals(p, areas, raw)
		out := tl.publish(p, totals)
		for _, a := range areas {
			for _, b := range signalBins() {
				c := out[a][b.ID]
				if !c.Shown() {
					continue
				}
				if v, ok := p.Count(tl.raw[a][b.ID]); !ok || v != c.Value {
					t.Fatalf("threshold %d, %s %s: %d shown as %d", p.Threshold, a, b.ID, tl.raw[a][b.ID], c.Value)
				}
			}
		}
		if pins := publishedPins(t, p, tl, out); len(pins) > 0 {
			t.Fatalf("threshold %d: published cells %v are pinned: %v", p.Threshold, pins, out)
		}
		checked++
	}
	if checked < 3000 {
		t.Fatalf("checked %d tallies", checked)
	}
}

// TestRouteTallyNoPinsRandom does the same for random routes to
// placement (the Sankey's nodes and links, two regions).
func TestRouteTallyNoPinsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 5))
	regions := []kpi.Area{{Type: kpi.AreaRegion, Key: "groningen"}, {Type: kpi.AreaRegion, Key: "drenthe"}}
	areas := append([]kpi.Area{kpi.All()}, regions...)
	signals := []string{"jgz", "verzuim", "toegang", "geen"}
	machtigingen := []string{"spoed", "regulier"}
	for range 300 {
		p, err := disclosure.New(disclosure.MinThreshold + r.IntN(11))
		if err != nil {
			t.Fatal(err)
		}
		var rs []route
		raw := map[kpi.Area]int{}
		for range r.IntN(40) {
			rt := route{Region: regions[r.IntN(2)].Key, FirstSignal: signals[r.IntN(4)], VA: r.IntN(2) == 0,
				Ambulant: r.IntN(2) == 0, Beraad: r.IntN(2) == 0, Machtiging: machtigingen[r.IntN(2)], Placements: 1 + r.IntN(15)}
			rs = append(rs, rt)
			raw[kpi.Area{Type: kpi.AreaRegion, Key: rt.Region}] += rt.Placements
			raw[kpi.All()] += rt.Placements
		}
		totals := publishedTotals(p, areas, raw)
		tl := routeTally(areas, rs, routeStages(rs))
		out := tl.publish(p, totals)
		if pins := publishedPins(t, p, tl, out); len(pins) > 0 {
			t.Fatalf("threshold %d: published cells %v are pinned", p.Threshold, pins)
		}
	}
}

// publishedTotals are the areas' placements as kpi.Publish shows them
// where no relation between areas withholds one.
func publishedTotals(p disclosure.Policy, areas []kpi.Area, raw map[kpi.Area]int) map[kpi.Area]kpi.Count {
	totals := map[kpi.Area]kpi.Count{}
	for _, a := range areas {
		if v, ok := p.Count(raw[a]); ok {
			totals[a] = kpi.Count{Value: v}
		} else {
			totals[a] = kpi.Count{Reason: kpi.Small}
		}
	}
	return totals
}

// BenchmarkRouteTallyPublish times the release audit of the routes
// Sankey as the number of regions grows (the north has two or three).
func BenchmarkRouteTallyPublish(b *testing.B) {
	signals := []string{"jgz", "verzuim", "toegang", "geen"}
	machtigingen := []string{"spoed", "regulier"}
	for _, n := range []int{2, 3, 6, 12} {
		b.Run(fmt.Sprintf("regions=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			p, err := disclosure.New(disclosure.DefaultThreshold)
			if err != nil {
				b.Fatal(err)
			}
			areas := []kpi.Area{kpi.All()}
			for i := range n {
				areas = append(areas, kpi.Area{Type: kpi.AreaRegion, Key: fmt.Sprintf("r%d", i)})
			}
			var rs []route
			raw := map[kpi.Area]int{}
			for range 40 * n {
				rt := route{Region: areas[1+r.IntN(n)].Key, FirstSignal: signals[r.IntN(4)], VA: r.IntN(2) == 0,
					Ambulant: r.IntN(2) == 0, Beraad: r.IntN(2) == 0, Machtiging: machtigingen[r.IntN(2)], Placements: 1 + r.IntN(6)}
				rs = append(rs, rt)
				raw[kpi.Area{Type: kpi.AreaRegion, Key: rt.Region}] += rt.Placements
				raw[kpi.All()] += rt.Placements
			}
			totals := publishedTotals(p, areas, raw)
			for b.Loop() {
				routeTally(areas, rs, routeStages(rs)).publish(p, totals)
			}
		})
	}
}
