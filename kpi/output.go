package kpi

import (
	"math"
	"slices"
	"time"

	"github.com/zothuis/zothuis/config"
)

// OutputRow is one row of KPI output in the stable form of SPEC §5.
type OutputRow struct {
	KPI         ID       `json:"kpi"`
	AreaType    AreaType `json:"area_type"`
	Area        string   `json:"area"`
	Numerator   *int64   `json:"numerator"`
	Denominator *int64   `json:"denominator"`
	Value       *float64 `json:"value"`
	Target      *float64 `json:"target"`
	Suppressed  bool     `json:"suppressed"`
	// reason says why a published row is withheld, for the table.
	reason Reason
}

// Output is a month of KPI output.
type Output struct {
	Month       string      `json:"month"`
	WindowStart string      `json:"window_start"`
	WindowEnd   string      `json:"window_end"`
	Rows        []OutputRow `json:"rows"`
}

func header(month, start, end time.Time) Output {
	return Output{Month: month.Format("2006-01"), WindowStart: start.Format("2006-01-02"), WindowEnd: end.Format("2006-01-02")}
}

// Raw returns the exact figures, for researchers and operators with
// access to the person-level data; ratios to four decimals. It holds the
// area outside (placements of municipalities no region lists), which
// published output never shows as an area.
func Raw(rep *Report, cfg *config.Config) Output {
	out := header(rep.Month, rep.WindowStart, rep.WindowEnd)
	for _, r := range rep.Rows {
		k, _ := Lookup(ID(r.KPI))
		f := OutputRow{KPI: ID(r.KPI), AreaType: AreaType(r.AreaType), Area: r.Area}
		switch k.Kind {
		case KindRatio:
			f.Numerator, f.Denominator = ptrInt(r.Numerator.Int64), ptrInt(r.Denominator.Int64)
			if r.Value.Valid {
				f.Value = ptr(math.Round(r.Value.Float64*1e4) / 1e4)
			}
			if t, ok := Target(cfg, k.ID); ok {
				f.Target = ptr(t)
			}
		default:
			if r.Value.Valid {
				f.Value = ptr(r.Value.Float64)
			}
		}
		out.Rows = append(out.Rows, f)
	}
	// In the order of published output: catalogue, then the area tree,
	// then outside.
	rank := map[Area]int{Outside(): 1 << 30}
	for i, a := range AreaTree(cfg).Areas {
		rank[a] = i
	}
	order := map[ID]int{}
	for i, k := range catalogue {
		order[k.ID] = i
	}
	slices.SortStableFunc(out.Rows, func(a, b OutputRow) int {
		if d := order[a.KPI] - order[b.KPI]; d != 0 {
			return d
		}
		return rank[Area{Type: a.AreaType, Key: a.Area}] - rank[Area{Type: b.AreaType, Key: b.Area}]
	})
	return out
}

// Output renders the published month in the stable form of SPEC §5: a
// withheld count is null, and a withheld ratio has numerator, denominator
// and value null with suppressed true.
func (p *Published) Output() Output {
	out := header(p.Month, p.WindowStart, p.WindowEnd)
	for _, f := range p.Figures {
		r := OutputRow{KPI: f.KPI.ID, AreaType: f.Area.Type, Area: f.Area.Key, Target: f.Target,
			Value: f.Value, Suppressed: f.Value == nil, reason: f.Reason}
		if f.KPI.Kind == KindRatio && f.Value != nil {
			r.Numerator, r.Denominator = ptrInt(int64(f.Numerator.Value)), ptrInt(int64(f.Denominator.Value))
		}
		out.Rows = append(out.Rows, r)
	}
	return out
}

func ptrInt(v int64) *int64 { return &v }
