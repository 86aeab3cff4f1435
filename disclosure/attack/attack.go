// Package attack tries to work withheld figures back from the published KPI
// output of every report month, as an outsider would: it reads only what
// `zothuis kpi --format json` (without --raw) prints and the dashboard says
// of it, knows the area tree and the documented rules of SPEC §2 and §4
// (Kerckhoffs: the rules are public, only the data is secret), and
// narrows every count it can reach by sound interval propagation:
//
//   - (a) per area-month, the ratios and their rounded counts: under a
//     declared mechanism (the value is exact num/den, as the old code
//     published it, or the documented published num / published den) the
//     exact (num, den) pairs consistent with every figure of the
//     area-month;
//   - (b) differencing parts and wholes: whole = Σ parts for placements,
//     outflow, every ratio numerator and every complement, bounds for the
//     distinct-youth counts;
//   - (c) differencing consecutive months: every window is the sum of its
//     twelve calendar months, so overlapping windows constrain the same
//     monthly unknowns; and readmitted_365's denominator is the outflow of
//     the window a year earlier;
//   - (d) 0/1 ratios over small groups;
//   - (e) dating placements from the listing of areas.
//
// A withheld figure whose interval shrinks to one value is recovered.
// Score compares what the attack pinned with the raw output; the attack
// itself never sees it. The package knows nothing of package kpi, so the
// rules it attacks are the documented ones, not the code's.
//
// Package kpi runs it on every month before the month is released (the
// audit: it withholds more until nothing withheld is pinned), and its
// attack test runs it over every month of the demos together.
package attack

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Row is one row of the stable JSON output (SPEC §5).
type Row struct {
	KPI         string   `json:"kpi"`
	AreaType    string   `json:"area_type"`
	Area        string   `json:"area"`
	Numerator   *int64   `json:"numerator"`
	Denominator *int64   `json:"denominator"`
	Value       *float64 `json:"value"`
	Target      *float64 `json:"target"`
	Suppressed  bool     `json:"suppressed"`
	// Reason is why the dashboard says a withheld figure is not shown
	// ("<10", "–", "minder dan 15%"). The JSON does not carry it; the
	// attack uses it only with Options.Reasons.
	Reason Reason `json:"-"`
}

// Month is the published output of one report month.
type Month struct {
	Month       string `json:"month"`
	WindowStart string `json:"window_start"`
	WindowEnd   string `json:"window_end"`
	Rows        []Row  `json:"rows"`
}

// Reason is what the dashboard tells of a withheld figure.
type Reason int

const (
	// ReasonUnknown: nothing beyond "withheld".
	ReasonUnknown Reason = iota
	// ReasonSmall: a count below the threshold, zero included ("<10").
	ReasonSmall
	// ReasonProtected: withheld, and nothing said of its size ("–"): to
	// protect a small figure elsewhere, or a small figure whose mark
	// would give it away.
	ReasonProtected
	// ReasonSmallNumerator: a ratio whose numerator is below the threshold
	// and whose complement is not ("minder dan 15%").
	ReasonSmallNumerator
	// ReasonSmallComplement: a ratio whose complement is below the
	// threshold and whose numerator is not ("meer dan 85%").
	ReasonSmallComplement
	// ReasonSmallBasis: a ratio over too few: its denominator below the
	// threshold, or both its numerator and complement.
	ReasonSmallBasis
)

// Area is one published area.
type Area struct{ Type, Key string }

// Relation is an additive relation between areas: the parts add up to the
// whole.
type Relation struct {
	Whole Area
	Parts []Area
}

// Tree is the published areas and their relations, as configured.
type Tree struct {
	Areas     []Area
	Relations []Relation
}

// Mechanism is what the attacker assumes a published ratio value is.
type Mechanism int

const (
	// Auto assumes Documented where every published value is its
	// published numerator over its published denominator, else Exact.
	Auto Mechanism = iota
	// Documented: the value is round(published num / published den, 0.01)
	// and says nothing beyond the two counts.
	Documented
	// Exact: the value is round(num / den, 0.01) of the exact counts, as
	// the code before disclosure control v2 published it.
	Exact
)

func (m Mechanism) String() string {
	switch m {
	case Documented:
		return "documented"
	case Exact:
		return "exact"
	}
	return "auto"
}

