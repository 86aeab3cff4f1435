package attack

import (
	"errors"
	"math"
)

// Inf stands for "no upper bound" in an Interval; every quantity here
// counts placements or youths, far below it.
const Inf int64 = 1 << 50

// Interval is the integers Lo..Hi, both included; Hi is Inf when
// unbounded above.
type Interval struct{ Lo, Hi int64 }

// Any is what is known of a count without any published figure.
var Any = Interval{0, Inf}

// Pinned says whether the interval holds exactly one value.
func (i Interval) Pinned() bool { return i.Lo == i.Hi }

// Contains says whether v lies in the interval.
func (i Interval) Contains(v int64) bool { return i.Lo <= v && v <= i.Hi }

// Width is Hi − Lo, or Inf when unbounded.
func (i Interval) Width() int64 {
	if i.Hi >= Inf {
		return Inf
	}
	return i.Hi - i.Lo
}

// ErrNoFixedPoint is returned when propagation does not settle within its
// budget; with integer bounds that only shrink it always settles, so this
// means a bug.
var ErrNoFixedPoint = errors.New("attack: interval propagation did not settle")

// System is a set of non-negative integer unknowns with interval bounds and
// constraints between them, narrowed by propagation to a fixed point. It
// is sound: a value that satisfies every constraint is never cut off, so
// an unknown whose interval shrinks to one value is known exactly.
type System struct {
	iv    []Interval
	cons  []constraint
	watch [][]int // per unknown, the constraints that read it
	// Conflicts counts narrowings refused because they would leave an
	// unknown no value: the published figures contradict the declared
	// rules (or the rules are modelled wrongly).
	Conflicts int
	dirty     []int // unknowns narrowed by the constraint being propagated
}

type constraint interface {
	vars() []int
	// propagate narrows the intervals of its unknowns through s.restrict.
	propagate(s *System)
}

// Var adds an unknown known to lie in iv (and to be non-negative).
func (s *System) Var(iv Interval) int {
	if iv.Lo < 0 {
		iv.Lo = 0
	}
	s.iv = append(s.iv, iv)
	s.watch = append(s.watch, nil)
	return len(s.iv) - 1
}

// Interval is what is known of unknown v.
func (s *System) Interval(v int) Interval { return s.iv[v] }

// Restrict intersects unknown v with iv; an empty intersection is counted
// as a conflict and leaves v as it was.
func (s *System) Restrict(v int, iv Interval) { s.restrict(v, iv.Lo, iv.Hi) }

func (s *System) restrict(v int, lo, hi int64) {
	cur := s.iv[v]
	if lo < cur.Lo {
		lo = cur.Lo
	}
	if hi > cur.Hi {
		hi = cur.Hi
	}
	if lo > hi {
		s.Conflicts++
		return
	}
	if lo == cur.Lo && hi == cur.Hi {
		return
	}
	s.iv[v] = Interval{lo, hi}
	s.dirty = append(s.dirty, v)
}

// Sum adds whole = Σ parts.
func (s *System) Sum(whole int, parts ...int) {
	s.add(&sum{whole: whole, parts: parts})
}

// LessEq adds a ≤ b (as b = a + slack).
func (s *System) LessEq(a, b int) {
	s.Sum(b, a, s.Var(Any))
}

// SumLessEq adds Σ parts ≤ whole.
func (s *System) SumLessEq(whole int, parts ...int) {
	s.Sum(whole, append(append([]int(nil), parts...), s.Var(Any))...)
}

// Candidates adds a table constraint between one unknown and several
// others that depend on it: for each value d of den, rng(k, d) is the
// range others[k] may take (empty where lo > hi). Values of den for which
// some other has no possible value are cut off, and each other narrows to
// the values possible for a remaining d. It waits while den spans more
// than maxSpan values.
func (s *System) Candidates(den int, others []int, rng func(k int, d int64) (lo, hi int64)) {
	s.add(&candidates{den: den, others: others, rng: rng})
}

