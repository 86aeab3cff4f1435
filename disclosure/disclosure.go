// Package disclosure is the statistical disclosure control of every
// published output (SPEC §2): the dashboard, the metrics, the CSV downloads
// and `zothuis kpi` without --raw. Researchers' person-level file is not
// published output and is protected by file permissions instead.
//
// Rules: a count below the threshold is withheld (shown as "<10"); other
// counts are rounded to a multiple of 5; a ratio or median is shown only
// where it rests on at least MinBasis placements (10, or the threshold if
// that is higher); and where exactly one cell of a breakdown is withheld,
// the next smallest is withheld too, so no withheld value can be recovered
// by subtracting from a total.
package disclosure

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// MinThreshold is the lowest threshold the policy accepts.
const MinThreshold = 5

// DefaultThreshold is the SPEC's default.
const DefaultThreshold = 10

// roundTo is the base counts are rounded to.
const roundTo = 5

// ErrBreakdown is returned for a breakdown naming a cell that does not exist.
var ErrBreakdown = errors.New("disclosure: breakdown index out of range")

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

// Count returns the published form of a count: rounded to a multiple of 5,
// or ok=false when withheld. A rounded count never falls below the
// threshold (it is raised to the next multiple of 5 that does not).
func (p Policy) Count(n int) (published int, ok bool) {
	if n < p.Threshold {
		return 0, false
	}
	r := int(math.Floor(float64(n)/roundTo+0.5)) * roundTo
	for r < p.Threshold {
		r += roundTo
	}
	return r, true
}

// ratioBasis is the fewest placements a published ratio or median may rest
// on (SPEC §2 and §5), whatever the count threshold.
const ratioBasis = 10

// MinBasis is the fewest placements a published ratio or median rests on:
// 10, or the threshold where that is higher.
func (p Policy) MinBasis() int {
	return max(ratioBasis, p.Threshold)
}

// Ratio returns num/den rounded to 0.01, or ok=false where den is below
// MinBasis. It is computed from the unrounded counts.
func (p Policy) Ratio(num, den int) (float64, bool) {
	if den < p.MinBasis() {
		return 0, false
	}
	return math.Round(float64(num)/float64(den)*100) / 100, true
}

// Median returns a median for publication, or ok=false where any of the
// counts behind it (the values it is taken over, the placements of its
// area) is below MinBasis.
func (p Policy) Median(v float64, basis ...int) (float64, bool) {
	for _, n := range basis {
		if n < p.MinBasis() {
			return 0, false
		}
	}
	return v, true
}

// Cell is one figure of a breakdown that adds up to a total; Value is what
// the complementary suppression ranks by (smallest withheld first).
type Cell struct {
	Value    int
	Withheld bool
}

// Complement applies complementary suppression. Each breakdown lists the
// indexes of the cells of one additive relation, the total included (a
// region and its municipalities): where exactly one of them is withheld it
// could be recovered by subtraction, so the smallest other cell is withheld
// too. A breakdown of one child is covered: its total then is withheld.
// This repeats until no breakdown has exactly one withheld cell, since a
// cell may sit in several breakdowns (a region is a child of all).
func Complement(cells []Cell, breakdowns [][]int) error {
	for _, b := range breakdowns {
		for _, i := range b {
			if i < 0 || i >= len(cells) {
				return ErrBreakdown
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, b := range breakdowns {
			var open []int
			withheld := 0
			for _, i := range b {
				if cells[i].Withheld {
					withheld++
				} else {
					open = append(open, i)
				}
			}
			if withheld != 1 || len(open) == 0 {
				continue
			}
			sort.SliceStable(open, func(x, y int) bool { return cells[open[x]].Value < cells[open[y]].Value })
			cells[open[0]].Withheld = true
			changed = true
		}
	}
	return nil
}
