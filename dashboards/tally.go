package dashboards

import (
	"math"

	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// Cell keys and area keys of a tally.
const (
	totalKey  = "total" // the placements of the area
	allArea   = "all"
	otherArea = "" // municipalities that no configured region lists
)

// tally holds counts the dashboard derives itself (routes, signal times)
// per area, and how they add up, so that they can be published under the
// same rules as the KPI figures: counts below the threshold withheld,
// the rest rounded to 5, and complementary suppression over every
// additive relation, within an area (a total and its parts) and across
// areas (all = the regions + the municipalities outside them).
type tally struct {
	areas  []string // allArea, the region keys, otherArea when it has placements
	keys   []string // cell keys within an area; keys[0] is totalKey
	raw    map[string]map[string]int
	groups [][]string // additive relations within an area, the sum first
}

// newTally starts a tally over all, the regions, and the municipalities
// outside them when withOther says the KPI output has any (even with no
// placements this window: kpi.Publish then counts them as withheld
// zeros, and the tally must add up the same way) or a route has one.
func newTally(regions []string, rs []route, withOther bool) *tally {
	t := &tally{areas: []string{allArea}, keys: []string{totalKey}, raw: map[string]map[string]int{}}
	known := map[string]bool{}
	for _, r := range regions {
		t.areas = append(t.areas, r)
		known[r] = true
	}
	for _, r := range rs {
		if !known[r.Region] {
			withOther = true
		}
	}
	if withOther {
		t.areas = append(t.areas, otherArea)
	}
	for _, a := range t.areas {
		t.raw[a] = map[string]int{}
	}
	return t
}

// areaOf is the tally area of a route's region.
func (t *tally) areaOf(region string) string {
	for _, a := range t.areas[1:] {
		if a == region && a != otherArea {
			return a
		}
	}
	return otherArea
}

// add counts n placements under key in the route's area and in all.
func (t *tally) add(region, key string, n int) {
	t.raw[allArea][key] += n
	t.raw[t.areaOf(region)][key] += n
}

func (t *tally) addKey(key string) {
	for _, k := range t.keys {
		if k == key {
			return
		}
	}
	t.keys = append(t.keys, key)
}

// publish applies the policy. totals holds the published placements
// figure of each area from kpi.Publish: a total it withheld stays
// withheld here, and a total it published is never chosen for
// complementary suppression (the reader has it anyway).
func (t *tally) publish(p disclosure.Policy, totals map[string]kpi.Figure) map[string]map[string]count {
	nk := len(t.keys)
	idx := func(ai, ki int) int { return ai*nk + ki }
	kindex := map[string]int{}
	for i, k := range t.keys {
		kindex[k] = i
	}
	cells := make([]disclosure.Cell, len(t.areas)*nk)
	for ai, a := range t.areas {
		for ki, k := range t.keys {
			v := t.raw[a][k]
			c := disclosure.Cell{Value: v, Withheld: v < p.Threshold}
			if k == totalKey {
				c.Value = math.MaxInt32 // withheld last of all
				if f, ok := totals[a]; ok && f.Value == nil {
					c.Withheld = true
				}
			}
			cells[idx(ai, ki)] = c
		}
	}
	var breakdowns [][]int
	for ai := range t.areas {
		for _, g := range t.groups {
			b := make([]int, len(g))
			for i, k := range g {
				b[i] = idx(ai, kindex[k])
			}
			breakdowns = append(breakdowns, b)
		}
	}
	if len(t.areas) > 1 {
		for ki := range t.keys {
			b := make([]int, len(t.areas))
			for ai := range t.areas {
				b[ai] = idx(ai, ki)
			}
			breakdowns = append(breakdowns, b)
		}
	}
	// The indexes come from the tally itself, so they are in range.
	if err := disclosure.Complement(cells, breakdowns); err != nil {
		panic(err)
	}
	out := map[string]map[string]count{}
	for ai, a := range t.areas {
		out[a] = map[string]count{}
		for ki, k := range t.keys {
			v := t.raw[a][k]
			if cells[idx(ai, ki)].Withheld {
				out[a][k] = count{BelowThreshold: v < p.Threshold}
				continue
			}
			n, _ := p.Count(v)
			if f, ok := totals[a]; ok && k == totalKey && f.Value != nil {
				n = int(*f.Value) // the same rule gave the same figure
			}
			out[a][k] = count{Value: &n}
		}
	}
	return out
}

// stage is one step of the route to placement.
type stage struct {
	Title string
	Cats  []category
	of    func(route) string
}

// category is one node of a stage; Colour keeps a category's colour the
// same in every chart (yes blue, no orange, as in the Okabe–Ito palette).
type category struct{ ID, Label, Colour string }

// routeStages are the steps of the klantroutes Sankey, left to right.
// The machtiging stage lists "onbekend" only when some placement lacks
// one.
func routeStages(rs []route) []stage {
	yesNo := func(yes, no string) []category { return []category{{"ja", yes, "#0072B2"}, {"nee", no, "#D55E00"}} }
	b := func(v bool) string {
		if v {
			return "ja"
		}
		return "nee"
	}
	machtiging := []category{{"spoed", "Spoedmachtiging", "#CC79A7"}, {"regulier", "Reguliere machtiging", "#009E73"}, {"voorwaardelijk", "Voorwaardelijke machtiging", "#56B4E9"}}
	for _, r := range rs {
		if r.Machtiging == "onbekend" {
			machtiging = append(machtiging, category{"onbekend", "Machtiging onbekend", "#999999"})
			break
		}
	}
	return []stage{
		{Title: "Eerste signaal", Cats: []category{{"jgz", "Eerste signaal: JGZ", "#56B4E9"}, {"verzuim", "Eerste signaal: verzuim", "#E69F00"}, {"toegang", "Eerste signaal: toegang", "#009E73"}, {"geen", "Geen signaal in 2 jaar vooraf", "#999999"}},
			of: func(r route) string { return r.FirstSignal }},
		{Title: "Verklarende analyse", Cats: yesNo("Gedeelde VA vooraf", "Geen gedeelde VA"), of: func(r route) string { return b(r.VA) }},
		{Title: "Ambulante hulp", Cats: yesNo("Ambulante hulp vooraf", "Geen ambulante hulp vooraf"), of: func(r route) string { return b(r.Ambulant) }},
		{Title: "Beraad", Cats: yesNo("Beraad met jongere", "Geen beraad met jongere"), of: func(r route) string { return b(r.Beraad) }},
		{Title: "Machtiging", Cats: machtiging, of: func(r route) string { return r.Machtiging }},
	}
}

func nodeKey(s int, cat string) string  { return string(rune('0'+s)) + ":" + cat }
func linkKey(s int, a, b string) string { return nodeKey(s, a) + ">" + nodeKey(s+1, b) }

// routeTally counts placements per area, per stage category (nodes) and
// per pair of categories of consecutive stages (links). Each stage's
// nodes add up to the total; each node's outgoing and incoming links add
// up to the node.
func routeTally(regions []string, rs []route, stages []stage, withOther bool) *tally {
	t := newTally(regions, rs, withOther)
	for s, st := range stages {
		var layer []string
		for _, c := range st.Cats {
			t.addKey(nodeKey(s, c.ID))
			layer = append(layer, nodeKey(s, c.ID))
		}
		t.groups = append(t.groups, append([]string{totalKey}, layer...))
	}
	for s := 0; s+1 < len(stages); s++ {
		for _, a := range stages[s].Cats {
			out := []string{nodeKey(s, a.ID)}
			for _, b := range stages[s+1].Cats {
				t.addKey(linkKey(s, a.ID, b.ID))
				out = append(out, linkKey(s, a.ID, b.ID))
			}
			t.groups = append(t.groups, out)
		}
		for _, b := range stages[s+1].Cats {
			in := []string{nodeKey(s+1, b.ID)}
			for _, a := range stages[s].Cats {
				in = append(in, linkKey(s, a.ID, b.ID))
			}
			t.groups = append(t.groups, in)
		}
	}
	for _, r := range rs {
		t.add(r.Region, totalKey, r.Placements)
		for s, st := range stages {
			t.add(r.Region, nodeKey(s, st.of(r)), r.Placements)
			if s+1 < len(stages) {
				t.add(r.Region, linkKey(s, st.of(r), stages[s+1].of(r)), r.Placements)
			}
		}
	}
	return t
}

// signalBins are the groups of days from first signal to placement.
var signalBins = []category{
	{ID: "d0_30", Label: "0–30 dagen"},
	{ID: "d31_90", Label: "31–90 dagen"},
	{ID: "d91_180", Label: "91–180 dagen"},
	{ID: "d181_365", Label: "181–365 dagen"},
	{ID: "d366_730", Label: "366–730 dagen"},
	{ID: "geen", Label: "Geen signaal in 2 jaar vooraf"},
}

// signalTally counts placements per area and group of days from first
// signal to placement; the groups add up to the total.
func signalTally(regions []string, rs []route, withOther bool) *tally {
	t := newTally(regions, rs, withOther)
	g := []string{totalKey}
	for _, b := range signalBins {
		t.addKey(b.ID)
		g = append(g, b.ID)
	}
	t.groups = [][]string{g}
	for _, r := range rs {
		t.add(r.Region, totalKey, r.Placements)
		t.add(r.Region, r.SignalBin, r.Placements)
	}
	return t
}
