package dashboards

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
	zsql "github.com/zothuis/zothuis/sql"
)

func query(name string) string { return zsql.Query("dashboard/" + name) }

// area is one area of the KPI output: all, a region or a municipality.
type area struct {
	Type, Key, Name string
}

func (a area) id() string { return a.Type + "/" + a.Key }

// summaryAreas are all regions together and each configured region: the
// areas of the headlines and trend charts.
func summaryAreas(cfg *config.Config) []area {
	as := []area{{Type: "total", Key: "all", Name: "Alle regio's"}}
	for _, r := range cfg.Regions {
		as = append(as, area{Type: "region", Key: r.Key, Name: r.Name})
	}
	return as
}

// gemeenteName is the display name of a municipality code.
func gemeenteName(code string) string {
	if n, ok := gemeenteNames[code]; ok {
		return n
	}
	return code
}

// published is one report month of KPI output under disclosure control.
type published struct {
	out kpi.Output
	fig map[string]kpi.Figure // by kpi/area_type/area
}

func (p published) get(kpi string, a area) (kpi.Figure, bool) {
	f, ok := p.fig[kpi+"/"+a.id()]
	return f, ok
}

// history is the published KPI output of every report month up to the
// latest one a build needs; trends and glide paths read it.
type history struct {
	months []time.Time // oldest first
	pub    map[time.Time]published
}

// loadHistory publishes every month of the KPI history up to upTo.
func loadHistory(ctx context.Context, db *sql.DB, cfg *config.Config, p disclosure.Policy, months []time.Time, upTo time.Time) (*history, error) {
	h := &history{pub: map[time.Time]published{}}
	for _, m := range months {
		if m.After(upTo) {
			break
		}
		rep, err := kpi.Load(ctx, db, m)
		if err != nil {
			return nil, err
		}
		out := kpi.Publish(rep, p, cfg)
		pub := published{out: out, fig: map[string]kpi.Figure{}}
		for _, f := range out.Rows {
			pub.fig[f.KPI+"/"+f.AreaType+"/"+f.Area] = f
		}
		h.months = append(h.months, m)
		h.pub[m] = pub
	}
	return h, nil
}

// upTo returns the months of the history up to and including m.
func (h *history) upTo(m time.Time) []time.Time {
	var ms []time.Time
	for _, x := range h.months {
		if !x.After(m) {
			ms = append(ms, x)
		}
	}
	return ms
}

// targetKPIs are the KPIs with a 2027 target, in reporting order.
func targetKPIs(cfg *config.Config) []kpi.KPI {
	var ks []kpi.KPI
	for _, k := range kpi.KPIs() {
		if _, ok := cfg.Targets[k.ID]; ok && k.Kind == kpi.Ratio {
			ks = append(ks, k)
		}
	}
	return ks
}

// lowerIsBetter says which KPIs improve downward (SPEC §4).
func lowerIsBetter(kpi string) bool { return kpi == "spoed_share" }

// monthsBetween counts calendar months from a to b.
func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// glidePath is where a KPI should stand at month m on the straight line
// from its value start in the first report month first to target in
// targetMonth (SPEC §4, as view kpi_progress). The start is the published
// value: the exact one would give away the unrounded counts.
func glidePath(start float64, first, targetMonth, m time.Time, target float64) float64 {
	total := monthsBetween(first, targetMonth)
	if total <= 0 || !m.Before(targetMonth) {
		return target
	}
	return start + (target-start)*float64(monthsBetween(first, m))/float64(total)
}

// status is where a KPI stands against its glide path.
type status int

const (
	statusUnknown status = iota // no published value, or no glide path
	statusOnTrack
	statusBehind
	statusReached
)

