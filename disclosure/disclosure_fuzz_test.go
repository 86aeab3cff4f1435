package disclosure

import (
	"errors"
	"math"
	"testing"
)

// FuzzCount checks the published form of any count under any threshold:
// below the threshold it is withheld; otherwise it is a multiple of 5, never
// below the threshold, within rounding distance of the truth, and
// publishing a published figure again changes nothing.
func FuzzCount(f *testing.F) {
	for _, s := range [][2]int{{10, 9}, {10, 10}, {10, 12}, {10, 13}, {12, 12}, {5, 7}, {4, 100}, {10, -3}, {13, 1 << 40}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, threshold, n int) {
		if n > 1<<50 || n < -1<<50 || threshold > 1<<20 {
			return // no area has that many placements
		}
		p, err := New(threshold)
		if threshold < MinThreshold {
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("New(%d) = %v, want ErrThreshold", threshold, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		pub, ok := p.Count(n)
		if ok != (n >= threshold) {
			t.Fatalf("threshold %d: Count(%d) published %v", threshold, n, ok)
		}
		if !ok {
			return
		}
		if pub%5 != 0 || pub < threshold || pub < n-2 || pub >= n+5 {
			t.Fatalf("threshold %d: Count(%d) = %d", threshold, n, pub)
		}
		if again, ok := p.Count(pub); !ok || again != pub {
			t.Fatalf("threshold %d: Count(%d) = %d, but Count(%d) = %d, %v", threshold, n, pub, pub, again, ok)
		}
	})
}

// FuzzRatio checks that a ratio is shown only over at least MinBasis
// placements (never fewer than 10), lies in [0, 1] for a numerator within
// its denominator, and is the true ratio rounded to 0.01.
func FuzzRatio(f *testing.F) {
	for _, s := range [][3]int{{10, 12, 17}, {10, 3, 9}, {5, 3, 9}, {15, 7, 14}, {10, 0, 0}, {10, 1, 200}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, threshold, num, den int) {
		if threshold > 1<<20 || den > 1<<40 || num < 0 || num > den {
			return
		}
		p, err := New(threshold)
		if err != nil {
			return
		}
		v, ok := p.Ratio(num, den)
		if ok != (den >= 10 && den >= threshold) {
			t.Fatalf("threshold %d: Ratio(%d, %d) shown %v", threshold, num, den, ok)
		}
		if !ok {
			return
		}
		exact := float64(num) / float64(den)
		if v < 0 || v > 1 || math.Abs(v-exact) > 0.005+1e-9 || math.Abs(v*100-math.Round(v*100)) > 1e-9 {
			t.Fatalf("Ratio(%d, %d) = %v, exact %v", num, den, v, exact)
		}
	})
}

// FuzzComplement builds a table from arbitrary bytes: a tree of an
// overall total, regions and their municipalities, counts from the bytes,
// plus arbitrary extra relations. After primary and complementary
// suppression: no relation has exactly one withheld cell (none can be
// recovered by subtraction), a cell withheld before stays withheld, and
// every published cell is at or above the threshold.
func FuzzComplement(f *testing.F) {
	f.Add(uint8(10), []byte{3, 12, 40, 7, 2, 25, 9, 30, 1})
	f.Add(uint8(5), []byte{1, 4})
	f.Add(uint8(10), []byte{2, 9, 9, 9, 50, 50, 50})
	f.Add(uint8(12), []byte{})
	f.Fuzz(func(t *testing.T, th uint8, data []byte) {
		threshold := MinThreshold + int(th)%20
		p, err := New(threshold)
		if err != nil {
			t.Fatal(err)
		}
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := int(data[0])
			data = data[1:]
			return b
		}
		cells := []Cell{{}} // all
		var relations [][]int
		all := []int{0}
		for r, regions := 0, 1+next()%4; r < regions; r++ {
			ri := len(cells)
			cells = append(cells, Cell{})
			all = append(all, ri)
			rel := []int{ri}
			for m, n := 0, 1+next()%8; m < n; m++ {
				v := next() % 60
				cells = append(cells, Cell{Value: v})
				cells[ri].Value += v
				rel = append(rel, len(cells)-1)
			}
			relations = append(relations, rel)
		}
		for _, i := range all[1:] {
			cells[0].Value += cells[i].Value
		}
		relations = append(relations, all)
		// Extra relations from the rest of the bytes: each of distinct
		// cells, as a breakdown by another dimension would be.
		for len(data) >= 2 {
			n := 2 + next()%4
			seen := map[int]bool{}
			var rel []int
			for k := 0; k < n && len(data) > 0; k++ {
				i := next() % len(cells)
				if !seen[i] {
					seen[i] = true
					rel = append(rel, i)
				}
			}
			if len(rel) >= 2 {
				relations = append(relations, rel)
			}
		}
		primary := make([]bool, len(cells))
		for i := range cells {
			if _, ok := p.Count(cells[i].Value); !ok {
				cells[i].Withheld = true
				primary[i] = true
			}
		}
		if err := Complement(cells, relations); err != nil {
			t.Fatal(err)
		}
		for i, c := range cells {
			if primary[i] && !c.Withheld {
				t.Fatalf("cell %d was withheld and is published after Complement", i)
			}
			if !c.Withheld && c.Value < threshold {
				t.Fatalf("cell %d of %d published below threshold %d", i, c.Value, threshold)
			}
		}
		for _, rel := range relations {
			n := 0
			for _, i := range rel {
				if cells[i].Withheld {
					n++
				}
			}
			if n == 1 {
				t.Fatalf("relation %v has exactly one withheld cell: %+v", rel, cells)
			}
		}
	})
}
