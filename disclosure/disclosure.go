// Package disclosure holds the rules of statistical disclosure control for
// every published output (SPEC §2): the dashboard and its CSV files, the
// Prometheus metrics and `zothuis kpi` without --raw. Researchers'
// person-level file is not published output and is protected by file
// permissions instead.
//
// The rule behind every function here: a published figure is a function
// of published counts only, so that nothing can be worked back from
// several figures together.
//   - A count below the threshold T is withheld (shown as "<10"), zero
//     included; every other count is rounded to the nearest multiple of 5,
//     never below T.
//   - A ratio is published only where its numerator, its complement and
//     its denominator are all at least T, and its value is the published
//     numerator over the published denominator; not where those published
//     counts would pin the exact ones (Pinned). Where only one side is
//     below T, a bound that the published counts imply may be shown.
//   - A median is published in whole weeks, only over a published area
//     with at least T values behind it.
//   - Complementary suppression: in an additive relation (the parts of a
//     whole) where exactly one cell is withheld, the next smallest part is
//     withheld too; the whole itself is never withheld to protect a part.
//
// Package kpi decides with these rules what each report month publishes.
package disclosure

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MinThreshold is the lowest threshold the policy accepts.
const MinThreshold = 5

// DefaultThreshold is the SPEC's default.
const DefaultThreshold = 10

// roundTo is the base counts are rounded to.
const roundTo = 5

// daysPerWeek is the unit medians of days are published in.
const daysPerWeek = 7

// ErrRelation is returned for a relation naming a cell that does not exist.
var ErrRelation = errors.New("disclosure: relation index out of range")

// ErrThreshold is returned for a threshold below MinThreshold.
var ErrThreshold = fmt.Errorf("disclosure threshold below %d", MinThreshold)

// Policy is a disclosure-control policy.
type Policy struct {
	Threshold int
}

// New returns a policy with the given threshold.
func New(threshold int) (Policy, error) {
	if threshold < MinThreshold {
		return Policy{}, fmt.Errorf("%w (got %d)", ErrThreshold, threshold)
	}
	return Policy{Threshold: threshold}, nil
}

// Small says whether a count is withheld for itself: below the threshold,
// zero included.
func (p Policy) Small(n int) bool { return n < p.Threshold }

// Count returns the published form of a count that is not withheld for
// itself: rounded to the nearest multiple of 5, never below the threshold
// (10, 11 and 12 are published as 10). ok is false where Small(n).
func (p Policy) Count(n int) (published int, ok bool) {
	if p.Small(n) {
		return 0, false
	}
	r := int(math.Floor(float64(n)/roundTo+0.5)) * roundTo
	if r < p.Threshold {
		r = p.Threshold // T itself where T is not a multiple of 5
		if r%roundTo != 0 {
			r += roundTo - r%roundTo
		}
	}
	return r, true
}

// Interval is what a published count stands for: the true counts from lo
// to hi that Count publishes as pub. A reader who knows the rules knows
// this much.
func (p Policy) Interval(pub int) (lo, hi int) {
	lo, hi = pub, pub
	for n := pub - 1; n >= 0; n-- {
		if q, ok := p.Count(n); !ok || q != pub {
			break
		}
		lo = n
	}
	for n := pub + 1; ; n++ {
		if q, ok := p.Count(n); !ok || q != pub {
			break
		}
		hi = n
	}
	return lo, hi
}

// Ratio is the published value of a ratio: the published numerator over
// the published denominator, to 0.01, so a reader can check it against the
// two counts beside it.
func Ratio(pubNum, pubDen int) float64 {
	return math.Round(float64(pubNum)/float64(pubDen)*100) / 100
}

// UpperBound is the bound a ratio whose numerator is below the threshold
// (and whose complement is not) lies under: T / published denominator,
// rounded up to 0.01. It holds for every true numerator below T and every
// denominator the published one may stand for, since the complement is at
// least T.
func (p Policy) UpperBound(pubDen int) float64 {
	return math.Ceil(float64(p.Threshold)/float64(pubDen)*100-epsilon) / 100
}

// LowerBound is the bound a ratio whose complement is below the threshold
// (and whose numerator is not) lies above: 1 − T / published denominator,
// rounded down to 0.01.
func (p Policy) LowerBound(pubDen int) float64 {
	return math.Floor((1-float64(p.Threshold)/float64(pubDen))*100+epsilon) / 100
}

