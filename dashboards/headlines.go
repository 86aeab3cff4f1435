package dashboards

import (
	"math"

	"github.com/zothuis/zothuis/kpi"
)

// status is where a KPI stands against its glide path.
type status int

const (
	statusUnknown status = iota // no published value, or no glide path
	statusOnTrack
	statusBehind
	statusReached
)

// judge compares a published value with the glide path and the target.
// Shares are compared at the published precision (0.01): a value that
// rounds to the glide path is on it. A withheld value is not judged, not
// even by its bound.
func judge(value, glide *float64, target float64, lower, share bool) status {
	if value == nil {
		return statusUnknown
	}
	at := func(v float64) float64 {
		if share {
			return math.Round(v*100) / 100
		}
		return v
	}
	better := func(a, b float64) bool { // a at least as good as b
		if lower {
			return a <= b
		}
		return a >= b
	}
	v := at(*value)
	switch {
	case better(v, at(target)):
		return statusReached
	case glide == nil:
		return statusUnknown
	case better(v, at(*glide)):
		return statusOnTrack
	}
	return statusBehind
}

// statusText names a status in full (for the card) and short (for the
// rows of regions); the icon repeats it so colour is never the only cue.
func statusText(s status, withheld bool) (text, short, icon, class string) {
	switch s {
	case statusReached:
		return "Doel bereikt", "Bereikt", "★", "reached"
	case statusOnTrack:
		return "Op koers", "Op koers", "✓", "ontrack"
	case statusBehind:
		return "Achter op koers", "Achter", "!", "behind"
	}
	if withheld {
		return "Niet getoond (kleine aantallen)", "Niet getoond", "–", "unknown"
	}
	return "Geen koerslijn", "Geen koerslijn", "?", "unknown"
}

// statusCell is a status in a table: short text, icon and colour class.
func statusCell(s status, withheld bool) cell {
	_, short, icon, class := statusText(s, withheld)
	return cell{kind: kindText, text: short, icon: icon, class: "badge small " + class}
}

// headlineCard is one 2027 target at a glance: the value of all regions
// together on top, every region in its table.
type headlineCard struct {
	Label, Target, Direction, Caption string
	// Value is the published value of all regions together, or what
	// stands in for it (a bound, "–"); Why says in Dutch why it is
	// withheld.
	Value, Why                string
	Withheld                  bool
	Status, Icon, StatusClass string
	Delta, DeltaClass, Glide  string
	Table                     table
}

// statusCount is how many targets stand where, for all regions together.
type statusCount struct {
	N                 int
	Text, Icon, Class string
}

// headlines are the cards of every 2027 target at the report month, for
// all regions together and every region, each from a grid of the
// published figures; the change is against the previous report month's
// window. Their CSV is doelen.csv.
func headlines(d *monthData) ([]headlineCard, []statusCount, csvFile) {
	var summary []statusCount
	index := map[string]int{}
	for _, st := range []status{statusReached, statusOnTrack, statusBehind, statusUnknown} {
		text, _, icon, class := statusText(st, false)
		if st == statusUnknown {
			text = "Niet te beoordelen"
		}
		index[class] = len(summary)
		summary = append(summary, statusCount{Text: text, Icon: icon, Class: class})
	}
	var cards []headlineCard
	var grids []*grid
	prev := d.m.AddDate(0, -1, 0)
	for _, k := range kpi.Targeted() {
		if k.Kind != kpi.KindRatio {
			continue
		}
		target, _ := kpi.Target(d.cfg, k.ID)
		g := headlineGrid(d.policy.Threshold, d.fixedMonth(), k, target)
		var first status
		for i, a := range summaryAreas(d.pub) {
			f := d.h.figure(k.ID, a, d.m)
			var before *float64
			if _, ok := d.h.pub[prev]; ok {
				before = d.h.figure(k.ID, a, prev).Value
			}
			glide := d.h.glide(d.cfg, k.ID, a, d.m, target)
			st := judge(f.Value, glide, target, k.LowerIsBetter, true)
			if i == 0 {
				first = st
			}
			name := areaName(d.cfg, a)
			g.add(rowHead{label: name, csv: []string{string(a.Type), a.Key, name}},
				append(ratioCells(f), deltaCell(f.Value, before, k.LowerIsBetter), optLevel(glide, kindShareLevel), statusCell(st, f.Value == nil)))
		}
		grids = append(grids, g)
		card := cardOf(k, target, g, first)
		summary[index[card.StatusClass]].N++
		cards = append(cards, card)
	}
	return cards, summary, csvOf("doelen.csv", grids...)
}

// headlineGrid starts the grid of one target: a row per area (added by
// the caller) with the value, its numerator and denominator, the change,
// the glide path and the status.
func headlineGrid(threshold int, month fixedCol, k kpi.KPI, target float64) *grid {
	return &grid{
		threshold: threshold,
		caption:   k.Label + ": waarde, teller en noemer, verandering ten opzichte van de vorige maand, koerslijn en status per gebied",
		rowTitle:  "Gebied",
		fixed: []fixedCol{month, {csv: "kpi", cell: textCell(string(k.ID))}, {csv: "omschrijving", cell: textCell(k.Label)},
			{csv: "doel_2027", cell: levelCell(target, kindShareLevel)}},
		rowCSV: areaCSV(),
		measures: []measure{{"Nu", "waarde"}, {"Teller", "teller"}, {"Noemer", "noemer"}, {"Verschil", "verschil"},
			{"Koerslijn", "koerslijn"}, {"Status", "status"}},
		series: []seriesHead{{name: k.Label}},
	}
}

// cardOf renders a target's card from its grid: on top the first row
// (all regions together) with its status, every area in the table.
func cardOf(k kpi.KPI, target float64, g *grid, first status) headlineCard {
	dir := "hoger is beter"
	if k.LowerIsBetter {
		dir = "lager is beter"
	}
	value, delta, glide := g.at(0, 0, 0), g.at(0, 0, 3), g.at(0, 0, 4)
	text, _, icon, class := statusText(first, value.value == nil)
	card := headlineCard{
		Label: k.Label, Target: percent(target), Direction: dir, Caption: k.Caption,
		Value: value.display(g.threshold), Why: value.explain(g.threshold), Withheld: value.value == nil,
		Status: text, Icon: icon, StatusClass: class,
		Delta: delta.display(g.threshold), DeltaClass: delta.deltaClass(),
		Glide: glide.display(g.threshold), Table: g.table(true),
	}
	if card.Glide == "" {
		card.Glide = "–"
	}
	return card
}