// Options say what the attacker knows.
type Options struct {
	// Threshold is the published threshold T (the legend states it).
	Threshold int
	Tree      Tree
	Mechanism Mechanism
	// Reasons: the attacker also reads why each withheld figure is
	// withheld (Row.Reason), as the dashboard shows it.
	Reasons bool
	// SingleMonth attacks each report month on its own, without relating
	// overlapping windows (c).
	SingleMonth bool
}

// Part names which number of a row a pin is about.
type Part string

// The numbers of a row.
const (
	PartCount       Part = "count" // a count row's value
	PartNumerator   Part = "numerator"
	PartComplement  Part = "complement" // denominator − numerator
	PartDenominator Part = "denominator"
)

// RowRef names one row of one report month.
type RowRef struct {
	Month, KPI, AreaType, Area string
}

// Pin is a number the attack knows exactly.
type Pin struct {
	RowRef
	Part  Part
	Value int64
	// Withheld says the row does not publish this number (a withheld count,
	// or a suppressed ratio's numerator or complement); otherwise the
	// attack only took away the rounding of a published count.
	Withheld bool
}

// Result is what the attack found from the published output alone.
type Result struct {
	// Mechanism is the one the attack assumed.
	Mechanism Mechanism
	// Pins are the numbers of published rows the attack knows exactly.
	Pins []Pin
	// AreaMonths is the number of area-months published; ShownAreaMonths
	// those whose placement count is shown; PinnedPlacements those whose
	// exact placement count the attack knows (a withheld one included).
	AreaMonths, ShownAreaMonths, PinnedPlacements int
	// PinChanges counts numbers pinned in two consecutive report months:
	// their difference is the net change of one month (c).
	PinChanges int
	// Differenced counts withheld figures that are the only withheld part
	// of a relation with a published whole: subtraction gives them up to
	// the rounding of the others (b).
	Differenced int
	// ZeroOne counts published ratio values of exactly 0 or 1: a statement
	// about every placement of the group (d).
	ZeroOne int
	// ListingChanges counts areas appearing or disappearing between
	// consecutive report months (e).
	ListingChanges int
	// PercentMismatches counts published ratio values that are not the
	// published numerator over the published denominator to 0.01.
	PercentMismatches int
	// NonWeekMedians counts published medians that are not a whole number
	// of weeks.
	NonWeekMedians int
	// RuleViolations counts published figures the documented rules cannot
	// produce (a count not a multiple of 5 or below the threshold, a ratio
	// whose counts leave no room for a complement of at least T).
	RuleViolations int
	// Unmodelled counts rows of KPIs the documentation does not describe.
	Unmodelled int
	// Conflicts counts narrowings the published figures contradicted.
	Conflicts int

	sys    *System
	rows   map[RowRef]rowVars
	months []string
	opt    Options
}

// rowVars are the unknowns behind one published row; -1 where none.
type rowVars struct {
	count, num, comp, den int
	row                   Row
}

// The KPIs as SPEC §4 documents them.
var (
	// placementRatios have the placements of the area-month as
	// denominator.
	placementRatios = []string{"spoed_share", "va_coverage", "va_timely", "ambulant_before",
		"beraad_with_youth", "perspective_education", "perspective_housing", "early_signal",
		"linked_toegang", "linked_signal_sources"}
	// readmitted has the outflow of the window a year earlier as
	// denominator.
	readmitted = "readmitted_365"
	// subsets are numerators that count a subset of another's placements
	// (sub, super), by their definitions.
	subsets = [][2]string{
		{"va_timely", "va_coverage"},
		{"va_coverage", "linked_toegang"},
		{"ambulant_before", "linked_toegang"},
		{"beraad_with_youth", "linked_toegang"},
		{"early_signal", "linked_signal_sources"},
	}
	// medianBasis is the count a median's values are drawn from: a
	// published median has at least T values, so that count is at least T.
	medianBasis = map[string]string{
		"median_stay_days":   "outflow",
		"median_wait_days":   "placements",
		"median_signal_days": "placements",
	}
)

// Quantities: window sums (and their monthly parts) of each count.
const (
	qPlacements = iota
	qOutflow
	qYouths
	qYouthsReplaced
	qOccupancy
	qReadmNum
	qReadmComp
	qRatios // then num, comp of each placement ratio
)

var (
	nQuantities = qRatios + 2*len(placementRatios)
	countQ      = map[string]int{"placements": qPlacements, "outflow": qOutflow, "youths": qYouths,
		"youths_replaced": qYouthsReplaced, "occupancy": qOccupancy}
	ratioIndex = func() map[string]int {
		m := map[string]int{}
		for i, k := range placementRatios {
			m[k] = i
		}
		return m
	}()
)

