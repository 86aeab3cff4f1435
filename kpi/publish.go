package kpi

import (
	"math"
	"strconv"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// Reason says why a published figure is not shown, or that it is.
type Reason int

const (
	// Shown: the figure is published.
	Shown Reason = iota
	// Small: the count itself is below the threshold, zero included
	// (shown as "<10").
	Small
	// Protected: withheld so that a withheld neighbour cannot be worked
	// back from a total (shown as "–").
	Protected
	// SmallNumerator: a ratio whose numerator is below the threshold and
	// whose complement is not; Figure.Bound is the bound it lies under.
	SmallNumerator
	// SmallComplement: a ratio whose complement is below the threshold
	// and whose numerator is not; Figure.Bound is the bound it lies above.
	SmallComplement
	// SmallBasis: a ratio or median over too few: its denominator below
	// the threshold, both its numerator and complement below it, or fewer
	// values behind a median than the threshold.
	SmallBasis
)

// Dutch says in plain Dutch why a figure is not shown.
func (r Reason) Dutch(threshold int) string {
	t := strconv.Itoa(threshold)
	switch r {
	case Small:
		return "minder dan " + t + ": niet getoond"
	case Protected:
		return "niet getoond ter bescherming van kleine aantallen"
	case SmallNumerator:
		return "niet getoond: minder dan " + t + " plaatsingen tellen mee"
	case SmallComplement:
		return "niet getoond: minder dan " + t + " plaatsingen tellen niet mee"
	case SmallBasis:
		return "niet getoond: te weinig plaatsingen (minder dan " + t + ")"
	}
	return ""
}

// Count is a published count.
type Count struct {
	// Value is the published count: a multiple of 5, at least the
	// threshold; 0 when withheld.
	Value int
	// Reason is Shown, Small or Protected.
	Reason Reason
}

// Shown says whether the count is published.
func (c Count) Shown() bool { return c.Reason == Shown }

// Bound is what the published counts imply of a withheld ratio where only
// its numerator or only its complement is below the threshold.
type Bound struct {
	Value float64
	// Upper: the ratio lies under Value ("minder dan"); else above it
	// ("meer dan").
	Upper bool
}

// Figure is one published KPI of one area in one report month.
type Figure struct {
	KPI  KPI
	Area Area
	// Numerator and Denominator are a ratio's published counts; both are
	// shown where Value is, and the denominator also beside a Bound.
	Numerator, Denominator Count
	// Count is a count row's published count.
	Count Count
	// Value is the published value: a ratio from the published counts to
	// 0.01, a count, or a median of days in whole weeks; nil when
	// withheld.
	Value *float64
	// Reason says why Value is nil.
	Reason Reason
	// Bound is set for a ratio withheld for SmallNumerator or
	// SmallComplement.
	Bound *Bound
	// Target is the 2027 target of a ratio that has one.
	Target *float64
}

// Published is everything one report month publishes of the KPIs: the
// one place that decides a published figure (SPEC §2). Every output
// renders from it and none of them sees a raw number.
type Published struct {
	Month, WindowStart, WindowEnd time.Time
	Threshold                     int
	Tree                          Tree
	// Figures holds every KPI (catalogue order) of every area (tree
	// order).
	Figures []Figure
	// Outside is the number of placements of municipalities that no
	// region lists: a data-quality count in no relation ("buiten de
	// regio's").
	Outside Count
	index   map[figureKey]int
}

type figureKey struct {
	id   ID
	area Area
}

// Get returns the figure of a KPI and area.
func (p *Published) Get(id ID, a Area) (Figure, bool) {
	i, ok := p.index[figureKey{id, a}]
	if !ok {
		return Figure{}, false
	}
	return p.Figures[i], true
}

// Publish decides what report month rep publishes under policy (SPEC §2):
//   - counts below the threshold withheld, zero included, the rest rounded
//     to 5;
//   - complementary suppression of every count, and of every ratio's
//     numerator and complement, over the municipalities of each region and
//     the regions of all; the whole is never withheld for a part;
//   - a ratio only where its denominator, numerator and complement are at
//     least the threshold and not withheld, valued from the published
//     counts; a bound where only one side is small;
//   - a median in whole weeks, only where the area's placements are shown
//     and at least the threshold of values lie behind it;
//   - the same areas every month: all, every region, every municipality;
//   - an audit: the month's own output is attacked as an outsider would,
//     and more is withheld until no withheld figure is pinned.
func Publish(rep *Report, policy disclosure.Policy, cfg *config.Config) *Published {
	return publish(rep, policy, cfg, allRules())
}

// rules switch the clauses of SPEC §2 on; only the attack test switches
// one off, to show that its attacks then succeed.
type rules struct {
	// ratioFromPublished values a ratio from the published counts (off:
	// from the exact ones).
	ratioFromPublished bool
	// ratioSides withholds a ratio whose numerator or complement is below
	// the threshold (off: only its denominator counts).
	ratioSides bool
	// complement applies complementary suppression.
	complement bool
	// weeks rounds medians to whole weeks.
	weeks bool
	// audit attacks each month's output before it is released and
	// withholds more until the attack pins no withheld figure, in at most
	// auditRounds rounds; then it fails closed.
	audit       bool
	auditRounds int
}

func allRules() rules {
	return rules{ratioFromPublished: true, ratioSides: true, complement: true, weeks: true, audit: true, auditRounds: maxAuditRounds}
}

// maxAuditRounds bounds the audit; each round withholds at least one more
// figure or drops one more mark, so it ends long before this on a real
// month.
const maxAuditRounds = 200

func publish(rep *Report, policy disclosure.Policy, cfg *config.Config, rule rules) *Published {
	tree := AreaTree(cfg)
	adj := adjustments{forced: map[figureKey]bool{}, unmarked: map[figureKey]bool{}}
	for round := 0; ; round++ {
		p := decide(rep, policy, cfg, tree, rule, adj)
		if !rule.audit {
			return p
		}
		pins, err := audit(p)
		if err != nil {
			return withholdAll(p)
		}
		if len(pins) == 0 {
			return p
		}
		if round < rule.auditRounds && adj.escalate(p, pins) {
			continue
		}
		// Stuck with a pin: fail closed. Withhold the pinned KPIs in
		// every area, and the whole month if even that does not do.
		p = withholdKPIs(p, pins)
		if pins, err := audit(p); err != nil || len(pins) > 0 {
			return withholdAll(p)
		}
		return p
	}
}

// adjustments are what the audit adds to the rules: figures withheld
// (forced) and withheld figures whose mark ("<10", a bound) is dropped
// (unmarked), because the published rest pinned them.
type adjustments struct {
	forced, unmarked map[figureKey]bool
}

// decide applies the rules and the adjustments to one report month.
func decide(rep *Report, policy disclosure.Policy, cfg *config.Config, tree Tree, rule rules, adj adjustments) *Published {
	raw := map[figureKey]Row{}
	for _, r := range rep.Rows {
		raw[figureKey{ID(r.KPI), Area{Type: AreaType(r.AreaType), Key: r.Area}}] = r
	}
	rels := make([]disclosure.Relation, len(tree.Relations))
	for i, r := range tree.Relations {
		rels[i] = disclosure.Relation{Whole: r.Whole, Parts: r.Parts}
	}
	values := func(id ID, f func(Row) int) []int {
		v := make([]int, len(tree.Areas))
		for i, a := range tree.Areas {
			if r, ok := raw[figureKey{id, a}]; ok {
				v[i] = f(r)
			}
		}
		return v
	}
	// suppress runs complementary suppression over values, starting from
	// the cells withheld already and those the audit forced.
	suppress := func(id ID, vals []int, withheld []bool) []bool {
		cells := make([]disclosure.Cell, len(vals))
		for i, v := range vals {
			cells[i] = disclosure.Cell{Value: v, Withheld: withheld[i] || adj.forced[figureKey{id, tree.Areas[i]}]}
		}
		if rule.complement {
			_ = disclosure.Complement(cells, rels) // the relations index the tree
		}
		out := make([]bool, len(cells))
		for i, c := range cells {
			out[i] = c.Withheld
		}
		return out
	}
	// counts publishes an additive count over the tree.
	counts := func(id ID, vals []int) []Count {
		small := make([]bool, len(vals))
		for i, v := range vals {
			small[i] = policy.Small(v)
		}
		withheld := suppress(id, vals, small)
		out := make([]Count, len(vals))
		for i, v := range vals {
			switch {
			case small[i] && !adj.unmarked[figureKey{id, tree.Areas[i]}]:
				out[i] = Count{Reason: Small}
			case withheld[i]:
				out[i] = Count{Reason: Protected}
			default:
				n, _ := policy.Count(v)
				out[i] = Count{Value: n}
			}
		}
		return out
	}
	value := func(r Row) int { return int(r.Value.Float64) }
	placements := counts(Placements, values(Placements, value))

	p := &Published{
		Month: rep.Month, WindowStart: rep.WindowStart, WindowEnd: rep.WindowEnd,
		Threshold: policy.Threshold, Tree: tree, index: map[figureKey]int{},
	}
	for _, k := range catalogue {
		figs := make([]Figure, len(tree.Areas))
		for i, a := range tree.Areas {
			figs[i] = Figure{KPI: k, Area: a}
		}
		switch k.Kind {
		case KindCount:
			cs := placements
			if k.ID != Placements {
				cs = counts(k.ID, values(k.ID, value))
			}
			for i, c := range cs {
				figs[i].Count = c
				figs[i].Reason = c.Reason
				if c.Shown() {
					figs[i].Value = ptr(float64(c.Value))
				}
			}
		case KindMedian:
			for i, a := range tree.Areas {
				r := raw[figureKey{k.ID, a}]
				v, ok := policy.Median(r.Value.Float64, placements[i].Shown(), int(r.NValues))
				if !r.Value.Valid || !ok {
					figs[i].Reason = SmallBasis
					continue
				}
				if !rule.weeks {
					v = r.Value.Float64
				}
				figs[i].Value = ptr(v)
			}
		case KindRatio:
			num := values(k.ID, func(r Row) int { return int(r.Numerator.Int64) })
			dens := values(k.ID, func(r Row) int { return int(r.Denominator.Int64) })
			den := placements
			if k.ID == Readmitted365 {
				// Its denominator is no count of this month: the outflow
				// of the window a year earlier, published on its own.
				den = counts(k.ID+"/denominator", dens)
			}
			withheld := make([]bool, len(num))
			for i := range num {
				withheld[i] = !den[i].Shown() || rule.ratioSides && (policy.Small(num[i]) || policy.Small(dens[i]-num[i]) || policy.Pinned(num[i], den[i].Value))
			}
			// One pattern for numerator and complement: a ratio shows
			// both or neither, so a withheld numerator is a withheld
			// complement in its relation too.
			withheld = suppress(k.ID, num, withheld)
			for i := range num {
				f := &figs[i]
				if t, ok := Target(cfg, k.ID); ok {
					f.Target = ptr(t)
				}
				smallNum, smallComp := policy.Small(num[i]), policy.Small(dens[i]-num[i])
				unmarked := adj.unmarked[figureKey{k.ID, f.Area}]
				switch {
				case !withheld[i]:
					n, _ := policy.Count(num[i])
					f.Numerator, f.Denominator = Count{Value: n}, den[i]
					f.Value = ptr(disclosure.Ratio(n, den[i].Value))
					if !rule.ratioFromPublished {
						f.Value = ptr(disclosure.Ratio(num[i], dens[i]))
					}
				case den[i].Reason == Protected:
					f.Reason = Protected
				case !den[i].Shown():
					f.Reason = SmallBasis
				case smallNum && !smallComp && !unmarked:
					f.Reason = SmallNumerator
					f.Bound = &Bound{Value: policy.UpperBound(den[i].Value), Upper: true}
				case smallComp && !smallNum && !unmarked:
					f.Reason = SmallComplement
					f.Bound = &Bound{Value: policy.LowerBound(den[i].Value)}
				default:
					// Both sides small, or protected, or a mark dropped:
					// one reason for all, since "both below 10" over a
					// published denominator of 20 would pin both at 9.
					f.Reason = Protected
				}
				if f.Reason != Shown {
					// A bound is checkable against the published
					// denominator beside it; otherwise neither count shows.
					f.Numerator, f.Denominator = Count{Reason: f.Reason}, Count{Reason: f.Reason}
					if f.Bound != nil {
						f.Denominator = den[i]
					}
				}
			}
		}
		for i := range figs {
			p.index[figureKey{k.ID, figs[i].Area}] = len(p.Figures)
			p.Figures = append(p.Figures, figs[i])
		}
	}
	if r, ok := raw[figureKey{Placements, Outside()}]; ok {
		if n, ok := policy.Count(value(r)); ok {
			p.Outside = Count{Value: n}
		} else {
			p.Outside = Count{Reason: Small}
		}
	} else {
		p.Outside = Count{Reason: Small}
	}
	return p
}

// GlidePath is where a KPI of an area should stand in month m on the
// straight line from its published value in the first report month
// (first) to target in targetMonth (SPEC §4). It starts from the published
// value, never the exact one, so it gives nothing away, and is rounded as
// the KPI's figures are; ok is false where that value was withheld.
func GlidePath(first *Published, id ID, a Area, m, targetMonth time.Time, target float64) (float64, bool) {
	if first == nil {
		return 0, false
	}
	f, ok := first.Get(id, a)
	if !ok || f.Value == nil {
		return 0, false
	}
	total := monthsBetween(first.Month, targetMonth)
	if total <= 0 || !m.Before(targetMonth) {
		return published(f.KPI, target), true
	}
	start := *f.Value
	return published(f.KPI, start+(target-start)*float64(monthsBetween(first.Month, m))/float64(total)), true
}

// published rounds a level of a KPI (a glide path) as its figures are
// published: a share to 0.01, a count to whole youths, so that every
// output shows the same line and judges against the same value.
func published(k KPI, v float64) float64 {
	if k.Kind == KindRatio {
		return round2(v)
	}
	return math.Round(v)
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

func ptr(v float64) *float64 { return &v }

// round2 rounds a share to the published precision.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
