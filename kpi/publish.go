package kpi

import (
	"math"
	"slices"
	"strings"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// Figure is one row of KPI output in the stable form of SPEC §5.
type Figure struct {
	KPI         string   `json:"kpi"`
	AreaType    string   `json:"area_type"`
	Area        string   `json:"area"`
	Numerator   *int64   `json:"numerator"`
	Denominator *int64   `json:"denominator"`
	Value       *float64 `json:"value"`
	Target      *float64 `json:"target"`
	Suppressed  bool     `json:"suppressed"`
	// BelowThreshold marks a withheld count whose true value is below the
	// threshold, which displays may show as "<10"; other withheld figures
	// were withheld to protect a neighbour.
	BelowThreshold bool `json:"-"`
}

// Output is a month of KPI output.
type Output struct {
	Month       string   `json:"month"`
	WindowStart string   `json:"window_start"`
	WindowEnd   string   `json:"window_end"`
	Rows        []Figure `json:"rows"`
}

func header(rep *Report) Output {
	return Output{
		Month:       rep.Month.Format("2006-01"),
		WindowStart: rep.WindowStart.Format("2006-01-02"),
		WindowEnd:   rep.WindowEnd.Format("2006-01-02"),
	}
}

func target(cfg *config.Config, id string) *float64 {
	if v, ok := cfg.Targets[id]; ok {
		return &v
	}
	return nil
}

// Raw returns the exact figures, for researchers and operators with
// access to the person-level data; ratios to four decimals.
func Raw(rep *Report, cfg *config.Config) Output {
	out := header(rep)
	for _, r := range rep.Rows {
		k, _ := Lookup(r.KPI)
		f := Figure{KPI: r.KPI, AreaType: r.AreaType, Area: r.Area}
		switch k.Kind {
		case Ratio:
			f.Numerator, f.Denominator = ptrInt(r.Numerator.Int64), ptrInt(r.Denominator.Int64)
			if r.Value.Valid {
				f.Value = ptr(math.Round(r.Value.Float64*1e4) / 1e4)
			}
			f.Target = target(cfg, r.KPI)
		default:
			if r.Value.Valid {
				f.Value = ptr(r.Value.Float64)
			}
		}
		out.Rows = append(out.Rows, f)
	}
	return out
}

// Publish applies disclosure control (SPEC §2, §5) to a month: counts
// below the threshold withheld and the rest rounded to 5; ratios only over
// MinBasis placements, from the unrounded counts, to 0.01; medians only
// where both the area's placements and the values behind the median reach
// MinBasis; and complementary suppression across the area hierarchy
// (municipalities add up to their region, regions and unlisted
// municipalities to all) for every additive figure.
//
// A municipality without placements in the window is left out of the
// published month: there is nothing to report of it, and as a cell of 0
// it would be withheld and force complementary suppression of its region
// or of a whole other region, which protects no one.
func Publish(rep *Report, p disclosure.Policy, cfg *config.Config) Output {
	rep = withoutEmptyMunicipalities(rep)
	out := header(rep)
	areas, breakdowns := hierarchy(rep, cfg)
	index := map[string]int{}
	for i, a := range areas {
		index[a] = i
	}
	byKPI := map[string][]Row{}
	for _, r := range rep.Rows {
		byKPI[r.KPI] = append(byKPI[r.KPI], r)
	}
	placements := make([]int, len(areas))
	for _, r := range byKPI["placements"] {
		placements[index[areaKey(r)]] = int(r.Value.Float64)
	}

	// withheld runs primary suppression by rule and then complementary
	// suppression over the hierarchy, for one additive figure.
	withheld := func(values []int, rule func(i int) bool) []bool {
		cells := make([]disclosure.Cell, len(values))
		for i, v := range values {
			cells[i] = disclosure.Cell{Value: v, Withheld: rule(i)}
		}
		disclosure.Complement(cells, breakdowns) // indexes come from hierarchy
		w := make([]bool, len(cells))
		for i, c := range cells {
			w[i] = c.Withheld
		}
		return w
	}
	// One pattern serves every ratio: they share the denominator, and a
	// withheld denominator must not be recoverable either.
	ratioHidden := withheld(placements, func(i int) bool { return placements[i] < p.MinBasis() })

	for _, r := range rep.Rows {
		k, _ := Lookup(r.KPI)
		i := index[areaKey(r)]
		f := Figure{KPI: r.KPI, AreaType: r.AreaType, Area: r.Area}
		switch k.Kind {
		case Ratio:
			f.Target = target(cfg, r.KPI)
			num, den := int(r.Numerator.Int64), int(r.Denominator.Int64)
			v, ok := p.Ratio(num, den)
			if !ok || ratioHidden[i] {
				f.Suppressed = true
				break
			}
			f.Value = &v
			if n, ok := p.Count(num); ok {
				f.Numerator = ptrInt(int64(n))
			}
			if n, ok := p.Count(den); ok {
				f.Denominator = ptrInt(int64(n))
			}
		case Count:
			values := make([]int, len(areas))
			for _, rr := range byKPI[r.KPI] {
				values[index[areaKey(rr)]] = int(rr.Value.Float64)
			}
			hidden := withheld(values, func(j int) bool { return values[j] < p.Threshold })
			if hidden[i] {
				f.Suppressed, f.BelowThreshold = true, values[i] < p.Threshold
				break
			}
			n, _ := p.Count(values[i])
			f.Value = ptr(float64(n))
		case Median:
			v, ok := p.Median(r.Value.Float64, placements[i], int(r.NValues))
			if !ok || !r.Value.Valid {
				f.Suppressed = true
				break
			}
			f.Value = &v
		}
		out.Rows = append(out.Rows, f)
	}
	return out
}

func areaKey(r Row) string { return r.AreaType + "/" + r.Area }

// withoutEmptyMunicipalities returns rep without the rows of
// municipalities that have no placements in the window.
func withoutEmptyMunicipalities(rep *Report) *Report {
	empty := map[string]bool{}
	for _, r := range rep.Rows {
		if r.KPI == "placements" && r.AreaType == "gemeente" && r.Value.Valid && r.Value.Float64 == 0 {
			empty[r.Area] = true
		}
	}
	if len(empty) == 0 {
		return rep
	}
	out := *rep
	out.Rows = nil
	for _, r := range rep.Rows {
		if r.AreaType == "gemeente" && empty[r.Area] {
			continue
		}
		out.Rows = append(out.Rows, r)
	}
	return &out
}

// hierarchy lists the report's areas and the additive relations between
// them, each as cell indexes with the total first.
func hierarchy(rep *Report, cfg *config.Config) ([]string, [][]int) {
	var areas []string
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		if k := areaKey(r); !seen[k] {
			seen[k] = true
			areas = append(areas, k)
		}
	}
	idx := func(k string) int { return slices.Index(areas, k) }
	regionOf := map[string]string{}
	for _, reg := range cfg.Regions {
		for _, g := range reg.Gemeenten {
			regionOf[g] = reg.Key
		}
	}
	all := []int{idx("total/all")}
	rel := map[string][]int{}
	for i, a := range areas {
		typ, name, _ := strings.Cut(a, "/")
		switch typ {
		case "region":
			all = append(all, i)
			rel[name] = append([]int{i}, rel[name]...)
		case "gemeente":
			if reg, ok := regionOf[name]; ok && seen["region/"+reg] {
				rel[reg] = append(rel[reg], i)
			} else {
				all = append(all, i)
			}
		}
	}
	breakdowns := [][]int{all}
	for _, reg := range cfg.Regions {
		if r, ok := rel[reg.Key]; ok && seen["region/"+reg.Key] {
			// the region's own index was prepended when met; keep it first
			breakdowns = append(breakdowns, r)
		}
	}
	return areas, breakdowns
}

// sortRows orders rows as people read them: KPI order, then all, regions
// and municipalities, each by name.
func sortRows(rows []Row) {
	order := map[string]int{}
	for i, k := range kpis {
		order[k.ID] = i
	}
	typeOrder := map[string]int{"total": 0, "region": 1, "gemeente": 2}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if d := order[a.KPI] - order[b.KPI]; d != 0 {
			return d
		}
		if d := typeOrder[a.AreaType] - typeOrder[b.AreaType]; d != 0 {
			return d
		}
		return strings.Compare(a.Area, b.Area)
	})
}

func ptr(v float64) *float64 { return &v }
func ptrInt(v int64) *int64  { return &v }