func numQ(k int) int  { return qRatios + 2*k }
func compQ(k int) int { return qRatios + 2*k + 1 }

// distinct are the counts of distinct youths: a youth may count in
// several municipalities, so a whole is at most the sum of its parts and
// at least each part.
func distinct(q int) bool { return q == qYouths || q == qYouthsReplaced || q == qOccupancy }

// ErrInput is returned for output the attack cannot read.
var ErrInput = errors.New("attack: unreadable input")

type key struct{ q, area, month int }

type builder struct {
	opt     Options
	s       *System
	area    map[Area]int
	win     map[key]int // window sums, by the window's last month
	monthly map[key]int // the months of a window
	winLen  int
	// shown holds the counts published, by quantity, area and report
	// month.
	shown map[key]bool
}

func monthIndex(s string) (int, error) {
	if len(s) > 7 {
		s = s[:7] // a date: its month
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, fmt.Errorf("%w: month %q", ErrInput, s)
	}
	return t.Year()*12 + int(t.Month()) - 1, nil
}

// Run attacks the published output of every report month.
func Run(months []Month, opt Options) (*Result, error) {
	if opt.Threshold < 1 {
		return nil, fmt.Errorf("%w: threshold %d", ErrInput, opt.Threshold)
	}
	b := &builder{opt: opt, s: &System{}, area: map[Area]int{}, win: map[key]int{}, monthly: map[key]int{}, shown: map[key]bool{}}
	for i, a := range opt.Tree.Areas {
		b.area[a] = i
	}
	res := &Result{rows: map[RowRef]rowVars{}, opt: opt, sys: b.s}
	idx := make([]int, len(months))
	for i, m := range months {
		mi, err := monthIndex(m.Month)
		if err != nil {
			return nil, err
		}
		ws, err := monthIndex(m.WindowStart)
		if err != nil {
			return nil, err
		}
		we, err := monthIndex(m.WindowEnd)
		if err != nil {
			return nil, err
		}
		if we != mi || (b.winLen != 0 && we-ws+1 != b.winLen) || we < ws {
			return nil, fmt.Errorf("%w: window %s..%s of %s", ErrInput, m.WindowStart, m.WindowEnd, m.Month)
		}
		b.winLen = we - ws + 1
		idx[i] = mi
		res.months = append(res.months, m.Month)
		for _, r := range m.Rows {
			if q, ok := countQ[r.KPI]; ok && r.Value != nil {
				if a, ok := b.area[Area{r.AreaType, r.Area}]; ok {
					b.shown[key{q, a, mi}] = true
				}
			}
		}
	}
	res.publishedChecks(months, opt)
	res.Mechanism = opt.Mechanism
	if res.Mechanism == Auto {
		res.Mechanism = Documented
		if res.PercentMismatches > 0 {
			res.Mechanism = Exact
		}
	}
	// Every window the rows refer to, over every area: the report months
	// and, for readmitted_365, the windows a year earlier.
	for _, mi := range idx {
		for _, w := range []int{mi, mi - 12} {
			for a := range opt.Tree.Areas {
				b.window(a, w)
			}
		}
	}
	for i, m := range months {
		b.observe(res, m, idx[i])
	}
	if err := b.s.Solve(); err != nil {
		return nil, err
	}
	res.Conflicts = b.s.Conflicts
	res.collect(months)
	return res, nil
}

// window returns the unknowns of every quantity of area a in the window
// ending with month w, creating them with their constraints on first use.
func (b *builder) window(a, w int) []int {
	if v, ok := b.win[key{0, a, w}]; ok {
		vs := make([]int, nQuantities)
		vs[0] = v
		for q := 1; q < nQuantities; q++ {
			vs[q] = b.win[key{q, a, w}]
		}
		return vs
	}
	vs := make([]int, nQuantities)
	for q := range vs {
		vs[q] = b.s.Var(Any)
		b.win[key{q, a, w}] = vs[q]
	}
	b.inner(vs, true)
	if !b.opt.SingleMonth {
		// (c) A window is the sum of its months; overlapping windows
		// share them.
		for q := range vs {
			if distinct(q) {
				continue
			}
			parts := make([]int, 0, b.winLen)
			for j := w - b.winLen + 1; j <= w; j++ {
				parts = append(parts, b.month(q, a, j))
			}
			b.s.Sum(vs[q], parts...)
		}
	}
	// (b) The relations a is in, once all their areas exist.
	for _, r := range b.opt.Tree.Relations {
		if wi, ok := b.area[r.Whole]; ok && (wi == a || b.containsArea(r, a)) {
			b.relate(r, w)
		}
	}
	return vs
}

