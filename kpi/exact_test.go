package kpi

import (
	"fmt"
	"testing"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/disclosure/attack"
)

// exactKPIs are the KPIs whose figures add up over the area tree: the
// ratios (over the area-month's placements, and readmitted_365 over the
// outflow a year earlier) and the counts of placements, not of distinct
// youths.
var exactKPIs = []ID{Placements, Outflow, SpoedShare, VACoverage, VATimely, AmbulantBefore, BeraadWithYouth,
	PerspectiveEducation, PerspectiveHousing, EarlySignal, LinkedToegang, LinkedSignalSources, Readmitted365}

// TestAttackExact attacks every report month of both demos with the
// exact attack of disclosure.Policy.Pins, which finds values that only
// several relations together pin (the audit's narrowing, relation by
// relation, does not): per month and per KPI of exactKPIs, the count
// or the denominator, numerator and complement of every area, what the
// dashboard shows of each (the rounding, "<10", "minder dan" and "meer
// dan"), each area's denominator = numerator + complement, and each of
// them over the area tree. It wants no withheld figure pinned, and with the
// audit off it wants the pins the audit prevents: the attack can fail.
func TestAttackExact(t *testing.T) {
	cfg := config.Default()
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	noAudit := allRules()
	noAudit.audit = false
	var noAuditPins []string
	for _, demo := range attackDemos {
		t.Run(demo.name, func(t *testing.T) {
			reps := demoReports(t, demo.opt)
			published, raw := attackInput(t, reps, policy, cfg, allRules())
			pins, systems, withheld := exactAttack(t, policy, cfg, published, raw)
			if systems == 0 || withheld == 0 {
				t.Fatalf("%d systems, %d withheld figures: nothing attacked", systems, withheld)
			}
			for _, pin := range pins {
				t.Error(pin)
			}
			t.Logf("%d month-KPI systems, %d withheld figures, %d pinned", systems, withheld, len(pins))
			published, raw = attackInput(t, reps, policy, cfg, noAudit)
			pins, _, _ = exactAttack(t, policy, cfg, published, raw)
			t.Logf("with the audit off: %d pinned, first: %v", len(pins), pins[:min(len(pins), 1)])
			noAuditPins = append(noAuditPins, pins...)
		})
	}
	if len(noAuditPins) == 0 {
		t.Error("with the audit off the exact attack pins nothing in either demo")
	}
}

// exactAttack runs the exact attack on every month and KPI of
// exactKPIs; it returns the pinned figures, the systems attacked and
// the withheld figures in them.
func exactAttack(t *testing.T, p disclosure.Policy, cfg *config.Config, published, raw []attack.Month) (pins []string, systems, withheld int) {
	t.Helper()
	tree := attackTree(AreaTree(cfg))
	for mi, m := range published {
		for _, k := range exactKPIs {
			s := exactSystem(t, p, tree, m, raw[mi], string(k))
			got, err := p.Pins(s.cells, s.marked, s.rels)
			if err != nil {
				t.Fatalf("%s %s: %v", m.Month, k, err)
			}
			for _, c := range got {
				pins = append(pins, fmt.Sprintf("%s %s: %s is pinned (true value %d)", m.Month, k, s.names[c], s.truth[c]))
			}
			systems++
			for _, c := range s.cells {
				if c.Withheld {
					withheld++
				}
			}
		}
	}
	return pins, systems, withheld
}

// exactCells is one month's system for one KPI: per area its basis (a
// count: placements for a ratio over them, the ratio's own denominator
// for readmitted_365, the count itself for a count) and, for a ratio, its
// numerator and complement, at width*a, width*a+1, width*a+2.
type exactCells struct {
	cells  []disclosure.Cell
	marked []bool
	rels   []disclosure.Relation
	names  []string
	truth  []int
}

func exactSystem(t *testing.T, p disclosure.Policy, tree attack.Tree, m, raw attack.Month, kpi string) exactCells {
	t.Helper()
	k, ok := Lookup(ID(kpi))
	if !ok {
		t.Fatalf("no KPI %s", kpi)
	}
	ratio := k.Kind == KindRatio
	// basis is the count row behind the ratio's denominator, or "" where
	// the row's own denominator is it.
	basis := kpi
	switch {
	case kpi == string(Readmitted365):
		basis = ""
	case ratio:
		basis = string(Placements)
	}
	width := 1
	if ratio {
		width = 3
	}
	area := map[attack.Area]int{}
	for i, a := range tree.Areas {
		area[a] = i
	}
	n := width * len(tree.Areas)
	s := exactCells{cells: make([]disclosure.Cell, n), marked: make([]bool, n), names: make([]string, n), truth: make([]int, n)}
	for i := range s.cells {
		s.cells[i].Withheld = true
	}
	// value sets a cell from a published count: shown, or withheld and
	// marked where the dashboard says it is small.
	value := func(i int, v *int64, small bool) {
		if v != nil {
			s.cells[i] = disclosure.Cell{Value: int(*v)}
		}
		s.marked[i] = v == nil && small
	}
	rows := func(mo attack.Month, f func(a int, r attack.Row)) {
		for _, r := range mo.Rows {
			if a, ok := area[attack.Area{Type: r.AreaType, Key: r.Area}]; ok && (r.KPI == kpi || r.KPI == basis) {
				f(a, r)
			}
		}
	}
	rows(m, func(a int, r attack.Row) {
		if r.KPI == basis {
			var v *int64
			if r.Value != nil {
				v = new(int64(*r.Value))
			}
			value(width*a, v, r.Reason == attack.ReasonSmall)
		}
	})
	rows(m, func(a int, r attack.Row) {
		if !ratio || r.KPI != kpi {
			return
		}
		if basis == "" {
			value(width*a, r.Denominator, false)
		} else if r.Denominator != nil && (s.cells[width*a].Withheld || int64(s.cells[width*a].Value) != *r.Denominator) {
			t.Fatalf("%s %s %s: denominator %d, %s %+v", m.Month, kpi, r.Area, *r.Denominator, basis, s.cells[width*a])
		}
		value(width*a+1, r.Numerator, r.Reason == attack.ReasonSmallNumerator)
		s.marked[width*a+2] = r.Reason == attack.ReasonSmallComplement
	})
	rows(raw, func(a int, r attack.Row) {
		switch {
		case r.KPI == basis:
			s.truth[width*a] = int(*r.Value)
		case ratio:
			s.truth[width*a] = int(*r.Denominator)
			s.truth[width*a+1] = int(*r.Numerator)
			s.truth[width*a+2] = int(*r.Denominator - *r.Numerator)
		}
	})
	for a, ar := range tree.Areas {
		for j, part := range []string{"basis", "numerator", "complement"}[:width] {
			s.names[width*a+j] = fmt.Sprintf("%s %s %s", ar.Type, ar.Key, part)
		}
		if ratio {
			s.rels = append(s.rels, disclosure.Relation{Whole: width * a, Parts: []int{width*a + 1, width*a + 2}})
		}
	}
	for _, r := range tree.Relations {
		for j := range width {
			rel := disclosure.Relation{Whole: width*area[r.Whole] + j}
			for _, part := range r.Parts {
				rel.Parts = append(rel.Parts, width*area[part]+j)
			}
			s.rels = append(s.rels, rel)
		}
	}
	return s
}
