package attack

import "fmt"

// Score is what the attack really recovered, judged against the exact
// figures. Only a pin equal to the truth counts.
type Score struct {
	// RecoveredNumerators, RecoveredComplements and RecoveredCounts are
	// withheld numbers pinned to their true value: a suppressed ratio's
	// numerator or complement, a withheld count.
	RecoveredNumerators, RecoveredComplements, RecoveredCounts int
	// PinnedPlacements counts published placement counts whose exact value
	// the attack found behind the rounding.
	PinnedPlacements int
	// FalsePins counts pins that are not the truth: the attacker's
	// assumptions were wrong there.
	FalsePins int
	// Unsound lists numbers whose true value lies outside the attack's
	// interval: the attack's model of the rules is wrong, or the output
	// breaks the documented rules.
	Unsound []string
	// SmallSides counts published ratios whose true numerator or
	// complement is below the threshold (d).
	SmallSides int
	// Overprotected lists suppressed ratios whose true numerator,
	// complement and denominator are all at least the threshold: withheld
	// only to protect another figure.
	Overprotected []RowRef
}

// Recovered is every withheld number the attack recovered.
func (s Score) Recovered() int {
	return s.RecoveredNumerators + s.RecoveredComplements + s.RecoveredCounts
}

type truthRow struct {
	num, den *int64
	value    *float64
}

// Score judges the result against the raw output of the same report
// months (`zothuis kpi --raw --format json`).
func (res *Result) Score(truth []Month) Score {
	exact := map[RowRef]truthRow{}
	for _, m := range truth {
		for _, r := range m.Rows {
			exact[RowRef{m.Month, r.KPI, r.AreaType, r.Area}] = truthRow{r.Numerator, r.Denominator, r.Value}
		}
	}
	// value returns the true value of one number of a row.
	value := func(ref RowRef, p Part) (int64, bool) {
		tr, ok := exact[ref]
		if !ok {
			return 0, false
		}
		switch p {
		case PartCount:
			if tr.value == nil {
				return 0, false
			}
			return int64(*tr.value), true
		case PartNumerator:
			if tr.num == nil {
				return 0, false
			}
			return *tr.num, true
		case PartDenominator:
			if tr.den == nil {
				return 0, false
			}
			return *tr.den, true
		case PartComplement:
			if tr.num == nil || tr.den == nil {
				return 0, false
			}
			return *tr.den - *tr.num, true
		}
		return 0, false
	}
	var sc Score
	for _, p := range res.Pins {
		v, ok := value(p.RowRef, p.Part)
		if !ok {
			continue
		}
		if v != p.Value {
			sc.FalsePins++
			continue
		}
		switch {
		case p.Part == PartCount && p.Withheld:
			sc.RecoveredCounts++
		case p.Part == PartNumerator && p.Withheld:
			sc.RecoveredNumerators++
		case p.Part == PartComplement && p.Withheld:
			sc.RecoveredComplements++
		case p.Part == PartCount && p.KPI == "placements":
			sc.PinnedPlacements++
		}
	}
	t := int64(res.opt.Threshold)
	for ref, rv := range res.rows {
		for _, x := range []struct {
			part Part
			v    int
		}{{PartCount, rv.count}, {PartNumerator, rv.num}, {PartComplement, rv.comp}, {PartDenominator, rv.den}} {
			if x.v < 0 {
				continue
			}
			v, ok := value(ref, x.part)
			if iv := res.sys.Interval(x.v); ok && !iv.Contains(v) {
				sc.Unsound = append(sc.Unsound, fmt.Sprintf("%s %s %s/%s %s: true %d outside %d..%d", ref.Month, ref.KPI, ref.AreaType, ref.Area, x.part, v, iv.Lo, iv.Hi))
			}
		}
		if rv.num < 0 {
			continue
		}
		num, okN := value(ref, PartNumerator)
		comp, okC := value(ref, PartComplement)
		den, _ := value(ref, PartDenominator)
		if !okN || !okC {
			continue
		}
		if rv.row.Value != nil && (num < t || comp < t) {
			sc.SmallSides++
		}
		if rv.row.Value == nil && num >= t && comp >= t && den >= t {
			sc.Overprotected = append(sc.Overprotected, ref)
		}
	}
	return sc
}