func (b *builder) containsArea(r Relation, a int) bool {
	for _, p := range r.Parts {
		if b.area[p] == a {
			return true
		}
	}
	return false
}

// relate adds relation r over window w once every area in it has its
// unknowns.
func (b *builder) relate(r Relation, w int) {
	whole := b.area[r.Whole]
	if _, ok := b.win[key{0, whole, w}]; !ok {
		return
	}
	parts := make([]int, len(r.Parts))
	for i, p := range r.Parts {
		pi, ok := b.area[p]
		if !ok {
			return
		}
		if _, ok := b.win[key{0, pi, w}]; !ok {
			return
		}
		parts[i] = pi
	}
	for q := 0; q < nQuantities; q++ {
		wv := b.win[key{q, whole, w}]
		pv := make([]int, len(parts))
		for i, p := range parts {
			pv[i] = b.win[key{q, p, w}]
		}
		b.additive(q, wv, pv)
	}
}

// additive adds whole = Σ parts, or for distinct youths each part ≤
// whole ≤ Σ parts.
func (b *builder) additive(q, whole int, parts []int) {
	if !distinct(q) {
		b.s.Sum(whole, parts...)
		return
	}
	total := b.s.Var(Any)
	b.s.Sum(total, parts...)
	b.s.LessEq(whole, total)
	for _, p := range parts {
		b.s.LessEq(p, whole)
	}
}

// month returns the unknown of quantity q of area a in calendar month j:
// the placements started (or ended, for outflow and readmitted_365) in
// it, with its own relations.
func (b *builder) month(q, a, j int) int {
	k := key{q, a, j}
	if v, ok := b.monthly[k]; ok {
		return v
	}
	if _, ok := b.monthly[key{0, a, j}]; !ok {
		vs := make([]int, nQuantities)
		for q := range vs {
			vs[q] = -1
			if !distinct(q) {
				vs[q] = b.s.Var(Any)
				b.monthly[key{q, a, j}] = vs[q]
			}
		}
		b.inner(vs, false)
		// The relations a is in, once all their areas exist.
		for _, r := range b.opt.Tree.Relations {
			if b.area[r.Whole] == a || b.containsArea(r, a) {
				b.relateMonth(r, j)
			}
		}
	}
	return b.monthly[k]
}

func (b *builder) relateMonth(r Relation, j int) {
	areas := append([]Area{r.Whole}, r.Parts...)
	idx := make([]int, len(areas))
	for i, p := range areas {
		pi, ok := b.area[p]
		if !ok {
			return
		}
		if _, ok := b.monthly[key{0, pi, j}]; !ok {
			return
		}
		idx[i] = pi
	}
	for q := 0; q < nQuantities; q++ {
		if distinct(q) {
			continue
		}
		pv := make([]int, len(idx)-1)
		for i, p := range idx[1:] {
			pv[i] = b.monthly[key{q, p, j}]
		}
		b.s.Sum(b.monthly[key{q, idx[0], j}], pv...)
	}
}

// inner adds the constraints within one area and window (or month): every
// numerator and complement add up to the denominator, subsets, and the
// youths among the placements.
func (b *builder) inner(vs []int, window bool) {
	for k := range placementRatios {
		b.s.Sum(vs[qPlacements], vs[numQ(k)], vs[compQ(k)])
	}
	b.s.Sum(vs[qOutflow], vs[qReadmNum], vs[qReadmComp])
	for _, sub := range subsets {
		a, c := ratioIndex[sub[0]], ratioIndex[sub[1]]
		b.s.LessEq(vs[numQ(a)], vs[numQ(c)])
		b.s.LessEq(vs[compQ(c)], vs[compQ(a)])
	}
	if window {
		// Every youth has a placement, a replaced youth two or more.
		b.s.LessEq(vs[qYouths], vs[qPlacements])
		b.s.LessEq(vs[qYouthsReplaced], vs[qYouths])
		b.s.SumLessEq(vs[qPlacements], vs[qYouths], vs[qYouthsReplaced])
	}
}

