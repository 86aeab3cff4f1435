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
// above any count, and small enough that sums of a few do not overflow.
const unbounded = math.MaxInt / 64

// Pins returns the withheld cells that the published figures leave one
// value for, in index order. A reader who knows these rules knows that
// a shown cell lies in its rounding's Interval, that a withheld cell
// marked "<T" (marked[i]) lies from 0 to T-1 and any other withheld cell
// from 0 up, and that every relation adds up; Pins narrows each cell's
// interval by every relation until nothing changes (the attack of
// package disclosure/attack, for cells and relations of any kind). The
// rules still leave rare combinations open: a whole published as 65 (63
// to 67) over three parts shown as 10 (at most 12 each) and three marked
// "<10" makes those three exactly 9.
func (p Policy) Pins(cells []Cell, marked []bool, relations []Relation) ([]int, error) {
	if len(marked) != len(cells) {
		return nil, fmt.Errorf("disclosure: %d marks for %d cells", len(marked), len(cells))
	}
	if err := checkRelations(cells, relations); err != nil {
		return nil, err
	}
	lo, hi := make([]int, len(cells)), make([]int, len(cells))
	for i, c := range cells {
		switch {
		case !c.Withheld:
			pub, ok := p.Count(c.Value)
			if !ok {
				return nil, fmt.Errorf("disclosure: cell %d is shown but below the threshold", i)
			}
			lo[i], hi[i] = p.Interval(pub)
		case marked[i]:
			lo[i], hi[i] = 0, p.Threshold-1
		default:
			lo[i], hi[i] = 0, unbounded
		}
	}
	sum := func(xs []int, of []int, skip int) int {
		s := 0
		for _, i := range of {
			if i != skip {
				s = min(s+xs[i], unbounded)
			}
		}
		return s
	}
	for changed := true; changed; {
		changed = false
		narrow := func(i, l, h int) {
			if l > lo[i] {
				lo[i], changed = l, true
			}
			if h < hi[i] {
				hi[i], changed = h, true
			}
		}
		for _, r := range relations {
			w := r.Whole
			narrow(w, sum(lo, r.Parts, -1), sum(hi, r.Parts, -1))
			for _, j := range r.Parts {
				othersHi := sum(hi, r.Parts, j)
				l := 0
				if othersHi < unbounded {
					l = lo[w] - othersHi
				}
				h := hi[w]
				if hi[w] < unbounded {
					h = hi[w] - sum(lo, r.Parts, j)
				}
				narrow(j, l, h)
			}
		}
	}
	var pins []int
	for i, c := range cells {
		if c.Withheld && lo[i] == hi[i] {
			pins = append(pins, i)
		}
	}
	return pins, nil
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
