package dashboards

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// The statements of the data a build reads; a missing file fails the
// build.
var (
	//go:embed sql/routes.sql
	routesSQL string
	//go:embed sql/quality.sql
	qualitySQL string
)

// history is the published KPI output of every report month up to the
// latest one a build needs; trends and glide paths read it.
type history struct {
	months []time.Time // oldest first
	pub    map[time.Time]*kpi.Published
}

// loadHistory publishes every month of the KPI history up to upTo.
func loadHistory(ctx context.Context, db *sql.DB, cfg *config.Config, p disclosure.Policy, months []time.Time, upTo time.Time) (*history, error) {
	h := &history{pub: map[time.Time]*kpi.Published{}}
	for _, m := range months {
		if m.After(upTo) {
			break
		}
		rep, err := kpi.Load(ctx, db, m)
		if err != nil {
			return nil, err
		}
		h.months = append(h.months, m)
		h.pub[m] = kpi.Publish(rep, p, cfg)
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

// first is the first published report month, where glide paths start.
func (h *history) first() *kpi.Published {
	if len(h.months) == 0 {
		return nil
	}
	return h.pub[h.months[0]]
}

// glide is the glide path of a KPI of an area at month m toward target,
// from the area's published value in the first report month; nil where
// that value was withheld.
func (h *history) glide(cfg *config.Config, id kpi.ID, a kpi.Area, m time.Time, target float64) *float64 {
	g, ok := kpi.GlidePath(h.first(), id, a, m, config.Month(cfg.TargetMonth), target)
	if !ok {
		return nil
	}
	return &g
}

// figure is the published figure of a KPI and area in month m; a zero
// figure of the KPI, withheld, where the month or the area has none.
func (h *history) figure(id kpi.ID, a kpi.Area, m time.Time) kpi.Figure {
	if p, ok := h.pub[m]; ok {
		if f, ok := p.Get(id, a); ok {
			return f
		}
	}
	k, _ := kpi.Lookup(id)
	return kpi.Figure{KPI: k, Area: a, Reason: kpi.SmallBasis}
}

// summaryAreas are all regions together and each configured region, in
// tree order: the areas of the headlines, trends and flow figures.
func summaryAreas(pub *kpi.Published) []kpi.Area {
	var as []kpi.Area
	for _, a := range pub.Tree.Areas {
		if a.Type != kpi.AreaGemeente {
			as = append(as, a)
		}
	}
	return as
}

// areaName is the Dutch name of an area. The municipality of Groningen
// is told from the region of the same name.
func areaName(cfg *config.Config, a kpi.Area) string {
	switch a.Type {
	case kpi.AreaTotal:
		return "Alle regio's"
	case kpi.AreaOutside:
		return "Buiten de regio's"
	case kpi.AreaRegion:
		for _, r := range cfg.Regions {
			if r.Key == a.Key {
				return r.Name
			}
		}
		return a.Key
	}
	name := gemeenteName(a.Key)
	for _, r := range cfg.Regions {
		if r.Name == name {
			return name + " (gemeente)"
		}
	}
	return name
}

// areaSeries is an area as a series of a grid, with its CSV columns.
func areaSeries(cfg *config.Config, a kpi.Area, i int) seriesHead {
	n := areaName(cfg, a)
	return seriesHead{name: n, csv: []string{string(a.Type), a.Key, n}, colour: areaColour(i)}
}

// areaCSV are the CSV columns that name an area.
func areaCSV() []string { return []string{"gebied_type", "gebied", "naam"} }

// route is one group of placements of dashboards/sql/routes.sql.
type route struct {
	Region, FirstSignal   string
	VA, Ambulant, Beraad  bool
	Machtiging, SignalBin string
	Placements            int
}

// loadRoutes reads the placements in a region that started in the
// window, grouped by region and route.
func loadRoutes(ctx context.Context, db *sql.DB, start, end time.Time) ([]route, error) {
	rows, err := db.QueryContext(ctx, routesSQL, start, end)
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

// quality is the data quality of one source, published: the rows a
// delivery log counts leave the loader only under disclosure control.
type quality struct {
	Source       string
	LastDelivery sql.NullTime
	StaleAfter   time.Duration
	Stale        bool
	// Quarantine is the share of the rows delivered that was kept in
	// quarantine, with the published rows in quarantine and rows
	// delivered as its numerator and denominator.
	Quarantine kpi.Figure
}

// loadQuality reads the deliveries per source up to now and judges their
// freshness against each source's stale_after (the shortest configured
// for that source kind, else config.DefaultStaleAfter).
func loadQuality(ctx context.Context, db *sql.DB, cfg *config.Config, p disclosure.Policy, now time.Time) ([]quality, error) {
	rows, err := db.QueryContext(ctx, qualitySQL, now)
	if err != nil {
		return nil, fmt.Errorf("data quality: %w", err)
	}
	defer rows.Close()
	var qs []quality
	for rows.Next() {
		var q quality
		var deliveries, accepted, quarantined int
		if err := rows.Scan(&q.Source, &q.LastDelivery, &deliveries, &accepted, &quarantined); err != nil {
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
		q.Quarantine = publishRatio(p, quarantined, accepted+quarantined)
		qs = append(qs, q)
	}
	return qs, rows.Err()
}
