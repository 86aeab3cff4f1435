package disclosure

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/disclosure/attack"
)

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		threshold int
		wantErr   bool
	}{{4, true}, {0, true}, {-10, true}, {5, false}, {10, false}, {25, false}} {
		_, err := New(tt.threshold)
		if got := errors.Is(err, ErrThreshold); got != tt.wantErr {
			t.Errorf("New(%d) error = %v, want ErrThreshold: %v", tt.threshold, err, tt.wantErr)
		}
	}
}

func mustPolicy(t testing.TB, threshold int) Policy {
	t.Helper()
	p, err := New(threshold)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCount(t *testing.T) {
	type out struct {
		V     int
		OK    bool
		Small bool
	}
	tests := []struct {
		threshold, n int
		want         out
	}{
		{10, 0, out{0, false, true}}, // zero is withheld like any small count
		{10, 9, out{0, false, true}},
		{10, 10, out{10, true, false}},
		{10, 12, out{10, true, false}},
		{10, 13, out{15, true, false}},
		{10, 17, out{15, true, false}},
		{10, 18, out{20, true, false}},
		{10, 102, out{100, true, false}},
		{10, 103, out{105, true, false}},
		{5, 5, out{5, true, false}},
		{5, 7, out{5, true, false}},
		{5, 8, out{10, true, false}},
		{12, 11, out{0, false, true}},
		{12, 12, out{15, true, false}}, // 10 would be below the threshold
		{13, 17, out{15, true, false}},
		{8, 8, out{10, true, false}},
	}
	for _, tt := range tests {
		p := mustPolicy(t, tt.threshold)
		v, ok := p.Count(tt.n)
		if diff := cmp.Diff(tt.want, out{v, ok, p.Small(tt.n)}); diff != "" {
			t.Errorf("threshold %d, Count(%d) (-want +got):\n%s", tt.threshold, tt.n, diff)
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		num, den int
		want     float64
	}{
		{15, 20, 0.75},
		{10, 15, 0.67},
		{20, 30, 0.67},
		{10, 30, 0.33},
		{1, 200, 0.01}, // half rounds away from zero
		{45, 100, 0.45},
		{85, 170, 0.5},
	}
	for _, tt := range tests {
		if got := Ratio(tt.num, tt.den); got != tt.want {
			t.Errorf("Ratio(%d, %d) = %v, want %v", tt.num, tt.den, got, tt.want)
		}
	}
}

func TestBounds(t *testing.T) {
	p := mustPolicy(t, 10)
	tests := []struct {
		pubDen       int
		upper, lower float64
	}{
		{10, 1, 0},
		{20, 0.5, 0.5},
		{40, 0.25, 0.75},
		{200, 0.05, 0.95},
	}
	for _, tt := range tests {
		if got := p.UpperBound(tt.pubDen); got != tt.upper {
			t.Errorf("UpperBound(%d) = %v, want %v", tt.pubDen, got, tt.upper)
		}
		if got := p.LowerBound(tt.pubDen); got != tt.lower {
			t.Errorf("LowerBound(%d) = %v, want %v", tt.pubDen, got, tt.lower)
		}
	}
}

// TestBoundsHold checks that the bounds the dashboard and the metrics show
// for a withheld ratio hold for every truth the published counts can
// stand for: where the numerator is below T and the complement is not,
// the ratio lies under UpperBound of the published denominator; where the
// complement is below T and the numerator is not, above LowerBound.
func TestBoundsHold(t *testing.T) {
	checked := 0
	for threshold := MinThreshold; threshold <= 25; threshold++ {
		p := mustPolicy(t, threshold)
		for den := threshold; den <= 400; den++ {
			pubDen, ok := p.Count(den)
			if !ok {
				t.Fatalf("threshold %d: denominator %d withheld", threshold, den)
			}
			for num := 0; num <= den; num++ {
				r := float64(num) / float64(den)
				switch {
				case p.Small(num) && !p.Small(den-num):
					checked++
					if r >= p.UpperBound(pubDen) {
						t.Errorf("threshold %d: %d/%d = %.4f published as under %.4f (published denominator %d)", threshold, num, den, r, p.UpperBound(pubDen), pubDen)
					}
				case p.Small(den-num) && !p.Small(num):
					checked++
					if r <= p.LowerBound(pubDen) {
						t.Errorf("threshold %d: %d/%d = %.4f published as above %.4f (published denominator %d)", threshold, num, den, r, p.LowerBound(pubDen), pubDen)
					}
				}
			}
		}
	}
	t.Logf("%d withheld ratios checked against their bounds", checked)
}

func TestMedian(t *testing.T) {
	p := mustPolicy(t, 10)
	type out struct {
		V  float64
		OK bool
	}
	tests := []struct {
		name      string
		days      float64
		published bool
		values    int
		want      out
	}{
		{"whole weeks", 120.5, true, 10, out{119, true}},
		{"rounds to the nearest week", 124, true, 25, out{126, true}},
		{"one value behind it too few", 120, true, 9, out{0, false}},
		{"area withheld", 120, false, 40, out{0, false}},
		{"no median", math.NaN(), true, 40, out{0, false}},
		{"zero days", 0, true, 10, out{0, true}},
	}
	for _, tt := range tests {
		v, ok := p.Median(tt.days, tt.published, tt.values)
		if diff := cmp.Diff(tt.want, out{v, ok}); diff != "" {
			t.Errorf("%s: Median(%v, %v, %d) (-want +got):\n%s", tt.name, tt.days, tt.published, tt.values, diff)
		}
	}
}

func TestComplement(t *testing.T) {
	tests := []struct {
		name      string
		cells     []Cell
		relations []Relation
		want      []bool
	}{
		{
			name:      "one withheld part takes the next smallest with it",
			cells:     []Cell{{Value: 60}, {Value: 3, Withheld: true}, {Value: 30}, {Value: 20}, {Value: 7, Withheld: false}},
			relations: []Relation{{Whole: 0, Parts: []int{1, 2, 3}}},
			want:      []bool{false, true, false, true, false},
		},
		{
			name:      "ties go to the lower index",
			cells:     []Cell{{Value: 43}, {Value: 3, Withheld: true}, {Value: 20}, {Value: 20}},
			relations: []Relation{{Whole: 0, Parts: []int{1, 2, 3}}},
			want:      []bool{false, true, true, false},
		},
		{
			name:      "two withheld parts are enough",
			cells:     []Cell{{Value: 50}, {Value: 3, Withheld: true}, {Value: 4, Withheld: true}, {Value: 43}},
			relations: []Relation{{Whole: 0, Parts: []int{1, 2, 3}}},
			want:      []bool{false, true, true, false},
		},
		{
			name:      "the whole is never withheld for a part, even its only part",
			cells:     []Cell{{Value: 7}, {Value: 7, Withheld: true}},
			relations: []Relation{{Whole: 0, Parts: []int{1}}},
			want:      []bool{false, true},
		},
		{
			name: "a part withheld in one relation is a whole in the next",
			// all = 0 (regions 1, 2); region 1 = munis 3, 4; region 2 = 5, 6.
			cells: []Cell{{Value: 80}, {Value: 40}, {Value: 40}, {Value: 5, Withheld: true}, {Value: 35}, {Value: 20}, {Value: 20}},
			relations: []Relation{
				{Whole: 0, Parts: []int{1, 2}},
				{Whole: 1, Parts: []int{3, 4}},
				{Whole: 2, Parts: []int{5, 6}},
			},
			want: []bool{false, false, false, true, true, false, false},
		},
		{
			name: "a whole withheld elsewhere is protected by a part",
			// all = 0 (regions 1, 2); region 2 is small, so region 1 is
			// withheld in all, and would be the sum of its open parts.
			cells: []Cell{{Value: 60}, {Value: 52}, {Value: 8, Withheld: true}, {Value: 30}, {Value: 22}, {Value: 5, Withheld: true}, {Value: 3, Withheld: true}},
			relations: []Relation{
				{Whole: 0, Parts: []int{1, 2}},
				{Whole: 1, Parts: []int{3, 4}},
				{Whole: 2, Parts: []int{5, 6}},
			},
			want: []bool{false, true, true, false, true, true, true},
		},
		{
			name:  "a zero part counts as withheld",
			cells: []Cell{{Value: 30}, {Value: 0, Withheld: true}, {Value: 12}, {Value: 18}},
			relations: []Relation{
				{Whole: 0, Parts: []int{1, 2, 3}},
			},
			want: []bool{false, true, true, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Complement(tt.cells, tt.relations); err != nil {
				t.Fatal(err)
			}
			got := make([]bool, len(tt.cells))
			for i, c := range tt.cells {
				got[i] = c.Withheld
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("withheld (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComplementBadRelation(t *testing.T) {
	for _, rels := range [][]Relation{
		{{Whole: 0, Parts: []int{2}}},
		{{Whole: 5, Parts: []int{0}}},
		{{Whole: 0, Parts: []int{-1}}},
	} {
		if err := Complement([]Cell{{}, {}}, rels); !errors.Is(err, ErrRelation) {
			t.Errorf("Complement over %+v: err = %v, want ErrRelation", rels, err)
		}
	}
}

// randomTree is a random area tree: cell 0 is all, then each region
// followed by its municipalities, with placements (den) and a numerator
// of each; relations as kpi.AreaTree builds them.
type randomTree struct {
	den, num  []int
	relations []Relation
}

func newRandomTree(r *rand.Rand, threshold int) randomTree {
	tr := randomTree{den: []int{0}, num: []int{0}}
	all := Relation{Whole: 0}
	for reg, n := 0, 1+r.IntN(3); reg < n; reg++ {
		ri := len(tr.den)
		tr.den, tr.num = append(tr.den, 0), append(tr.num, 0)
		all.Parts = append(all.Parts, ri)
		rel := Relation{Whole: ri}
		for m, k := 0, 1+r.IntN(12); m < k; m++ {
			var d int
			switch r.IntN(4) {
			case 0:
				d = r.IntN(threshold) // small, zero included
			case 1:
				d = threshold + r.IntN(2*threshold)
			default:
				d = r.IntN(80)
			}
			// Numerators near 0, near d and in between: small numerators
			// and small complements both occur.
			var nu int
			switch r.IntN(3) {
			case 0:
				nu = r.IntN(min(d, threshold) + 1)
			case 1:
				nu = d - r.IntN(min(d, threshold)+1)
			default:
				nu = r.IntN(d + 1)
			}
			rel.Parts = append(rel.Parts, len(tr.den))
			tr.den, tr.num = append(tr.den, d), append(tr.num, nu)
			tr.den[ri] += d
			tr.num[ri] += nu
		}
		tr.den[0] += tr.den[ri]
		tr.num[0] += tr.num[ri]
		tr.relations = append(tr.relations, rel)
	}
	tr.relations = append([]Relation{all}, tr.relations...)
	return tr
}

// exposed says whether relation r has exactly one withheld cell, its
// whole included, while a part is still open: that cell could be worked
// back from the others, and Complement should have withheld an open part.
func exposed(r Relation, withheld func(int) bool) bool {
	n, open := 0, 0
	if withheld(r.Whole) {
		n++
	}
	for _, i := range r.Parts {
		if withheld(i) {
			n++
		} else {
			open++
		}
	}
	return n == 1 && open > 0
}

// treeOf builds a tree from the placements and numerators of the
// municipalities of each region.
func treeOf(dens, nums [][]int) randomTree {
	tr := randomTree{den: []int{0}, num: []int{0}}
	all := Relation{Whole: 0}
	for r := range dens {
		ri := len(tr.den)
		tr.den, tr.num = append(tr.den, 0), append(tr.num, 0)
		all.Parts = append(all.Parts, ri)
		rel := Relation{Whole: ri}
		for m := range dens[r] {
			rel.Parts = append(rel.Parts, len(tr.den))
			tr.den, tr.num = append(tr.den, dens[r][m]), append(tr.num, nums[r][m])
			tr.den[ri] += dens[r][m]
			tr.num[ri] += nums[r][m]
		}
		tr.den[0] += tr.den[ri]
		tr.num[0] += tr.num[ri]
		tr.relations = append(tr.relations, rel)
	}
	tr.relations = append([]Relation{all}, tr.relations...)
	return tr
}

// treeOutput is what a kpi-like publication of a random tree shows.
type treeOutput struct {
	denShown, ratioShown []bool
	den, num             []int // published counts where shown
}

// publishTree publishes the tree the way package kpi publishes placements
// and one ratio: placements withheld below T and by complementary
// suppression; the ratio where its denominator is shown and numerator and
// complement are at least T, with one withheld pattern for numerator and
// complement.
func publishTree(t testing.TB, p Policy, tr randomTree) treeOutput {
	t.Helper()
	n := len(tr.den)
	dens := make([]Cell, n)
	for i, d := range tr.den {
		dens[i] = Cell{Value: d, Withheld: p.Small(d)}
	}
	if err := Complement(dens, tr.relations); err != nil {
		t.Fatal(err)
	}
	nums := make([]Cell, n)
	for i, nu := range tr.num {
		nums[i] = Cell{Value: nu, Withheld: dens[i].Withheld || p.Small(nu) || p.Small(tr.den[i]-nu)}
	}
	if err := Complement(nums, tr.relations); err != nil {
		t.Fatal(err)
	}
	out := treeOutput{denShown: make([]bool, n), ratioShown: make([]bool, n), den: make([]int, n), num: make([]int, n)}
	for i := range n {
		if !dens[i].Withheld {
			out.denShown[i] = true
			out.den[i], _ = p.Count(tr.den[i])
		}
		if !nums[i].Withheld {
			out.ratioShown[i] = true
			out.num[i], _ = p.Count(tr.num[i])
		}
	}
	return out
}

// attackTree narrows every placement count, numerator and complement of
// the tree from its published output alone (interval propagation over
// den = num + complement and every relation) and returns the withheld
// ones it pins, checking on the way that it never cuts off the truth.
func attackTree(t testing.TB, threshold int, tr randomTree, out treeOutput) []string {
	t.Helper()
	var s attack.System
	n := len(tr.den)
	den, num, comp := make([]int, n), make([]int, n), make([]int, n)
	for i := range n {
		den[i], num[i], comp[i] = s.Var(attack.Any), s.Var(attack.Any), s.Var(attack.Any)
		s.Sum(den[i], num[i], comp[i])
		if out.denShown[i] {
			iv, _ := attack.CountInterval(int64(out.den[i]), threshold)
			s.Restrict(den[i], iv)
		}
		if out.ratioShown[i] {
			iv, _ := attack.CountInterval(int64(out.num[i]), threshold)
			s.Restrict(num[i], iv)
			s.Restrict(comp[i], attack.Interval{Lo: int64(threshold), Hi: attack.Inf})
		}
	}
	for _, r := range tr.relations {
		for _, vs := range [][]int{den, num, comp} {
			parts := make([]int, len(r.Parts))
			for i, p := range r.Parts {
				parts[i] = vs[p]
			}
			s.Sum(vs[r.Whole], parts...)
		}
	}
	if err := s.Solve(); err != nil {
		t.Fatal(err)
	}
	if s.Conflicts > 0 {
		t.Fatalf("%d conflicts: the published tree contradicts the rules", s.Conflicts)
	}
	var pinned []string
	for i := range n {
		for _, x := range []struct {
			name     string
			v        int
			truth    int
			withheld bool
		}{
			{"placements", den[i], tr.den[i], !out.denShown[i]},
			{"numerator", num[i], tr.num[i], !out.ratioShown[i]},
			{"complement", comp[i], tr.den[i] - tr.num[i], !out.ratioShown[i]},
		} {
			iv := s.Interval(x.v)
			if !iv.Contains(int64(x.truth)) {
				t.Fatalf("cell %d %s: truth %d outside %d..%d: the attack is unsound", i, x.name, x.truth, iv.Lo, iv.Hi)
			}
			if x.withheld && iv.Pinned() {
				pinned = append(pinned, fmt.Sprintf("cell %d %s = %d", i, x.name, iv.Lo))
			}
		}
	}
	return pinned
}

// TestPropertyRandomTrees publishes thousands of random area trees as
// package kpi publishes placements and a ratio, and checks: every
// published count is a multiple of 5 at least T; no relation has exactly
// one withheld cell, its whole included, while a part is open (for
// placements, and for the ratio's numerator and complement, which share
// one pattern); and the interval attack over every relation, numerators
// and complements included, stays sound. That it pins nothing is the
// audit's job in package kpi, tested there on these trees.
//
// The first trees are ones a longer run found pinned (rare: 6 in 300,000
// random trees, 1 of them at threshold 10), kept so that every run tries
// them:
//   - the shown parts all at the bottom of their rounding interval and the
//     whole at the top leave exactly 0 for the withheld parts, so each
//     withheld part is 0 (threshold 10: region 142 published 140, so at
//     most 142; shown municipalities 38, 23, 23, 58 published 40, 25, 25,
//     60, so at least 142 together; the two withheld ones are 0);
//   - a shown ratio's complement of at least T meets the rounding of its
//     counts: region 37 of which 28 (published 35 and 30, threshold 9)
//     has a complement of at most 37 − 28 = 9 and at least 9, so exactly
//     9, and its withheld municipalities' complements are 0;
//   - with threshold 6 a shown ratio over a published denominator of 10
//     (8..12) has numerator and complement of at least 6 each: 12
//     placements, 6 and 6; a region of that one municipality, withheld
//     in all, is the same unless Complement withholds the municipality
//     with it.
func TestPropertyRandomTrees(t *testing.T) {
	type tree struct {
		threshold  int
		dens, nums [][]int
	}
	known := []tree{
		{10, [][]int{{38, 23, 23, 0, 0, 58}}, [][]int{{32, 7, 8, 0, 0, 1}}},
		{9, [][]int{{36, 1, 0}}, [][]int{{27, 1, 0}}},
		{6, [][]int{{12}, {16}, {49, 3, 59, 1}}, [][]int{{6}, {1}, {33, 1, 8, 1}}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	var trees, withheld, ratiosWithheld, pinnedTrees int
	for iter := 0; iter < len(known)+3000; iter++ {
		threshold := MinThreshold + r.IntN(11)
		var tr randomTree
		if iter < len(known) {
			threshold, tr = known[iter].threshold, treeOf(known[iter].dens, known[iter].nums)
		} else {
			tr = newRandomTree(r, threshold)
		}
		p := mustPolicy(t, threshold)
		out := publishTree(t, p, tr)
		trees++
		for i := range tr.den {
			if out.denShown[i] && (out.den[i] < threshold || out.den[i]%5 != 0) {
				t.Fatalf("tree %d: placements %d published as %d under threshold %d", iter, tr.den[i], out.den[i], threshold)
			}
			if out.ratioShown[i] && (p.Small(tr.num[i]) || p.Small(tr.den[i]-tr.num[i]) || !out.denShown[i]) {
				t.Fatalf("tree %d: ratio %d/%d published under threshold %d", iter, tr.num[i], tr.den[i], threshold)
			}
			if !out.denShown[i] {
				withheld++
			}
			if !out.ratioShown[i] {
				ratiosWithheld++
			}
		}
		for _, rel := range tr.relations {
			for name, shown := range map[string][]bool{"placements": out.denShown, "ratio": out.ratioShown} {
				if exposed(rel, func(i int) bool { return !shown[i] }) {
					t.Fatalf("tree %d: %s: relation %+v has exactly one withheld cell", iter, name, rel)
				}
			}
		}
		// Complement alone cannot stop rounding from pinning a withheld
		// value in a rare tree: package kpi audits every month with the
		// attack and withholds more (kpi.TestPublishRandomTreesAudited).
		// Here the attack must stay sound (attackTree checks that) and the
		// known trees must still show what the audit is for.
		if pinned := attackTree(t, threshold, tr, out); len(pinned) > 0 {
			pinnedTrees++
		} else if iter < len(known)-1 {
			t.Errorf("known tree %d is no longer pinned by Complement alone: update the cases of kpi's audit test", iter)
		}
	}
	t.Logf("%d trees (%d known, the rest random), %d withheld placement counts, %d withheld ratios, %d trees pinned by rounding without an audit", trees, len(known), withheld, ratiosWithheld, pinnedTrees)
	if withheld == 0 || ratiosWithheld == 0 {
		t.Error("the random trees never exercised suppression")
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		threshold, pub, lo, hi int
	}{
		{10, 10, 10, 12}, {10, 15, 13, 17}, {10, 100, 98, 102},
		{9, 10, 9, 12}, {12, 15, 12, 17}, {5, 5, 5, 7},
	}
	for _, tt := range tests {
		p := mustPolicy(t, tt.threshold)
		lo, hi := p.Interval(tt.pub)
		if diff := cmp.Diff([2]int{tt.lo, tt.hi}, [2]int{lo, hi}); diff != "" {
			t.Errorf("threshold %d, Interval(%d) (-want +got):\n%s", tt.threshold, tt.pub, diff)
		}
		for n := lo; n <= hi; n++ {
			if q, ok := p.Count(n); !ok || q != tt.pub {
				t.Errorf("threshold %d: Count(%d) = %d, %v; Interval(%d) holds it", tt.threshold, n, q, ok, tt.pub)
			}
		}
	}
}

// TestPinned checks which shown ratios would give their exact counts
// away, and that every pinned one does: the smallest numerator and the
// largest denominator its published counts stand for are the true ones.
func TestPinned(t *testing.T) {
	tests := []struct {
		threshold, num, den int
		want                bool
	}{
		{6, 6, 12, true},   // 10/10 = 1.00 would stand for 6 of 12
		{6, 6, 13, false},  // 10/15: 6–12 of 13–17
		{9, 28, 37, true},  // 30/35: 28 of 37 is the only pair 9 apart
		{9, 27, 37, false}, // 25/35
		{10, 10, 20, false},
		{10, 12, 22, false},
		{10, 5, 30, false}, // a small numerator is withheld, not pinned
	}
	for _, tt := range tests {
		p := mustPolicy(t, tt.threshold)
		pubDen, ok := p.Count(tt.den)
		if !ok {
			t.Fatalf("threshold %d: denominator %d withheld", tt.threshold, tt.den)
		}
		if got := p.Pinned(tt.num, pubDen); got != tt.want {
			t.Errorf("threshold %d: Pinned(%d, %d) (denominator %d) = %v, want %v", tt.threshold, tt.num, pubDen, tt.den, got, tt.want)
		}
	}
	for threshold := MinThreshold; threshold <= 25; threshold++ {
		p := mustPolicy(t, threshold)
		for den := 2 * threshold; den <= 300; den++ {
			pubDen, _ := p.Count(den)
			for num := threshold; num <= den-threshold; num++ {
				if !p.Pinned(num, pubDen) {
					continue
				}
				pubNum, _ := p.Count(num)
				lo, _ := p.Interval(pubNum)
				_, hi := p.Interval(pubDen)
				if lo != num || hi != den {
					t.Fatalf("threshold %d: %d of %d pinned, but %d/%d stands for %d.. of ..%d", threshold, num, den, pubNum, pubDen, lo, hi)
				}
			}
		}
	}
}

// shown and held are a cell shown and a cell withheld, of true value v.
func shown(v int) Cell { return Cell{Value: v} }
func held(v int) Cell  { return Cell{Value: v, Withheld: true} }

// TestPins checks which withheld cells the published figures pin to one
// value, on the combinations the rules leave open.
func TestPins(t *testing.T) {
	tests := []struct {
		name   string
		cells  []Cell
		marked []bool
		want   []int
	}{{
		// 63 (published 65: 63 to 67) = three parts of 12 (published
		// 10: at most 12) + three marked "<10": each of those is 9.
		name:   "whole at the bottom, shown parts at the top",
		cells:  []Cell{shown(63), shown(12), shown(12), shown(12), held(9), held(9), held(9)},
		marked: []bool{false, false, false, false, true, true, true},
		want:   []int{4, 5, 6},
	}, {
		name:   "the same without the marks",
		cells:  []Cell{shown(63), shown(12), shown(12), shown(12), held(9), held(9), held(9)},
		marked: make([]bool, 7),
	}, {
		// 20 (18 to 22) over two parts marked "<10": both 9.
		name:   "two small parts of a small whole",
		cells:  []Cell{shown(18), held(9), held(9)},
		marked: []bool{false, true, true},
		want:   []int{1, 2},
	}, {
		// 52 (published 50: at most 52) = four parts of 13 (published 15:
		// at least 13) + two withheld: both 0, marks or not.
		name:   "whole at the top, shown parts at the bottom",
		cells:  []Cell{shown(52), shown(13), shown(13), shown(13), shown(13), held(0), held(0)},
		marked: make([]bool, 7),
		want:   []int{5, 6},
	}, {
		name:   "nothing to pin",
		cells:  []Cell{shown(65), shown(12), shown(12), shown(12), held(9), held(9), held(11)},
		marked: []bool{false, false, false, false, true, true, false},
	}}
	p := mustPolicy(t, 10)
	for _, tt := range tests {
		rel := wholeOfRest(len(tt.cells))
		got, err := p.Pins(tt.cells, tt.marked, rel)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Pins (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := p.Pins([]Cell{shown(20)}, []bool{false}, []Relation{{Whole: 0, Parts: []int{3}}}); !errors.Is(err, ErrRelation) {
		t.Errorf("a relation out of range: %v, want ErrRelation", err)
	}
}

// TestPinsSeveralRelations checks a pin that narrowing relation by
// relation misses, found by a random test of the dashboard's Sankey
// (threshold 5): region G's "voorwaardelijk" machtigingen, marked "<5",
// are 0 because every unit there would have to be taken from G's
// "regulier" (G's total is at most 92 and its "spoed" at least 48), so
// added to D's "regulier" through their shown sum, taken from D's other
// routes and added to G's "spoed" through another shown sum, which moves
// every bound again; only 0 fits.
func TestPinsSeveralRelations(t *testing.T) {
	cells := []Cell{
		shown(92),          // 0 G: placements
		shown(48),          // 1 G: spoed
		held(44),           // 2 G: regulier
		held(0),            // 3 G: voorwaardelijk, "<5"
		held(0),            // 4 G: beraad ja > spoed, "<5"
		held(48),           // 5 G: beraad nee > spoed
		shown(32),          // 6 D: beraad nee
		held(15), held(17), // 7, 8 D: beraad nee > spoed, regulier
		held(0),    // 9 D: beraad nee > voorwaardelijk, "<5"
		held(59),   // 10 D: regulier
		shown(42),  // 11 D: beraad ja > regulier
		shown(103), // 12 all: regulier
		shown(63),  // 13 all: beraad nee > spoed
	}
	marked := make([]bool, len(cells))
	marked[3], marked[4], marked[9] = true, true, true
	rels := []Relation{
		{Whole: 0, Parts: []int{1, 2, 3}}, {Whole: 1, Parts: []int{4, 5}}, {Whole: 6, Parts: []int{7, 8, 9}},
		{Whole: 10, Parts: []int{11, 8}}, {Whole: 12, Parts: []int{2, 10}}, {Whole: 13, Parts: []int{5, 7}},
	}
	p := mustPolicy(t, 5)
	got, err := p.Pins(cells, marked, rels)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, 3) {
		t.Errorf("Pins = %v, want G's voorwaardelijk (3) among them", got)
	}
	// Narrowing alone leaves it open: the search is what finds it.
	b, err := p.known(cells, marked)
	if err != nil {
		t.Fatal(err)
	}
	if !b.narrow(rels) || b.lo[3] == b.hi[3] {
		t.Errorf("narrowing alone gives G's voorwaardelijk %d to %d; the test no longer needs the search", b.lo[3], b.hi[3])
	}
}

// TestPinsEnumerated checks Pins against every table of counts on small
// random systems: a withheld cell is pinned exactly where every table
// that fits what a reader sees has one value there.
func TestPinsEnumerated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	checked, pinned, open := 0, 0, 0
	for trial := range 4000 {
		p := mustPolicy(t, MinThreshold+r.IntN(3))
		cells, marked, rels, ok := smallSystem(p, r.IntN)
		if !ok {
			continue
		}
		got, err := p.Pins(cells, marked, rels)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if diff := cmp.Diff(enumeratedPins(t, p, cells, marked, rels), got); diff != "" {
			t.Fatalf("trial %d: threshold %d, cells %v, marked %v, relations %v: Pins (-enumerated +got):\n%s", trial, p.Threshold, cells, marked, rels, diff)
		}
		checked++
		for i, c := range cells {
			switch {
			case slices.Contains(got, i):
				pinned++
			case c.Withheld:
				open++
			}
		}
	}
	// Both answers must be exercised (pins are rare under the rules).
	if checked < 2000 || pinned < 30 || open < 1000 {
		t.Fatalf("checked %d systems, %d withheld cells pinned, %d open", checked, pinned, open)
	}
	t.Logf("checked %d systems: %d withheld cells pinned, %d open", checked, pinned, open)
}

// smallSystem makes a table of three to five counts below 2T with one
// to three relations, choices drawn from intn (a value in [0, n)): the
// wholes are the sums of their parts, small counts withheld and most of
// them marked, and some others withheld. ok is false where a later
// relation broke an earlier one.
func smallSystem(p Policy, intn func(n int) int) (cells []Cell, marked []bool, rels []Relation, ok bool) {
	n := 3 + intn(3)
	cells = make([]Cell, n)
	for i := range cells {
		cells[i].Value = intn(2 * p.Threshold)
	}
	for range 1 + intn(3) {
		perm := make([]int, n)
		for i := range perm {
			j := intn(i + 1)
			perm[i], perm[j] = perm[j], i
		}
		rel := Relation{Whole: perm[0], Parts: perm[1 : 2+intn(n-2)]}
		cells[rel.Whole].Value = 0
		for _, j := range rel.Parts {
			cells[rel.Whole].Value += cells[j].Value
		}
		rels = append(rels, rel)
	}
	if !adds(cells, rels, func(i int) int { return cells[i].Value }) {
		return nil, nil, nil, false
	}
	marked = make([]bool, n)
	for i := range cells {
		cells[i].Withheld = p.Small(cells[i].Value) || intn(3) == 0
		marked[i] = p.Small(cells[i].Value) && intn(4) > 0
	}
	return cells, marked, rels, true
}

// enumeratedPins are the withheld cells that have one value in every
// table a reader must consider: shown cells over their rounding, marked
// ones below T, others up to a cap above every true count. The cap can
// only make enumeration find fewer values, so Pins can only fail against
// it by calling a cell open that has one value, never pass by it.
func enumeratedPins(t testing.TB, p Policy, cells []Cell, marked []bool, rels []Relation) []int {
	t.Helper()
	n := len(cells)
	maxValue := 0
	for _, c := range cells {
		maxValue = max(maxValue, c.Value)
	}
	b, err := p.known(cells, marked)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := b.lo, b.hi
	for i := range hi {
		hi[i] = min(hi[i], maxValue+2*p.Threshold)
	}
	values := make([]map[int]bool, n)
	for i := range values {
		values[i] = map[int]bool{}
	}
	last := make([]int, len(rels))
	for k, r := range rels {
		last[k] = slices.Max(append([]int{r.Whole}, r.Parts...))
	}
	x := make([]int, n)
	var walk func(i int)
	walk = func(i int) {
		if i == n {
			if adds(cells, rels, func(j int) int { return x[j] }) {
				for j, v := range x {
					values[j][v] = true
				}
			}
			return
		}
		for x[i] = lo[i]; x[i] <= hi[i]; x[i]++ {
			if partial(rels, last, i, x) {
				walk(i + 1)
			}
		}
	}
	walk(0)
	var pins []int
	for i, c := range cells {
		if c.Withheld && len(values[i]) == 1 {
			pins = append(pins, i)
		}
	}
	return pins
}

// adds says whether every relation adds up for the values of value.
func adds(cells []Cell, rels []Relation, value func(i int) int) bool {
	for _, r := range rels {
		s := 0
		for _, j := range r.Parts {
			s += value(j)
		}
		if s != value(r.Whole) {
			return false
		}
	}
	return true
}

// partial says whether x[:i+1] breaks no relation whose cells all lie
// there (last[k] is the highest cell of rels[k]), so that the enumeration
// stops early.
func partial(rels []Relation, last []int, i int, x []int) bool {
	for k, r := range rels {
		if last[k] != i {
			continue
		}
		s := 0
		for _, j := range r.Parts {
			s += x[j]
		}
		if s != x[r.Whole] {
			return false
		}
	}
	return true
}

// TestRelease checks the remedy for pinned cells: marks dropped first,
// then the smallest open part withheld, until Pins finds nothing.
func TestRelease(t *testing.T) {
	tests := []struct {
		name         string
		cells        []Cell
		wantWithheld []bool
		wantMarked   []bool
	}{{
		name:         "three parts pinned at 9: their marks go",
		cells:        []Cell{shown(63), shown(12), shown(12), shown(12), held(9), held(9), held(9)},
		wantWithheld: []bool{false, false, false, false, true, true, true},
		wantMarked:   make([]bool, 7),
	}, {
		name:         "two parts pinned at 0: no mark helps, the smallest open part goes too",
		cells:        []Cell{shown(52), shown(13), shown(13), shown(13), shown(13), held(0), held(0)},
		wantWithheld: []bool{false, true, false, false, false, true, true},
		wantMarked:   make([]bool, 7),
	}, {
		name:         "nothing pinned: complementary suppression alone",
		cells:        []Cell{shown(80), shown(40), shown(31), held(9)},
		wantWithheld: []bool{false, false, true, true},
		wantMarked:   []bool{false, false, false, true},
	}}
	p := mustPolicy(t, 10)
	for _, tt := range tests {
		rel := wholeOfRest(len(tt.cells))
		cells := slices.Clone(tt.cells)
		marked, err := p.Release(cells, rel, func(i int) bool { return p.Small(cells[i].Value) })
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var withheld []bool
		for _, c := range cells {
			withheld = append(withheld, c.Withheld)
		}
		if diff := cmp.Diff(tt.wantWithheld, withheld); diff != "" {
			t.Errorf("%s: withheld (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.wantMarked, marked); diff != "" {
			t.Errorf("%s: marked (-want +got):\n%s", tt.name, diff)
		}
		if pins, _ := p.Pins(cells, marked, rel); len(pins) > 0 {
			t.Errorf("%s: still pinned: %v", tt.name, pins)
		}
	}
}

// wholeOfRest is one relation over n cells: cell 0 is the whole of the
// others.
func wholeOfRest(n int) []Relation {
	r := Relation{Whole: 0}
	for i := 1; i < n; i++ {
		r.Parts = append(r.Parts, i)
	}
	return []Relation{r}
}