// CountInterval is what a published count p stands for under the
// documented rule with threshold t: rounded to the nearest multiple of 5,
// never below t (10, 11 and 12 are published as 10). ok is false where the
// rule cannot publish p; the interval is then Any.
func CountInterval(p int64, t int) (Interval, bool) {
	least := int64((t + 4) / 5 * 5)
	if p < least || p%5 != 0 {
		return Any, false
	}
	lo := p - 2
	if p == least {
		lo = int64(t)
	}
	return Interval{lo, p + 2}, true
}

func (b *builder) observe(res *Result, m Month, mi int) {
	t := int64(b.opt.Threshold)
	small := Interval{0, t - 1}
	large := Interval{t, Inf}
	type group struct {
		den  int
		nums []int
		vals []float64
	}
	groups := map[int]*group{}
	for _, r := range m.Rows {
		ref := RowRef{m.Month, r.KPI, r.AreaType, r.Area}
		a, ok := b.area[Area{r.AreaType, r.Area}]
		if !ok {
			continue
		}
		vs := b.window(a, mi)
		rv := rowVars{count: -1, num: -1, comp: -1, den: -1, row: r}
		if q, ok := countQ[r.KPI]; ok {
			rv.count = vs[q]
			switch {
			case r.Value != nil:
				iv, ok := CountInterval(int64(math.Round(*r.Value)), b.opt.Threshold)
				if !ok || *r.Value != math.Round(*r.Value) {
					res.RuleViolations++
				}
				b.s.Restrict(rv.count, iv)
			case b.opt.Reasons && r.Reason == ReasonSmall:
				b.s.Restrict(rv.count, small)
			}
			res.rows[ref] = rv
			continue
		}
		if basis, ok := medianBasis[r.KPI]; ok {
			if r.Value != nil {
				b.s.Restrict(vs[countQ[basis]], large)
			}
			continue
		}
		denShown := false
		if k, ok := ratioIndex[r.KPI]; ok {
			rv.num, rv.comp, rv.den = vs[numQ(k)], vs[compQ(k)], vs[qPlacements]
			denShown = b.shown[key{qPlacements, a, mi}]
		} else if r.KPI == readmitted {
			prior := b.window(a, mi-12)
			rv.num, rv.comp, rv.den = prior[qReadmNum], prior[qReadmComp], prior[qOutflow]
			// Its denominator is the outflow published a year earlier,
			// where that month is in the output.
			denShown = b.shown[key{qOutflow, a, mi - 12}]
		} else {
			continue // counted as unmodelled by publishedChecks
		}
		res.rows[ref] = rv
		if r.Value != nil && r.Numerator != nil && r.Denominator != nil {
			num, okN := CountInterval(*r.Numerator, b.opt.Threshold)
			den, okD := CountInterval(*r.Denominator, b.opt.Threshold)
			b.s.Restrict(rv.num, num)
			b.s.Restrict(rv.den, den)
			// The documented rule publishes a ratio only where its
			// complement is at least T; counts that leave no room for that
			// break the rule, and the attacker then does not rely on it.
			if okN && okD && den.Hi-num.Lo >= t {
				b.s.Restrict(rv.comp, large)
			} else {
				res.RuleViolations++
			}
			if res.Mechanism == Exact {
				g := groups[rv.den]
				if g == nil {
					g = &group{den: rv.den}
					groups[rv.den] = g
				}
				g.nums = append(g.nums, rv.num)
				g.vals = append(g.vals, *r.Value)
			}
			continue
		}
		if !b.opt.Reasons {
			continue
		}
		switch r.Reason {
		case ReasonSmallNumerator:
			b.s.Restrict(rv.num, small)
			b.s.Restrict(rv.comp, large)
		case ReasonSmallComplement:
			b.s.Restrict(rv.comp, small)
			b.s.Restrict(rv.num, large)
		case ReasonSmallBasis:
			if denShown { // else the denominator itself is small
				b.s.Restrict(rv.num, small)
				b.s.Restrict(rv.comp, small)
			}
		}
	}
	// (a) Under the exact mechanism every value ties its numerator to the
	// denominator it shares with the other ratios of the area-month.
	for _, g := range groups {
		vals := g.vals
		b.s.Candidates(g.den, g.nums, func(k int, d int64) (int64, int64) {
			if d <= 0 {
				return 1, 0 // a value needs a denominator
			}
			v := vals[k]
			lo := int64(math.Ceil((v-0.005)*float64(d) - 1e-6))
			hi := int64(math.Floor((v+0.005)*float64(d) + 1e-6))
			return max(lo, 0), min(hi, d)
		})
	}
}

