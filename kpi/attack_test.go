package kpi

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/disclosure/attack"
)

// attackDemos are the demos the issue measured the old rules on:
// `zothuis demo --youths 3000` and the default demo, 2023-01 to 2026-11.
var attackDemos = []struct {
	name string
	opt  demoOptions
	// strict: every region and all with enough spoed placements on
	// both sides must show its spoed share in every month.
	strict bool
}{
	{"youths3000", demoOptions{youths: 3000, seed: 1, from: "2023-01", to: "2026-11"}, false},
	{"default", demoOptions{youths: 20000, seed: 1, from: "2023-01", to: "2026-11"}, true},
}

// demoReports loads every report month of a demo's KPI history.
func demoReports(t *testing.T, opt demoOptions) []*Report {
	t.Helper()
	db, span := demoDB(t, opt)
	if span.First.IsZero() {
		t.Fatal("the demo has no KPI history")
	}
	var reps []*Report
	for m := span.First; !m.After(span.Last); m = m.AddDate(0, 1, 0) {
		rep, err := Load(context.Background(), db, m)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	return reps
}

// attackInput renders every report month as `zothuis kpi --format json`
// prints it, published under rule and raw, and parses both back as the
// attacker (and the scorer) would read them. The dashboard's reason for
// each withheld figure goes with the published rows.
func attackInput(t *testing.T, reps []*Report, policy disclosure.Policy, cfg *config.Config, rule rules) (published, raw []attack.Month) {
	t.Helper()
	parse := func(o Output) attack.Month {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var m attack.Month
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Rows) != len(o.Rows) {
			t.Fatalf("%s: %d rows parsed of %d", o.Month, len(m.Rows), len(o.Rows))
		}
		return m
	}
	for _, rep := range reps {
		o := publish(rep, policy, cfg, rule).Output()
		m := parse(o)
		for i, r := range o.Rows {
			m.Rows[i].Reason = attackReasons[r.reason]
		}
		published = append(published, m)
		raw = append(raw, parse(Raw(rep, cfg)))
	}
	return published, raw
}

// attacker is what one attacker knows beyond the published JSON.
type attacker struct {
	name    string
	reasons bool // reads the dashboard's reason for each withheld figure
}

// attackers: one reads only `zothuis kpi --format json`, where a withheld
// figure is null whatever the reason; the other also reads what the
// dashboard and the metrics say of it: "<10" or "–" for a count, the bound
// ("minder dan 15%", zothuis_kpi_ratio_upper_bound) and the note why a
// ratio is withheld (too few on both sides, or to protect another figure).
var attackers = []attacker{{"json", false}, {"dashboard", true}}

func runAttack(t *testing.T, published, raw []attack.Month, cfg *config.Config, policy disclosure.Policy, who attacker) (*attack.Result, attack.Score) {
	t.Helper()
	start := time.Now()
	res, err := attack.Run(published, attack.Options{Threshold: policy.Threshold, Tree: attackTree(AreaTree(cfg)), Reasons: who.reasons})
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Score(raw)
	t.Logf("%s attacker (%s mechanism, %s): %d area-months, placements shown in %d, exact placements pinned in %d (%.2f%%), recovered withheld: %d numerators, %d complements, %d counts; pinned in consecutive months %d; %d false pins, %d unsound, %d conflicts; 0/1 ratios %d, over small groups %d; differenced %d; listing changes %d; percentages off %d; non-week medians %d",
		who.name, res.Mechanism, time.Since(start).Round(10*time.Millisecond), res.AreaMonths, res.ShownAreaMonths, sc.PinnedPlacements,
		pinShare(sc.PinnedPlacements, res.ShownAreaMonths), sc.RecoveredNumerators, sc.RecoveredComplements, sc.RecoveredCounts,
		res.PinChanges, sc.FalsePins, len(sc.Unsound), res.Conflicts, res.ZeroOne, sc.SmallSides, res.Differenced, res.ListingChanges, res.PercentMismatches, res.NonWeekMedians)
	return res, sc
}