// judge compares a published value with the glide path and the target.
// Values are compared at the published precision (0.01): a value that
// rounds to the glide path is on it.
func judge(value, glide *float64, target float64, lower bool) status {
	if value == nil {
		return statusUnknown
	}
	v := round2(*value)
	better := func(a, b float64) bool { // a at least as good as b
		if lower {
			return a <= b
		}
		return a >= b
	}
	switch {
	case better(v, target):
		return statusReached
	case glide == nil:
		return statusUnknown
	case better(v, round2(*glide)):
		return statusOnTrack
	default:
		return statusBehind
	}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// headlineRow is one area of a target's headline.
type headlineRow struct {
	Area        area
	Value, Prev *float64 // published; nil when withheld or absent
	Delta       *float64 // Value - Prev, in shares
	Glide       *float64 // glide path at the report month; nil without a published start
	Status      status
}

// headline is one 2027 target at the report month.
type headline struct {
	KPI    kpi.KPI
	Target float64
	Lower  bool
	Rows   []headlineRow
}

// glideFor returns the glide path of kpi in area a at month m, from the
// area's published value in the first report month of the history.
func (h *history) glideFor(cfg *config.Config, kpi string, a area, m time.Time) *float64 {
	target, ok := cfg.Targets[kpi]
	if !ok || len(h.months) == 0 {
		return nil
	}
	first := h.months[0]
	f, ok := h.pub[first].get(kpi, a)
	if !ok || f.Value == nil {
		return nil
	}
	g := glidePath(*f.Value, first, config.Month(cfg.TargetMonth), m, target)
	return &g
}

// headlines computes the headline of every 2027 target at month m, for
// all regions together and each region. The change is against the
// previous report month's window.
func (h *history) headlines(cfg *config.Config, m time.Time) []headline {
	cur := h.pub[m]
	prev, hasPrev := h.pub[m.AddDate(0, -1, 0)]
	var hs []headline
	for _, k := range targetKPIs(cfg) {
		hl := headline{KPI: k, Target: cfg.Targets[k.ID], Lower: lowerIsBetter(k.ID)}
		for _, a := range summaryAreas(cfg) {
			f, ok := cur.get(k.ID, a)
			if !ok {
				continue
			}
			r := headlineRow{Area: a, Value: f.Value, Glide: h.glideFor(cfg, k.ID, a, m)}
			if hasPrev {
				if pf, ok := prev.get(k.ID, a); ok && pf.Value != nil {
					r.Prev = pf.Value
					if f.Value != nil {
						d := round2(*f.Value - *pf.Value)
						r.Delta = &d
					}
				}
			}
			r.Status = judge(r.Value, r.Glide, hl.Target, hl.Lower)
			hl.Rows = append(hl.Rows, r)
		}
		hs = append(hs, hl)
	}
	return hs
}

// comparisonAreas lists, for the comparison tables, all regions
// together, then each region followed by its municipalities, then the
// municipalities outside every region that have figures this month.
func comparisonAreas(cfg *config.Config, pub published) []area {
	as := []area{{Type: "total", Key: "all", Name: "Alle regio's"}}
	listed := map[string]bool{}
	regionName := map[string]bool{}
	for _, r := range cfg.Regions {
		regionName[r.Name] = true
	}
	for _, r := range cfg.Regions {
		as = append(as, area{Type: "region", Key: r.Key, Name: r.Name})
		for _, g := range r.Gemeenten {
			listed[g] = true
			name := gemeenteName(g)
			if regionName[name] {
				name += " (gemeente)" // the city of Groningen, not the region
			}
			as = append(as, area{Type: "gemeente", Key: g, Name: name})
		}
	}
	for _, f := range pub.out.Rows {
		if f.KPI == "placements" && f.AreaType == "gemeente" && !listed[f.Area] {
			as = append(as, area{Type: "gemeente", Key: f.Area, Name: gemeenteName(f.Area) + " (buiten de regio's)"})
		}
	}
	return as
}

// route is one group of placements of sql/dashboard/routes.sql.
type route struct {
	Region, FirstSignal   string
	VA, Ambulant, Beraad  bool
	Machtiging, SignalBin string
	Placements            int
}

// loadRoutes reads the placements that started in the window, grouped by
// region and route.
func loadRoutes(ctx context.Context, db *sql.DB, start, end time.Time) ([]route, error) {
	rows, err := db.QueryContext(ctx, query("routes.sql"), start, end)
	if err != nil {
		return nil, fmt.Errorf("klantroutes: %w", err)
	}
	defer rows.Close()
	var rs []route
	for rows.Next() {
		var r route
		if err := rows.Scan(&r.Region, &r.FirstSignal, &r.VA, &r.Ambulant, &r.Beraad, &r.Machtiging, &r.SignalBin, &r.Placements); err != nil {
			return nil, fmt.Errorf("klantroutes: %w", err)
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// quality is the data quality of one source.
type quality struct {
	Source          string
	LastDelivery    sql.NullTime
	Deliveries      int
	Accepted        int
	Quarantined     int
	StaleAfter      time.Duration
	Stale           bool
	PubAccepted     count
	PubQuarantined  count
	QuarantineShare *float64 // rows quarantined / rows delivered, published
}

// loadQuality reads the deliveries per source up to now and judges their
// freshness against each source's stale_after (the shortest configured
// for that source kind, else config.DefaultStaleAfter).
func loadQuality(ctx context.Context, db *sql.DB, cfg *config.Config, p disclosure.Policy, now time.Time) ([]quality, error) {
	rows, err := db.QueryContext(ctx, query("quality.sql"), now)
	if err != nil {
		return nil, fmt.Errorf("data quality: %w", err)
	}
	defer rows.Close()
	var qs []quality
	for rows.Next() {
		var q quality
		if err := rows.Scan(&q.Source, &q.LastDelivery, &q.Deliveries, &q.Accepted, &q.Quarantined); err != nil {
			return nil, fmt.Errorf("data quality: %w", err)
		}
		q.StaleAfter = config.DefaultStaleAfter
		first := true
		for _, s := range cfg.Sources {
			if s.Source == q.Source && s.StaleAfter > 0 && (first || s.StaleAfter < q.StaleAfter) {
				q.StaleAfter, first = s.StaleAfter, false
			}
		}
		q.Stale = !q.LastDelivery.Valid || now.Sub(q.LastDelivery.Time) > q.StaleAfter
		q.PubAccepted = publishCount(p, q.Accepted)
		q.PubQuarantined = publishCount(p, q.Quarantined)
		if v, ok := p.Ratio(q.Quarantined, q.Accepted+q.Quarantined); ok {
			q.QuarantineShare = &v
		}
		qs = append(qs, q)
	}
	return qs, rows.Err()
}

// count is a published count: Value nil when withheld; BelowThreshold
// when the true count is below the threshold (shown as "<10").
type count struct {
	Value          *int
	BelowThreshold bool
}

// publishCount publishes a count that is not part of a breakdown.
func publishCount(p disclosure.Policy, n int) count {
	if v, ok := p.Count(n); ok {
		return count{Value: &v}
	}
	return count{BelowThreshold: true}
}