// publishedChecks are the findings that need no arithmetic: (d), (e),
// percentages and medians.
func (res *Result) publishedChecks(months []Month, opt Options) {
	known := map[string]bool{readmitted: true}
	for _, k := range placementRatios {
		known[k] = true
	}
	for k := range countQ {
		known[k] = true
	}
	for k := range medianBasis {
		known[k] = true
	}
	var prev map[Area]bool
	for _, m := range months {
		areas := map[Area]bool{}
		for _, r := range m.Rows {
			areas[Area{r.AreaType, r.Area}] = true
			if !known[r.KPI] {
				res.Unmodelled++
				continue
			}
			if r.KPI == "placements" {
				res.AreaMonths++
				if r.Value != nil {
					res.ShownAreaMonths++
				}
			}
			if _, ok := medianBasis[r.KPI]; ok && r.Value != nil && math.Mod(*r.Value, 7) != 0 {
				res.NonWeekMedians++
			}
			if r.Value == nil || r.Numerator == nil || r.Denominator == nil {
				continue
			}
			if *r.Value == 0 || *r.Value == 1 {
				res.ZeroOne++
			}
			if *r.Denominator == 0 || math.Abs(*r.Value-math.Round(float64(*r.Numerator)/float64(*r.Denominator)*100)/100) > 1e-9 {
				res.PercentMismatches++
			}
		}
		if prev != nil {
			for a := range areas {
				if !prev[a] {
					res.ListingChanges++
				}
			}
			for a := range prev {
				if !areas[a] {
					res.ListingChanges++
				}
			}
		}
		prev = areas
		res.Differenced += differenced(m, opt.Tree)
	}
}

// differenced counts the withheld figures of m that are the only withheld
// part of a relation whose whole is published.
func differenced(m Month, tree Tree) int {
	withheld := map[string]map[Area]bool{} // by KPI
	for _, r := range m.Rows {
		_, count := countQ[r.KPI]
		_, ratio := ratioIndex[r.KPI]
		if !count && !ratio && r.KPI != readmitted {
			continue
		}
		if withheld[r.KPI] == nil {
			withheld[r.KPI] = map[Area]bool{}
		}
		withheld[r.KPI][Area{r.AreaType, r.Area}] = r.Value == nil
	}
	n := 0
	for _, w := range withheld {
		for _, rel := range tree.Relations {
			hidden, present := 0, true
			for _, p := range rel.Parts {
				h, ok := w[p]
				present = present && ok
				if h {
					hidden++
				}
			}
			if h, ok := w[rel.Whole]; ok && present && !h && hidden == 1 {
				n++
			}
		}
	}
	return n
}

// collect turns the narrowed unknowns into pins.
func (res *Result) collect(months []Month) {
	pinned := map[pinKey]int64{}
	for _, m := range months {
		for _, r := range m.Rows {
			ref := RowRef{m.Month, r.KPI, r.AreaType, r.Area}
			rv, ok := res.rows[ref]
			if !ok {
				continue
			}
			add := func(part Part, v int, withheld bool) {
				if v < 0 {
					return
				}
				iv := res.sys.Interval(v)
				if !iv.Pinned() {
					return
				}
				res.Pins = append(res.Pins, Pin{RowRef: ref, Part: part, Value: iv.Lo, Withheld: withheld})
				pinned[pinKey{r.KPI, r.AreaType, r.Area, part, m.Month}] = iv.Lo
				if r.KPI == "placements" {
					res.PinnedPlacements++
				}
			}
			add(PartCount, rv.count, r.Value == nil)
			add(PartNumerator, rv.num, r.Value == nil)
			add(PartComplement, rv.comp, r.Value == nil)
			add(PartDenominator, rv.den, r.Value == nil)
		}
	}
	for k := range pinned {
		for i, m := range res.months[:max(len(res.months)-1, 0)] {
			if m != k.month {
				continue
			}
			next := k
			next.month = res.months[i+1]
			if _, ok := pinned[next]; ok {
				res.PinChanges++
			}
		}
	}
}

type pinKey struct {
	kpi, areaType, area string
	part                Part
	month               string
}