func pinShare(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// maxPinnedShare is the share of published area-months whose exact
// placement count may be pinned (the "done when").
const maxPinnedShare = 0.02

// TestAttackPublished attacks the published output of every report month
// of both demos, reading only what is published, and wants nothing back:
// no withheld number recovered, at most 2% of exact placement counts, no
// ratio over a small side, the same areas every month, every percentage
// checkable against its counts, medians in weeks, and the regions' spoed
// shares shown wherever nothing small is behind them.
func TestAttackPublished(t *testing.T) {
	cfg := config.Default()
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	for _, demo := range attackDemos {
		t.Run(demo.name, func(t *testing.T) {
			reps := demoReports(t, demo.opt)
			published, raw := attackInput(t, reps, policy, cfg, allRules())
			for _, who := range attackers {
				t.Run(who.name, func(t *testing.T) {
					res, sc := runAttack(t, published, raw, cfg, policy, who)
					// The attack's own soundness: its model of the rules
					// must never cut off the truth, or "nothing recovered"
					// would mean nothing.
					if len(sc.Unsound) > 0 || res.Conflicts > 0 || res.RuleViolations > 0 || res.Unmodelled > 0 {
						t.Fatalf("the attack's model does not fit the output: %d unsound (first: %v), %d conflicts, %d rule violations, %d unmodelled rows",
							len(sc.Unsound), firstOf(sc.Unsound), res.Conflicts, res.RuleViolations, res.Unmodelled)
					}
					if res.Mechanism != attack.Documented {
						t.Errorf("the published values do not follow the documented rule: mechanism %s", res.Mechanism)
					}
					if sc.Recovered() > 0 {
						t.Errorf("recovered %d withheld numerators, %d complements, %d counts; first pins: %v",
							sc.RecoveredNumerators, sc.RecoveredComplements, sc.RecoveredCounts, withheldPins(res, 5))
					}
					if got := pinShare(sc.PinnedPlacements, res.ShownAreaMonths); got > 100*maxPinnedShare {
						t.Errorf("exact placement count pinned in %d of %d published area-months (%.2f%%), want at most %.0f%%",
							sc.PinnedPlacements, res.ShownAreaMonths, got, 100*maxPinnedShare)
					}
					if sc.SmallSides > 0 || res.ZeroOne > 0 {
						t.Errorf("%d published ratios over a numerator or complement below %d, %d of value 0 or 1", sc.SmallSides, policy.Threshold, res.ZeroOne)
					}
					if res.Differenced > 0 {
						t.Errorf("%d withheld figures are the only withheld part of their relation", res.Differenced)
					}
					if res.ListingChanges > 0 {
						t.Errorf("%d areas appear or disappear between report months", res.ListingChanges)
					}
					if res.PercentMismatches > 0 {
						t.Errorf("%d percentages are not their published numerator over their published denominator", res.PercentMismatches)
					}
					if res.NonWeekMedians > 0 {
						t.Errorf("%d medians are not a whole number of weeks", res.NonWeekMedians)
					}
				})
			}
			// The same areas every month: the configured tree, whatever
			// the counts.
			want := attackTree(AreaTree(cfg)).Areas
			for _, m := range published {
				if diff := cmp.Diff(want, areaListing(m)); diff != "" {
					t.Errorf("%s: published areas (-tree +published):\n%s", m.Month, diff)
					break
				}
			}
			hidden, eligible := hiddenSpoedShares(published, raw, policy.Threshold)
			t.Logf("spoed share withheld in %d of %d month-regions (region or all) with spoed numerator, complement and placements all at least %d: %v",
				len(hidden), eligible, policy.Threshold, hidden)
			if demo.strict && len(hidden) > 0 {
				t.Errorf("spoed share withheld in %d month-regions with nothing small behind it: %v", len(hidden), hidden)
			}
		})
	}
}

// TestAttackRulesOff switches each clause of SPEC §2 off in turn and
// wants the attack to find what that clause prevents: the attack can
// fail.
func TestAttackRulesOff(t *testing.T) {
	cfg := config.Default()
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	// Each clause alone: the audit, which would withhold more where the
	// attack pins something, is off too, except in its own case.
	off := func(f func(*rules)) rules {
		r := allRules()
		r.audit = false
		f(&r)
		return r
	}
	tests := []struct {
		name string
		rule rules
		who  attacker
		// found is what the attack must find with the clause off.
		found func(res *attack.Result, sc attack.Score) (int, string)
	}{
		{"audit", off(func(*rules) {}), attackers[1],
			func(res *attack.Result, sc attack.Score) (int, string) {
				return sc.Recovered(), "withheld numbers recovered by a reader of the dashboard's marks"
			}},
		{"ratioFromPublished", off(func(r *rules) { r.ratioFromPublished = false }), attackers[0],
			func(res *attack.Result, sc attack.Score) (int, string) {
				if sc.PinnedPlacements <= int(maxPinnedShare*float64(res.ShownAreaMonths)) {
					return 0, "exact placements pinned within the 2% budget"
				}
				return sc.PinnedPlacements + sc.Recovered(), "exact placements pinned and withheld numbers recovered"
			}},
		{"ratioSides", off(func(r *rules) { r.ratioSides = false }), attackers[0],
			func(res *attack.Result, sc attack.Score) (int, string) {
				return sc.SmallSides + res.ZeroOne, "ratios over a small numerator or complement, or of 0 or 1"
			}},
		{"complement", off(func(r *rules) { r.complement = false }), attackers[0],
			func(res *attack.Result, sc attack.Score) (int, string) {
				return sc.Recovered() + res.Differenced, "withheld numbers recovered or the only withheld part of a relation"
			}},
		{"weeks", off(func(r *rules) { r.weeks = false }), attackers[0],
			func(res *attack.Result, sc attack.Score) (int, string) {
				return res.NonWeekMedians, "medians not a whole number of weeks"
			}},
	}
	for _, demo := range attackDemos {
		t.Run(demo.name, func(t *testing.T) {
			reps := demoReports(t, demo.opt)
			for _, tt := range tests {
				t.Run(tt.name+"_off", func(t *testing.T) {
					published, raw := attackInput(t, reps, policy, cfg, tt.rule)
					res, sc := runAttack(t, published, raw, cfg, policy, tt.who)
					if n, what := tt.found(res, sc); n == 0 {
						t.Errorf("with %s off the attack found nothing: no %s", tt.name, what)
					}
				})
			}
		})
	}
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// withheldPins lists up to n pins of withheld numbers, for a failure
// message.
func withheldPins(res *attack.Result, n int) []string {
	var out []string
	for _, p := range res.Pins {
		if p.Withheld && p.Part != attack.PartDenominator && len(out) < n {
			out = append(out, fmt.Sprintf("%s %s %s/%s %s=%d", p.Month, p.KPI, p.AreaType, p.Area, p.Part, p.Value))
		}
	}
	return out
}

// areaListing is the areas a month publishes, in the order of its rows.
func areaListing(m attack.Month) []attack.Area {
	var out []attack.Area
	seen := map[attack.Area]bool{}
	for _, r := range m.Rows {
		a := attack.Area{Type: r.AreaType, Key: r.Area}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// hiddenSpoedShares lists the month-regions (regions and all) whose raw
// spoed numerator, complement and placements are all at least t but whose
// published spoed share is withheld, and how many month-regions are so.
func hiddenSpoedShares(published, raw []attack.Month, t int) (hidden []string, eligible int) {
	for i, m := range raw {
		shown := map[string]bool{}
		for _, r := range published[i].Rows {
			if r.KPI == string(SpoedShare) && r.Value != nil {
				shown[r.Area] = true
			}
		}
		for _, r := range m.Rows {
			if r.KPI != string(SpoedShare) || (r.AreaType != string(AreaRegion) && r.AreaType != string(AreaTotal)) {
				continue
			}
			if r.Numerator == nil || r.Denominator == nil {
				continue
			}
			num, den := int(*r.Numerator), int(*r.Denominator)
			if num < t || den-num < t || den < t {
				continue
			}
			eligible++
			if !shown[r.Area] {
				hidden = append(hidden, m.Month+" "+r.Area)
			}
		}
	}
	return hidden, eligible
}
