package kpi

import (
	"slices"

	"github.com/zothuis/zothuis/disclosure/attack"
)

// attackReasons are how the dashboard and the metrics tell a withheld
// figure, in the attacker's terms.
var attackReasons = map[Reason]attack.Reason{
	Small: attack.ReasonSmall, Protected: attack.ReasonProtected, SmallNumerator: attack.ReasonSmallNumerator,
	SmallComplement: attack.ReasonSmallComplement, SmallBasis: attack.ReasonSmallBasis,
}

// attackMonth is the month as every published output shows it: the rows
// of `zothuis kpi --format json` and, as the dashboard tells them, the
// reasons of the withheld figures.
func attackMonth(p *Published) attack.Month {
	o := p.Output()
	m := attack.Month{Month: o.Month, WindowStart: o.WindowStart, WindowEnd: o.WindowEnd}
	for _, r := range o.Rows {
		m.Rows = append(m.Rows, attack.Row{
			KPI: string(r.KPI), AreaType: string(r.AreaType), Area: r.Area,
			Numerator: r.Numerator, Denominator: r.Denominator, Value: r.Value, Target: r.Target,
			Suppressed: r.Suppressed, Reason: attackReasons[r.reason],
		})
	}
	return m
}

// attackTree is the area tree in the attacker's terms.
func attackTree(tree Tree) attack.Tree {
	var at attack.Tree
	conv := func(a Area) attack.Area { return attack.Area{Type: string(a.Type), Key: a.Key} }
	for _, a := range tree.Areas {
		at.Areas = append(at.Areas, conv(a))
	}
	for _, r := range tree.Relations {
		rel := attack.Relation{Whole: conv(tree.Areas[r.Whole])}
		for _, i := range r.Parts {
			rel.Parts = append(rel.Parts, conv(tree.Areas[i]))
		}
		at.Relations = append(at.Relations, rel)
	}
	return at
}

// audit attacks the month's own published output, as an outsider who
// knows the rules would (package disclosure/attack), and returns the
// withheld figures it pins to one value. Rounding and the marks ("<10", a
// bound) can together pin a withheld figure that complementary suppression
// alone leaves open: a whole of 20 (18 to 22) over two parts each under
// 10 makes both 9.
func audit(p *Published) ([]attack.Pin, error) {
	res, err := attack.Run([]attack.Month{attackMonth(p)}, attack.Options{
		Threshold: p.Threshold, Tree: attackTree(p.Tree), Mechanism: attack.Documented, Reasons: true, SingleMonth: true,
	})
	if err != nil {
		return nil, err
	}
	var pins []attack.Pin
	for _, pin := range res.Pins {
		if pin.Withheld {
			pins = append(pins, pin)
		}
	}
	return pins, nil
}

// withholdAll is what a month publishes when it cannot be audited: no
// figure at all (a report without its window, which Load never returns).
func withholdAll(p *Published) *Published {
	for i := range p.Figures {
		withhold(&p.Figures[i])
	}
	p.Outside = Count{Reason: Protected}
	return p
}

// withholdKPIs withholds, in every area, the KPIs whose figures the audit
// pinned (a ratio's denominator pins the placements too).
func withholdKPIs(p *Published, pins []attack.Pin) *Published {
	ids := map[ID]bool{}
	for _, pin := range pins {
		ids[ID(pin.KPI)] = true
		if pin.Part == attack.PartDenominator {
			ids[Placements] = true
		}
	}
	for i := range p.Figures {
		if ids[p.Figures[i].KPI.ID] {
			withhold(&p.Figures[i])
		}
	}
	return p
}

func withhold(f *Figure) {
	f.Value, f.Bound, f.Reason = nil, nil, Protected
	f.Numerator, f.Denominator, f.Count = Count{Reason: Protected}, Count{Reason: Protected}, Count{Reason: Protected}
}

// escalate withholds more for every pinned figure: the smallest open part
// of a relation the figure is in, or, where none is left, the marks of the
// withheld figures there. It reports whether it changed anything.
func (adj adjustments) escalate(p *Published, pins []attack.Pin) bool {
	changed := false
	for _, pin := range pins {
		id := ID(pin.KPI)
		if pin.Part == attack.PartDenominator {
			id = Placements
			if ID(pin.KPI) == Readmitted365 {
				id = Readmitted365 + "/denominator"
			}
		}
		at := slices.Index(p.Tree.Areas, Area{Type: AreaType(pin.AreaType), Key: pin.Area})
		if at < 0 {
			continue
		}
		if adj.withholdPart(p, id, at) || adj.unmark(p, id, at) {
			changed = true
		}
	}
	return changed
}

// family is the KPI whose published figures say whether a cell of id is
// shown: id itself, or the ratio a denominator belongs to.
func family(id ID) ID {
	if id == Readmitted365+"/denominator" {
		return Readmitted365
	}
	return id
}

// shownValue is the published figure of id in area a that orders the
// parts for withholding, and whether it is shown.
func shownValue(p *Published, id ID, a Area) (int, bool) {
	f, ok := p.Get(family(id), a)
	if !ok {
		return 0, false
	}
	switch {
	case f.KPI.Kind == KindRatio && id != family(id):
		return f.Denominator.Value, f.Denominator.Shown()
	case f.KPI.Kind == KindRatio:
		return f.Numerator.Value, f.Value != nil
	default:
		return f.Count.Value, f.Count.Shown()
	}
}

// withholdPart withholds the smallest shown part of a relation that holds
// area at (as a part or as the whole).
func (adj adjustments) withholdPart(p *Published, id ID, at int) bool {
	best, bestValue := -1, 0
	for _, r := range p.Tree.Relations {
		if r.Whole != at && !slices.Contains(r.Parts, at) {
			continue
		}
		for _, i := range r.Parts {
			v, shown := shownValue(p, id, p.Tree.Areas[i])
			if shown && !adj.forced[figureKey{id, p.Tree.Areas[i]}] && (best < 0 || v < bestValue) {
				best, bestValue = i, v
			}
		}
	}
	if best < 0 {
		return false
	}
	adj.forced[figureKey{id, p.Tree.Areas[best]}] = true
	return true
}

// unmark drops the marks of the withheld figures of the relations that
// hold area at, and its own.
func (adj adjustments) unmark(p *Published, id ID, at int) bool {
	changed := false
	drop := func(i int) {
		k := figureKey{id, p.Tree.Areas[i]}
		if _, shown := shownValue(p, id, k.area); !shown && !adj.unmarked[k] {
			adj.unmarked[k] = true
			changed = true
		}
	}
	drop(at)
	for _, r := range p.Tree.Relations {
		if r.Whole != at && !slices.Contains(r.Parts, at) {
			continue
		}
		drop(r.Whole)
		for _, i := range r.Parts {
			drop(i)
		}
	}
	return changed
}
