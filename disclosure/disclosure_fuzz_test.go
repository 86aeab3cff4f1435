package disclosure

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzCount checks the published form of any count under any threshold:
// below the threshold it is withheld; otherwise it is a multiple of 5,
// never below the threshold, within rounding distance of the truth, and
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
		if ok != (n >= threshold) || ok == p.Small(n) {
			t.Fatalf("threshold %d: Count(%d) published %v, Small %v", threshold, n, ok, p.Small(n))
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

// FuzzRatio publishes a ratio of any numerator and denominator as package
// kpi does and checks: a value only where numerator, complement and
// denominator are at least the threshold and the published counts do not
// pin the exact ones (Pinned; where they do, the counts they stand for
// leave only the truth); the value is the published numerator over the
// published denominator to 0.01, in [0, 1], and 0 or 1 only over a
// published denominator of 200 or more (where both sides at least T can
// still round to 0.00 or 1.00); where only one side is small, the bound
// of the published denominator holds for the truth.
func FuzzRatio(f *testing.F) {
	for _, s := range [][3]int{{10, 12, 17}, {10, 3, 9}, {5, 3, 9}, {15, 7, 14}, {10, 0, 0}, {10, 1, 200}, {10, 9, 19}, {10, 10, 19}, {12, 12, 24}} {
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
		pubDen, denOK := p.Count(den)
		smallNum, smallComp := p.Small(num), p.Small(den-num)
		if !denOK {
			return // no ratio and no bound without a published denominator
		}
		exact := float64(num) / float64(den)
		switch {
		case !smallNum && !smallComp && p.Pinned(num, pubDen):
			pubNum, _ := p.Count(num)
			lo, _ := p.Interval(pubNum)
			_, hi := p.Interval(pubDen)
			if lo != num || hi != den {
				t.Fatalf("threshold %d: %d/%d withheld as pinned, but %d/%d stands for %d.. of ..%d", threshold, num, den, pubNum, pubDen, lo, hi)
			}
		case !smallNum && !smallComp:
			pubNum, ok := p.Count(num)
			if !ok {
				t.Fatalf("threshold %d: numerator %d of %d withheld", threshold, num, den)
			}
			v := Ratio(pubNum, pubDen)
			want := math.Round(float64(pubNum)/float64(pubDen)*100) / 100
			if v != want || v < 0 || v > 1 || math.Abs(v*100-math.Round(v*100)) > 1e-9 {
				t.Fatalf("threshold %d: %d/%d published as %d/%d = %v, want %v", threshold, num, den, pubNum, pubDen, v, want)
			}
			if (v == 0 || v == 1) && pubDen < 200 {
				t.Fatalf("threshold %d: %d/%d published as %d/%d = %v: everyone or no one over a small group", threshold, num, den, pubNum, pubDen, v)
			}
		case smallNum && !smallComp:
			if b := p.UpperBound(pubDen); exact >= b {
				t.Fatalf("threshold %d: %d/%d = %v, not under its bound %v (published denominator %d)", threshold, num, den, exact, b, pubDen)
			}
		case smallComp && !smallNum:
			if b := p.LowerBound(pubDen); exact <= b {
				t.Fatalf("threshold %d: %d/%d = %v, not above its bound %v (published denominator %d)", threshold, num, den, exact, b, pubDen)
			}
		}
	})
}

// FuzzComplement builds a table from arbitrary bytes: a tree of an
// overall total, regions and their municipalities, counts from the bytes,
// plus arbitrary extra relations. After primary and complementary
// suppression: a cell withheld before stays withheld; no whole is
// withheld unless it was withheld already or is a part elsewhere; and no
// relation has exactly one withheld cell, its whole included, while one
// of its parts is open.
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
		var relations []Relation
		all := Relation{Whole: 0}
		for r, regions := 0, 1+next()%4; r < regions; r++ {
			ri := len(cells)
			cells = append(cells, Cell{})
			all.Parts = append(all.Parts, ri)
			rel := Relation{Whole: ri}
			for m, n := 0, 1+next()%8; m < n; m++ {
				v := next() % 60
				cells = append(cells, Cell{Value: v})
				cells[ri].Value += v
				rel.Parts = append(rel.Parts, len(cells)-1)
			}
			relations = append(relations, rel)
		}
		for _, i := range all.Parts {
			cells[0].Value += cells[i].Value
		}
		relations = append(relations, all)
		// Extra relations from the rest of the bytes, as a breakdown by
		// another dimension would add: a whole and distinct parts.
		for len(data) >= 3 {
			whole := next() % len(cells)
			seen := map[int]bool{whole: true}
			rel := Relation{Whole: whole}
			for k, n := 0, 1+next()%4; k < n && len(data) > 0; k++ {
				if i := next() % len(cells); !seen[i] {
					seen[i] = true
					rel.Parts = append(rel.Parts, i)
				}
			}
			if len(rel.Parts) > 0 {
				relations = append(relations, rel)
			}
		}
		primary := make([]bool, len(cells))
		for i := range cells {
			primary[i] = p.Small(cells[i].Value)
			cells[i].Withheld = primary[i]
		}
		if err := Complement(cells, relations); err != nil {
			t.Fatal(err)
		}
		isPart := make([]bool, len(cells))
		for _, rel := range relations {
			for _, i := range rel.Parts {
				isPart[i] = true
			}
		}
		for i, c := range cells {
			if primary[i] && !c.Withheld {
				t.Fatalf("cell %d was withheld and is published after Complement", i)
			}
			if c.Withheld && !primary[i] && !isPart[i] {
				t.Fatalf("cell %d, a whole and no part, withheld to protect a part", i)
			}
		}
		for _, rel := range relations {
			if exposed(rel, func(i int) bool { return cells[i].Withheld }) {
				t.Fatalf("relation %+v has exactly one withheld cell and an open part: %+v", rel, cells)
			}
		}
	})
}

// FuzzPins checks Pins against every table of counts (enumeratedPins)
// on small systems drawn from the fuzzer's bytes.
func FuzzPins(f *testing.F) {
	f.Add(uint8(0), []byte{2, 9, 3, 4, 1, 0, 1, 2, 1, 0, 0, 1, 2, 3})
	f.Add(uint8(1), []byte{0, 5, 5, 0, 0, 1, 0})
	f.Add(uint8(5), []byte{})
	f.Fuzz(func(t *testing.T, th uint8, data []byte) {
		p, err := New(MinThreshold + int(th)%4)
		if err != nil {
			t.Fatal(err)
		}
		intn := func(n int) int {
			if len(data) == 0 {
				return 0
			}
			v := int(data[0]) % n
			data = data[1:]
			return v
		}
		cells, marked, rels, ok := smallSystem(p, intn)
		if !ok {
			return
		}
		got, err := p.Pins(cells, marked, rels)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(enumeratedPins(t, p, cells, marked, rels), got); diff != "" {
			t.Fatalf("threshold %d, cells %v, marked %v, relations %v: Pins (-enumerated +got):\n%s", p.Threshold, cells, marked, rels, diff)
		}
	})
}