// Pinned says whether a ratio of the true numerator num over the
// published denominator pubDen, both sides at least the threshold, would
// give its exact counts away if shown: a reader knows the complement is at
// least T, so where the largest denominator and the smallest numerator
// that the published counts stand for are at most T apart, only that
// pair is left. It happens only for a threshold that is not a multiple of
// 5, where it is also what keeps a published 10/10 = 1.00 from standing
// for 6 of 12 (threshold 6). Every output that shows a ratio asks here.
func (p Policy) Pinned(num, pubDen int) bool {
	pubNum, ok := p.Count(num)
	if !ok {
		return false
	}
	numLo, _ := p.Interval(pubNum)
	_, denHi := p.Interval(pubDen)
	return denHi-numLo <= p.Threshold
}

// epsilon keeps a bound that is a whole percentage in exact arithmetic
// (10/50) from moving a step by a floating-point error.
const epsilon = 1e-9

// Median returns the published form of a median of days: in whole weeks
// (the nearest multiple of 7 days), or ok=false unless the area's count it
// is taken in is published and at least T values lie behind it.
func (p Policy) Median(days float64, areaPublished bool, values int) (float64, bool) {
	if !areaPublished || p.Small(values) || math.IsNaN(days) {
		return 0, false
	}
	return math.Round(days/daysPerWeek) * daysPerWeek, true
}

// Cell is one figure of an additive relation; Value ranks the parts for
// complementary suppression (the smallest open part is withheld first).
type Cell struct {
	Value    int
	Withheld bool
}

// Relation is one additive relation: a whole and the parts that add up
// to it, as cell indexes.
type Relation struct {
	Whole int
	Parts []int
}

// Complement applies complementary suppression: in every relation where
// exactly one cell — a part, or the whole when it is withheld for another
// relation — is withheld, it could be worked back from the others, so the
// smallest open part is withheld too (ties go to the lower index). The
// whole is never withheld to protect a part: a region stays visible when
// one of its municipalities is small. A whole withheld elsewhere (a region
// protected in all) is protected in its own relation by a part. This
// repeats until no relation has exactly one withheld cell that an open
// part could cover, since a cell may be a part in one relation and the
// whole of another.
func Complement(cells []Cell, relations []Relation) error {
	if err := checkRelations(cells, relations); err != nil {
		return err
	}
	for changed := true; changed; {
		changed = false
		for _, r := range relations {
			open := openParts(cells, r)
			withheld := len(r.Parts) - len(open)
			if cells[r.Whole].Withheld {
				withheld++
			}
			if withheld != 1 || len(open) == 0 {
				continue
			}
			cells[smallest(cells, open)].Withheld = true
			changed = true
		}
	}
	return nil
}

// checkRelations returns ErrRelation where a relation names a cell that
// does not exist.
func checkRelations(cells []Cell, relations []Relation) error {
	for _, r := range relations {
		for _, i := range append([]int{r.Whole}, r.Parts...) {
			if i < 0 || i >= len(cells) {
				return ErrRelation
			}
		}
	}
	return nil
}

// openParts returns the parts of r that are not withheld.
func openParts(cells []Cell, r Relation) []int {
	return slices.DeleteFunc(slices.Clone(r.Parts), func(i int) bool { return cells[i].Withheld })
}

// smallest returns the cell of open (not empty) with the smallest value;
// ties go to the lower index.
func smallest(cells []Cell, open []int) int {
	return slices.MinFunc(open, func(a, b int) int {
		if d := cells[a].Value - cells[b].Value; d != 0 {
			return d
		}
		return a - b
	})
}

// unbounded is the upper bound of a withheld cell without a mark: far
// above any count, and small enough that sums over a relation of up to a
// thousand parts do not overflow.
const unbounded = math.MaxInt / 1024

// searchNodes is how many steps each of Pins's searches may take (for a
// first table, then for a second value of a cell); a cell it cannot show
// to have a second value within them counts as pinned, so the budget
// decides only how much is withheld, never whether a pinned cell is
// shown.
const searchNodes = 20_000

// maxSweeps bounds narrowing by the relations: a cycle of relations can
// move a bound by one per sweep. Stopping early is sound, since the
// search decides only at tables with every cell fixed, and checks every
// relation there.
const maxSweeps = 64

// ErrInconsistent is returned by Pins for figures no table of counts
// fits: the relations and the published figures contradict each other.
var ErrInconsistent = errors.New("disclosure: no table fits the published figures")

