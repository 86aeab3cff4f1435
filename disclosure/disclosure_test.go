package disclosure

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		threshold int
		wantErr   bool
	}{{4, true}, {0, true}, {5, false}, {10, false}, {25, false}} {
		_, err := New(tt.threshold)
		if got := errors.Is(err, ErrThreshold); got != tt.wantErr {
			t.Errorf("New(%d) error = %v, want ErrThreshold: %v", tt.threshold, err, tt.wantErr)
		}
	}
}

func TestCount(t *testing.T) {
	type out struct {
		V  int
		OK bool
	}
	tests := []struct {
		threshold, n int
		want         out
	}{
		{10, 0, out{0, false}},
		{10, 9, out{0, false}},
		{10, 10, out{10, true}},
		{10, 12, out{10, true}},
		{10, 13, out{15, true}},
		{10, 17, out{15, true}},
		{10, 18, out{20, true}},
		{10, 102, out{100, true}},
		{5, 5, out{5, true}},
		{5, 7, out{5, true}},
		{5, 8, out{10, true}},
		{12, 11, out{0, false}},
		{12, 12, out{15, true}}, // 10 would fall below the threshold
	}
	for _, tt := range tests {
		p, err := New(tt.threshold)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := p.Count(tt.n)
		if diff := cmp.Diff(tt.want, out{v, ok}); diff != "" {
			t.Errorf("threshold %d, Count(%d) (-want +got):\n%s", tt.threshold, tt.n, diff)
		}
	}
}

func TestRatioAndMedian(t *testing.T) {
	p5, _ := New(5)
	p10, _ := New(10)
	p15, _ := New(15)
	tests := []struct {
		name   string
		p      Policy
		num    int
		den    int
		want   float64
		wantOK bool
	}{
		{"twelve of seventeen", p10, 12, 17, 0.71, true},
		{"nine placements", p10, 3, 9, 0, false},
		{"ten placements", p10, 3, 10, 0.3, true},
		{"threshold 5 still needs 10", p5, 3, 9, 0, false},
		{"threshold 15 needs 15", p15, 7, 14, 0, false},
		{"zero denominator", p10, 0, 0, 0, false},
		{"rounds half up", p10, 1, 200, 0.01, true},
	}
	for _, tt := range tests {
		got, ok := tt.p.Ratio(tt.num, tt.den)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: Ratio(%d, %d) = %v, %v; want %v, %v", tt.name, tt.num, tt.den, got, ok, tt.want, tt.wantOK)
		}
	}
	if _, ok := p10.Median(120, 12, 9); ok {
		t.Error("Median over 9 values published")
	}
	if v, ok := p10.Median(120.5, 12, 10); !ok || v != 120.5 {
		t.Errorf("Median(120.5, 12, 10) = %v, %v", v, ok)
	}
}

// TestComplementSingleChild: a region of one municipality equals it, so a
// withheld municipality takes the region total with it.
func TestComplementSingleChild(t *testing.T) {
	cells := []Cell{{Value: 7, Withheld: true}, {Value: 7}}
	if err := Complement(cells, [][]int{{1, 0}}); err != nil {
		t.Fatal(err)
	}
	if !cells[1].Withheld {
		t.Error("the total of a one-child breakdown stayed published while its child is withheld")
	}
	if err := Complement(cells, [][]int{{0, 2}}); !errors.Is(err, ErrBreakdown) {
		t.Errorf("bad index: err = %v", err)
	}
}

// TestPropertyRandomTables builds random area trees (all → regions and
// loose municipalities → municipalities), applies the policy and checks,
// over thousands of tables: no published count is below the threshold,
// and no withheld value can be recovered by subtraction: no additive
// relation (a total and its parts) has exactly one withheld cell.
func TestPropertyRandomTables(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tables, withheldSeen, complemented := 0, 0, 0
	for iter := 0; iter < 3000; iter++ {
		threshold := 5 + r.IntN(11)
		p, err := New(threshold)
		if err != nil {
			t.Fatal(err)
		}
		// Build the tree. cells[0] is all.
		cells := []Cell{{}}
		var breakdowns [][]int
		allRel := []int{0}
		nRegions := 1 + r.IntN(3)
		for reg := 0; reg < nRegions; reg++ {
			ri := len(cells)
			cells = append(cells, Cell{})
			allRel = append(allRel, ri)
			rel := []int{ri}
			for m, n := 0, 1+r.IntN(12); m < n; m++ {
				v := r.IntN(40)
				if r.IntN(3) == 0 {
					v = r.IntN(threshold) // plenty of small cells
				}
				cells = append(cells, Cell{Value: v})
				cells[ri].Value += v
				rel = append(rel, len(cells)-1)
			}
			breakdowns = append(breakdowns, rel)
		}
		for m, n := 0, r.IntN(3); m < n; m++ { // municipalities outside any region
			cells = append(cells, Cell{Value: r.IntN(2 * threshold)})
			allRel = append(allRel, len(cells)-1)
		}
		for _, i := range allRel[1:] {
			cells[0].Value += cells[i].Value
		}
		breakdowns = append(breakdowns, allRel)

		primary := 0
		for i := range cells {
			if _, ok := p.Count(cells[i].Value); !ok {
				cells[i].Withheld = true
				primary++
			}
		}
		if err := Complement(cells, breakdowns); err != nil {
			t.Fatal(err)
		}
		tables++
		withheld := 0
		for i, c := range cells {
			if c.Withheld {
				withheld++
				continue
			}
			pub, ok := p.Count(c.Value)
			if !ok || c.Value < threshold || pub < threshold || pub%5 != 0 {
				t.Fatalf("table %d: cell %d (true %d) published as %d, %v with threshold %d", iter, i, c.Value, pub, ok, threshold)
			}
		}
		withheldSeen += withheld
		complemented += withheld - primary
		for _, rel := range breakdowns {
			n := 0
			for _, i := range rel {
				if cells[i].Withheld {
					n++
				}
			}
			if n == 1 {
				t.Fatalf("table %d: relation %v has exactly one withheld cell, recoverable by subtraction: %+v", iter, rel, cells)
			}
		}
	}
	t.Logf("%d random tables, %d withheld cells, %d of them by complementary suppression", tables, withheldSeen, complemented)
	if complemented == 0 || withheldSeen == 0 {
		t.Error("the random tables never exercised suppression")
	}
}