func (s *System) add(c constraint) {
	id := len(s.cons)
	s.cons = append(s.cons, c)
	for _, v := range c.vars() {
		s.watch[v] = append(s.watch[v], id)
	}
}

// Solve propagates every constraint until nothing narrows any more.
func (s *System) Solve() error {
	queued := make([]bool, len(s.cons))
	queue := make([]int, 0, len(s.cons))
	for i := range s.cons {
		queue = append(queue, i)
		queued[i] = true
	}
	budget := 2000 * (len(s.cons) + 1)
	for len(queue) > 0 {
		if budget--; budget < 0 {
			return ErrNoFixedPoint
		}
		c := queue[0]
		queue = queue[1:]
		queued[c] = false
		s.dirty = s.dirty[:0]
		s.cons[c].propagate(s)
		for _, v := range s.dirty {
			for _, d := range s.watch[v] {
				if !queued[d] {
					queued[d] = true
					queue = append(queue, d)
				}
			}
		}
	}
	return nil
}

// sum is whole = Σ parts over non-negative unknowns.
type sum struct {
	whole int
	parts []int
}

func (c *sum) vars() []int { return append([]int{c.whole}, c.parts...) }

func (c *sum) propagate(s *System) {
	var lo, hiFinite int64
	unbounded := 0
	for _, p := range c.parts {
		iv := s.iv[p]
		lo += iv.Lo
		if iv.Hi >= Inf {
			unbounded++
		} else {
			hiFinite += iv.Hi
		}
	}
	hi := Inf
	if unbounded == 0 {
		hi = hiFinite
	}
	s.restrict(c.whole, lo, hi)
	w := s.iv[c.whole]
	for _, p := range c.parts {
		iv := s.iv[p]
		// The others' bounds without this part.
		othersLo := lo - iv.Lo
		pLo := int64(0)
		switch {
		case iv.Hi >= Inf && unbounded == 1, iv.Hi < Inf && unbounded == 0:
			othersHi := hiFinite
			if iv.Hi < Inf {
				othersHi -= iv.Hi
			}
			pLo = w.Lo - othersHi
		}
		pHi := Inf
		if w.Hi < Inf {
			pHi = w.Hi - othersLo
		}
		s.restrict(p, pLo, pHi)
	}
}

// maxSpan bounds the values of den a candidates constraint enumerates.
const maxSpan = 5000

type candidates struct {
	den    int
	others []int
	rng    func(k int, d int64) (lo, hi int64)
}

func (c *candidates) vars() []int { return append([]int{c.den}, c.others...) }

func (c *candidates) propagate(s *System) {
	d := s.iv[c.den]
	if d.Width() > maxSpan {
		return
	}
	dLo, dHi := int64(math.MaxInt64), int64(-1)
	oLo := make([]int64, len(c.others))
	oHi := make([]int64, len(c.others))
	for k := range oLo {
		oLo[k], oHi[k] = math.MaxInt64, -1
	}
	lo := make([]int64, len(c.others))
	hi := make([]int64, len(c.others))
next:
	for v := d.Lo; v <= d.Hi; v++ {
		for k, o := range c.others {
			a, b := c.rng(k, v)
			iv := s.iv[o]
			lo[k], hi[k] = max(a, iv.Lo), min(b, iv.Hi)
			if lo[k] > hi[k] {
				continue next
			}
		}
		dLo, dHi = min(dLo, v), max(dHi, v)
		for k := range c.others {
			oLo[k], oHi[k] = min(oLo[k], lo[k]), max(oHi[k], hi[k])
		}
	}
	if dHi < 0 {
		s.Conflicts++ // no value of den fits: the declared mechanism is refuted here
		return
	}
	s.restrict(c.den, dLo, dHi)
	for k, o := range c.others {
		s.restrict(o, oLo[k], oHi[k])
	}
}