// Pins returns the withheld cells that the published figures leave one
// value for, in index order. A reader who knows these rules knows that
// a shown cell lies in its rounding's Interval, that a withheld cell
// marked "<T" (marked[i]) lies from 0 to T-1 and any other withheld cell
// from 0 up, and that every relation adds up. Narrowing each cell's
// interval relation by relation (the attack of package disclosure/attack)
// finds most pins: a whole published as 65 (63 to 67) over three parts
// shown as 10 (at most 12) and three marked "<10" makes those three
// exactly 9. It misses a value that only several relations together
// leave, as in a table with margins both ways (the dashboard's Sankey:
// a region's "<5" worked back to exactly 0 through the other region and
// their sums),
// so Pins then searches the tables of whole counts that fit everything
// shown for a second value of each withheld cell, and a cell without one
// is pinned. A cell whose search runs out of steps counts as pinned.
// A withheld cell's value only guides the search (Release passes the
// true ones, and the first table is then found at once); the answer
// depends on it only where a search runs out of steps.
func (p Policy) Pins(cells []Cell, marked []bool, relations []Relation) ([]int, error) {
	if len(marked) != len(cells) {
		return nil, fmt.Errorf("disclosure: %d marks for %d cells", len(marked), len(cells))
	}
	if err := checkRelations(cells, relations); err != nil {
		return nil, err
	}
	b, err := p.known(cells, marked)
	if err != nil {
		return nil, err
	}
	if !b.narrow(relations) {
		return nil, ErrInconsistent
	}
	budget := searchNodes
	// The withheld cells' values guide the search: where they are the
	// true ones (Release), the first table is found at once.
	guide := make([]int, len(cells))
	for i, c := range cells {
		guide[i] = c.Value
	}
	first := b.clone().solve(relations, guide, &budget)
	if first == nil && budget > 0 {
		return nil, ErrInconsistent
	}
	var pins []int
	if first == nil {
		// Out of steps before any table: nothing shows a second value.
		for c, cell := range cells {
			if cell.Withheld {
				pins = append(pins, c)
			}
		}
		return pins, nil
	}
	// second[i]: a table that fits with another value of cell i than
	// first has is known.
	second := make([]bool, len(cells))
	for c, cell := range cells {
		if !cell.Withheld || second[c] {
			continue
		}
		for _, above := range []bool{false, true} {
			try := b.clone()
			if above {
				try.lo[c] = first[c] + 1
			} else {
				try.hi[c] = first[c] - 1
			}
			budget := searchNodes
			if other := try.solve(relations, first, &budget); other != nil {
				for i := range other {
					second[i] = second[i] || other[i] != first[i]
				}
				break
			}
		}
		if !second[c] {
			pins = append(pins, c)
		}
	}
	return pins, nil
}

// bounds is what is known of every cell: from lo[i] to hi[i].
type bounds struct{ lo, hi []int }

// known is what a reader knows of each cell before adding anything up:
// a shown cell lies in its rounding's Interval, a withheld one marked
// "<T" from 0 to T-1, any other withheld one from 0 up.
func (p Policy) known(cells []Cell, marked []bool) (bounds, error) {
	b := bounds{lo: make([]int, len(cells)), hi: make([]int, len(cells))}
	for i, c := range cells {
		switch {
		case !c.Withheld:
			pub, ok := p.Count(c.Value)
			if !ok {
				return bounds{}, fmt.Errorf("disclosure: cell %d is shown but below the threshold", i)
			}
			b.lo[i], b.hi[i] = p.Interval(pub)
		case marked[i]:
			b.lo[i], b.hi[i] = 0, p.Threshold-1
		default:
			b.lo[i], b.hi[i] = 0, unbounded
		}
	}
	return b, nil
}

func (b bounds) clone() bounds { return bounds{lo: slices.Clone(b.lo), hi: slices.Clone(b.hi)} }

// narrow narrows every cell's bounds by every relation until nothing
// changes (or maxSweeps), and reports false where some cell has none
// left. Upper bounds of unbounded stand for none: sums over them are
// unbounded too.
func (b bounds) narrow(relations []Relation) bool {
	for i := range b.lo {
		if b.lo[i] > b.hi[i] {
			return false
		}
	}
	for sweep, changed := 0, true; changed && sweep < maxSweeps; sweep++ {
		changed = false
		set := func(i, l, h int) bool {
			if l > b.lo[i] {
				b.lo[i], changed = l, true
			}
			if h < b.hi[i] {
				b.hi[i], changed = h, true
			}
			return b.lo[i] <= b.hi[i]
		}
		for _, r := range relations {
			// The parts' sums once per relation, the unbounded upper
			// bounds counted apart; a part's own bound is taken out of
			// them below. Bounds narrowed meanwhile make them stale, which
			// only narrows less this sweep.
			lo, hi, open := 0, 0, 0
			for _, j := range r.Parts {
				lo += b.lo[j]
				if b.hi[j] >= unbounded {
					open++
				} else {
					hi += b.hi[j]
				}
			}
			w := r.Whole
			wholeHi := unbounded
			if open == 0 {
				wholeHi = hi
			}
			if !set(w, min(lo, unbounded), min(wholeHi, unbounded)) {
				return false
			}
			for _, j := range r.Parts {
				l, h := 0, unbounded
				switch own := b.hi[j] >= unbounded; {
				case open == 0:
					l = b.lo[w] - (hi - b.hi[j])
				case open == 1 && own:
					l = b.lo[w] - hi
				}
				if b.hi[w] < unbounded {
					h = b.hi[w] - (lo - b.lo[j])
				}
				if !set(j, l, h) {
					return false
				}
			}
		}
	}
	return true
}

