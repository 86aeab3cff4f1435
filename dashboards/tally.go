package dashboards

import (
	"errors"
	"slices"

	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// totalKey is the tally cell of an area's placements.
const totalKey = "placements"

// keyRelation is an additive relation within an area: the parts add up
// to the whole.
type keyRelation struct {
	whole string
	parts []string
}

// tally holds counts the dashboard derives itself (routes, signal times)
// for all and each region, and how they add up, so that they are
// published under the rules of the KPI figures: counts below the
// threshold withheld, the rest rounded to 5, complementary suppression
// over every additive relation, within an area (a total and its parts)
// and across areas (all = the regions), and then, as kpi.Publish's
// release audit does, no withheld count left that the published ones pin
// to one value (disclosure.Policy.Release). Placements of
// municipalities no region lists are in no area (routes.sql leaves them
// out).
type tally struct {
	areas     []kpi.Area // all, then the regions in tree order
	keys      []string   // cell keys within an area; keys[0] is totalKey
	raw       map[kpi.Area]map[string]int
	relations []keyRelation
}

// newTally starts a tally over all and the regions of areas.
func newTally(areas []kpi.Area) *tally {
	t := &tally{keys: []string{totalKey}, raw: map[kpi.Area]map[string]int{}}
	for _, a := range areas {
		if a.Type == kpi.AreaTotal || a.Type == kpi.AreaRegion {
			t.areas = append(t.areas, a)
			t.raw[a] = map[string]int{}
		}
	}
	return t
}

// add counts n placements under key in the region and in all. A region
// the configuration does not list (changed since the KPI history was
// computed) counts nowhere, as in the KPI figures.
func (t *tally) add(region, key string, n int) {
	a := kpi.Area{Type: kpi.AreaRegion, Key: region}
	if _, ok := t.raw[a]; !ok {
		return
	}
	t.raw[kpi.All()][key] += n
	t.raw[a][key] += n
}

func (t *tally) addKey(key string) {
	if !slices.Contains(t.keys, key) {
		t.keys = append(t.keys, key)
	}
}

// placementCounts are the published placements of every area: the
// totals of a tally.
func placementCounts(pub *kpi.Published) map[kpi.Area]kpi.Count {
	out := map[kpi.Area]kpi.Count{}
	for _, a := range pub.Tree.Areas {
		f, _ := pub.Get(kpi.Placements, a)
		out[a] = f.Count
	}
	return out
}

// publish applies the policy. An area's total is its published
// placements count (totals, from placementCounts: the same count every
// other output shows), and an area whose placements are withheld shows
// none of its parts either: they would add up to it.
func (t *tally) publish(p disclosure.Policy, totals map[kpi.Area]kpi.Count) map[kpi.Area]map[string]kpi.Count {
	nk := len(t.keys)
	idx := func(ai, ki int) int { return ai*nk + ki }
	cells := make([]disclosure.Cell, len(t.areas)*nk)
	for ai, a := range t.areas {
		for ki, k := range t.keys {
			v := t.raw[a][k]
			withheld := !totals[a].Shown() || k != totalKey && p.Small(v)
			if k == totalKey && totals[a].Shown() {
				// The total as shown: a published count rounds to itself,
				// so the audit below reads the interval a reader sees.
				v = totals[a].Value
			}
			cells[idx(ai, ki)] = disclosure.Cell{Value: v, Withheld: withheld}
		}
	}
	rels := t.cellRelations()
	// A withheld cell is marked "<T" where its own value is small (an
	// area's withheld total as kpi.Publish marked it), unless Release
	// drops the mark.
	small := func(i int) bool {
		if i%nk == 0 {
			return totals[t.areas[i/nk]].Reason == kpi.Small
		}
		return p.Small(cells[i].Value)
	}
	marked, err := p.Release(cells, rels, small)
	for ai, a := range t.areas {
		// Release may withhold a total to protect a part, as a part of
		// all's; kpi.Publish shows it whatever the tally says.
		if cells[idx(ai, 0)].Withheld == totals[a].Shown() {
			err = errTotalWithheld
		}
	}
	if err != nil {
		// disclosure.ErrPinned or errTotalWithheld, not seen: withhold
		// every part, unmarked, rather than show one a reader could work
		// back.
		marked = make([]bool, len(cells))
		for i := range cells {
			cells[i].Withheld = cells[i].Withheld || i%nk != 0
		}
	}
	out := map[kpi.Area]map[string]kpi.Count{}
	for ai, a := range t.areas {
		out[a] = map[string]kpi.Count{totalKey: totals[a]}
		for ki, k := range t.keys[1:] {
			i := idx(ai, ki+1)
			switch {
			case marked[i]:
				out[a][k] = kpi.Count{Reason: kpi.Small}
			case cells[i].Withheld:
				out[a][k] = kpi.Count{Reason: kpi.Protected}
			default:
				n, _ := p.Count(cells[i].Value)
				out[a][k] = kpi.Count{Value: n}
			}
		}
	}
	return out
}

// errTotalWithheld says that Release withheld an area's total, which
// the dashboard shows as kpi.Publish decided.
var errTotalWithheld = errors.New("dashboards: the release audit withheld a total")

// cellRelations are the tally's relations over its cells, the cell of
// area ai and key ki at index ai*len(t.keys)+ki: the key relations within
// each area, and across areas key by key, totals included (all = the
// regions: kpi.Publish protected the totals in that relation already,
// but a reader combines it with the others).
func (t *tally) cellRelations() []disclosure.Relation {
	nk := len(t.keys)
	idx := func(ai, ki int) int { return ai*nk + ki }
	kindex := map[string]int{}
	for i, k := range t.keys {
		kindex[k] = i
	}
	var rels []disclosure.Relation
	for ai := range t.areas {
		for _, r := range t.relations {
			rel := disclosure.Relation{Whole: idx(ai, kindex[r.whole])}
			for _, k := range r.parts {
				rel.Parts = append(rel.Parts, idx(ai, kindex[k]))
			}
			rels = append(rels, rel)
		}
	}
	for ki := 0; ki < nk && len(t.areas) > 1; ki++ {
		rel := disclosure.Relation{Whole: idx(0, ki)}
		for ai := 1; ai < len(t.areas); ai++ {
			rel.Parts = append(rel.Parts, idx(ai, ki))
		}
		rels = append(rels, rel)
	}
	return rels
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

// routeRef places a klantroutes row in the Sankey diagram: a node
// (stage, category from; to < 0) or a link from a category of stage to
// one of the next stage.
type routeRef struct{ stage, from, to int }

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
func routeTally(areas []kpi.Area, rs []route, stages []stage) *tally {
	t := newTally(areas)
	for s, st := range stages {
		var layer []string
		for _, c := range st.Cats {
			t.addKey(nodeKey(s, c.ID))
			layer = append(layer, nodeKey(s, c.ID))
		}
		t.relations = append(t.relations, keyRelation{whole: totalKey, parts: layer})
	}
	for s := 0; s+1 < len(stages); s++ {
		for _, a := range stages[s].Cats {
			out := keyRelation{whole: nodeKey(s, a.ID)}
			for _, b := range stages[s+1].Cats {
				t.addKey(linkKey(s, a.ID, b.ID))
				out.parts = append(out.parts, linkKey(s, a.ID, b.ID))
			}
			t.relations = append(t.relations, out)
		}
		for _, b := range stages[s+1].Cats {
			in := keyRelation{whole: nodeKey(s+1, b.ID)}
			for _, a := range stages[s].Cats {
				in.parts = append(in.parts, linkKey(s, a.ID, b.ID))
			}
			t.relations = append(t.relations, in)
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
func signalBins() []category {
	return []category{
		{ID: "d0_30", Label: "0–30 dagen"},
		{ID: "d31_90", Label: "31–90 dagen"},
		{ID: "d91_180", Label: "91–180 dagen"},
		{ID: "d181_365", Label: "181–365 dagen"},
		{ID: "d366_730", Label: "366–730 dagen"},
		{ID: "geen", Label: "Geen signaal in 2 jaar vooraf"},
	}
}

// signalTally counts placements per area and group of days from first
// signal to placement; the groups add up to the total.
func signalTally(areas []kpi.Area, rs []route) *tally {
	t := newTally(areas)
	rel := keyRelation{whole: totalKey}
	for _, b := range signalBins() {
		t.addKey(b.ID)
		rel.parts = append(rel.parts, b.ID)
	}
	t.relations = []keyRelation{rel}
	for _, r := range rs {
		t.add(r.Region, totalKey, r.Placements)
		t.add(r.Region, r.SignalBin, r.Placements)
	}
	return t
}