// solve returns a table of whole counts within b for which every
// relation adds up, or nil where there is none or the budget (search
// steps, shared) runs out: it narrows, then takes the narrowest cell not
// yet fixed and tries it at its guide value (guide[i], or the nearest
// value in its bounds) first, then below, then above, so that the search
// stays near the guide table. It changes b.
func (b bounds) solve(relations []Relation, guide []int, budget *int) []int {
	if *budget--; *budget <= 0 || !b.narrow(relations) {
		return nil
	}
	pick := -1
	for i := range b.lo {
		if b.lo[i] < b.hi[i] && (pick < 0 || b.hi[i]-b.lo[i] < b.hi[pick]-b.lo[pick]) {
			pick = i
		}
	}
	if pick < 0 {
		// Every cell fixed. Narrowing's sums stop at unbounded, so check
		// the relations in whole numbers: a table near that bound must
		// add up too.
		for _, r := range relations {
			s := 0
			for _, j := range r.Parts {
				s += b.lo[j]
			}
			if s != b.lo[r.Whole] {
				return nil
			}
		}
		return b.lo
	}
	v := min(max(guide[pick], b.lo[pick]), b.hi[pick])
	for _, r := range [][2]int{{v, v}, {b.lo[pick], v - 1}, {v + 1, b.hi[pick]}} {
		if r[0] > r[1] {
			continue
		}
		try := b.clone()
		try.lo[pick], try.hi[pick] = r[0], r[1]
		if t := try.solve(relations, guide, budget); t != nil {
			return t
		}
		if *budget <= 0 {
			return nil
		}
	}
	return nil
}

// ErrPinned is returned by Release when it cannot leave every withheld
// cell open; the caller then withholds more than Release would.
var ErrPinned = errors.New("disclosure: a withheld cell stays pinned")

// Release decides which cells a table of counts shows, as kpi.Publish's
// release audit does for the KPIs: it applies complementary suppression
// (Complement), attacks the result as a reader who knows the rules would
// (Pins), and while a withheld cell is pinned it first drops the marks of
// the withheld parts in the pinned cell's relations (shown as "–" instead
// of "<T") and, where none is left to drop, withholds the smallest open
// part of such a relation (never its whole), then suppresses again. small
// says whether a withheld cell would be marked "<T". It returns which
// withheld cells keep their mark.
func (p Policy) Release(cells []Cell, relations []Relation, small func(i int) bool) ([]bool, error) {
	marked := make([]bool, len(cells))
	dropped := make([]bool, len(cells))
	involves := func(r Relation, c int) bool { return r.Whole == c || slices.Contains(r.Parts, c) }
	for {
		if err := Complement(cells, relations); err != nil {
			return nil, err
		}
		for i, c := range cells {
			marked[i] = c.Withheld && small(i) && !dropped[i]
		}
		pins, err := p.Pins(cells, marked, relations)
		if err != nil || len(pins) == 0 {
			return marked, err
		}
		changed := false
		for _, c := range pins {
			for _, r := range relations {
				if !involves(r, c) {
					continue
				}
				for _, i := range r.Parts {
					if marked[i] {
						dropped[i], changed = true, true
					}
				}
			}
		}
		if !changed && !withholdNext(cells, relations, pins, involves) {
			return marked, ErrPinned
		}
	}
}

// withholdNext withholds the smallest open part of the first relation
// of a pinned cell that has one, and reports whether there was one.
func withholdNext(cells []Cell, relations []Relation, pins []int, involves func(Relation, int) bool) bool {
	for _, c := range pins {
		for _, r := range relations {
			if open := openParts(cells, r); involves(r, c) && len(open) > 0 {
				cells[smallest(cells, open)].Withheld = true
				return true
			}
		}
	}
	return false
}
