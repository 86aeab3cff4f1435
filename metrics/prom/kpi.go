package prom

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

//go:embed sql/kpi_months.sql
var kpiMonthsSQL string

// secondsPerDay turns the medians, which the KPIs give in days, into the
// base unit Prometheus wants.
const secondsPerDay = 86400

var (
	areaLabels   = []string{"kpi", "area_type", "area"}
	regionLabels = []string{"area_type", "area"}
)

// kpiCollector exposes what kpi.Publish publishes of the latest report
// month in the KPI history, and from the config each KPI's 2027 target,
// the regions' occupancy targets and the spoed_share alert threshold. It
// sees no exact figure: every KPI series renders from kpi.Published, so
// the metrics give away no more than the dashboard does (SPEC §2).
type kpiCollector struct {
	db     *sql.DB
	cfg    *config.Config
	policy disclosure.Policy

	ratio, lowerBound, upperBound, figure, median, outside, month *prometheus.Desc
	target, glide, occupancyTarget, occupancyGlide, threshold     *prometheus.Desc
}

func newKPICollector(db *sql.DB, cfg *config.Config, policy disclosure.Policy) *kpiCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "kpi", n) }
	return &kpiCollector{
		db: db, cfg: cfg, policy: policy,
		ratio: prometheus.NewDesc(name("ratio"),
			"Published KPI share (0 to 1: the published numerator over the published denominator, rounded to 0.01) over the 12 months ending with the report month, per area; absent where disclosure control withholds it.",
			areaLabels, nil),
		lowerBound: prometheus.NewDesc(name("ratio_lower_bound"),
			"Where a KPI share is withheld because its complement (the placements it does not count) is below the disclosure threshold T: the bound that the share lies above, 1 - T / published denominator rounded down to 0.01. Absent otherwise.",
			areaLabels, nil),
		upperBound: prometheus.NewDesc(name("ratio_upper_bound"),
			"Where a KPI share is withheld because its numerator is below the disclosure threshold T: the bound that the share lies under, T / published denominator rounded up to 0.01. Absent otherwise.",
			areaLabels, nil),
		figure: prometheus.NewDesc(name("figure"),
			"Published KPI count (placements, youths, youths_replaced, outflow, occupancy; rounded to a multiple of 5) over the 12 months ending with the report month (occupancy: on its last day), per area; absent where withheld.",
			areaLabels, nil),
		median: prometheus.NewDesc(name("median_duration_seconds"),
			"Published median KPI duration (median_stay_days, median_signal_days, median_wait_days; the KPI id keeps its name, the value is in seconds, whole weeks) over the 12 months ending with the report month, per area; absent where withheld.",
			areaLabels, nil),
		outside: prometheus.NewDesc(name("placements_outside_regions"),
			"Data quality: published count of placements in the 12 months ending with the report month whose municipality no configured region lists (in no area); absent where withheld.",
			nil, nil),
		month: prometheus.NewDesc(name("report_month_timestamp_seconds"),
			"First day (00:00 UTC) of the report month the zothuis_kpi_* values are for: the latest month in the KPI history.",
			nil, nil),
		target: prometheus.NewDesc(name("target_ratio"),
			"Configured 2027 target of a KPI share.",
			[]string{"kpi"}, nil),
		glide: prometheus.NewDesc(name("glide_path_ratio"),
			"Where a KPI share of an area (all, each region) should be in the report month on the straight line from its published value in the first report month of the KPI history to the 2027 target, rounded to 0.01; absent where that first value was withheld.",
			areaLabels, nil),
		occupancyTarget: prometheus.NewDesc(name("occupancy_target"),
			"Configured occupancy target of a region (youths in JZ+ on the last day of the target month); absent where none is configured.",
			regionLabels, nil),
		occupancyGlide: prometheus.NewDesc(name("occupancy_glide_path"),
			"Where a region's occupancy should be in the report month on the straight line from its published occupancy in the first report month of the KPI history to its occupancy target, rounded to whole youths; absent without a target or where that first value was withheld.",
			regionLabels, nil),
		threshold: prometheus.NewDesc(name("threshold_ratio"),
			"Configured alert threshold of a KPI share: SpoedmachtigingShareHigh fires for a region whose zothuis_kpi_ratio exceeds it, or, where the share is withheld, whose zothuis_kpi_ratio_lower_bound reaches it.",
			[]string{"kpi"}, nil),
	}
}

func (c *kpiCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.ratio, c.lowerBound, c.upperBound, c.figure, c.median, c.outside, c.month,
		c.target, c.glide, c.occupancyTarget, c.occupancyGlide, c.threshold,
	} {
		ch <- d
	}
}

func (c *kpiCollector) update(ctx context.Context, ch chan<- prometheus.Metric) error {
	s := &sender{ch: ch}
	// From the config: there whatever the state of the database, so the
	// alert rule keeps its right-hand side.
	s.gauge(c.threshold, c.cfg.Alerts.SpoedShareAbove, string(kpi.SpoedShare))
	for _, k := range kpi.Targeted() {
		if t, ok := kpi.Target(c.cfg, k.ID); ok {
			s.gauge(c.target, t, string(k.ID))
		}
	}
	for _, r := range c.cfg.Regions {
		if t, ok := c.cfg.OccupancyTargets[r.Key]; ok {
			s.gauge(c.occupancyTarget, t, string(kpi.AreaRegion), r.Key)
		}
	}

	var first, last sql.NullTime
	if err := c.db.QueryRowContext(ctx, kpiMonthsSQL).Scan(&first, &last); err != nil {
		return s.join(fmt.Errorf("kpi months: %w", err))
	}
	if !last.Valid {
		return s.join(nil) // no complete window yet: no KPIs to expose
	}
	pub, err := c.publish(ctx, last.Time)
	if err != nil {
		return s.join(err)
	}
	s.gauge(c.month, unixSeconds(pub.Month))
	for _, f := range pub.Figures {
		c.figureMetric(s, f)
	}
	if pub.Outside.Shown() {
		s.gauge(c.outside, float64(pub.Outside.Value))
	}

	firstPub := pub
	if !first.Time.Equal(last.Time) {
		if firstPub, err = c.publish(ctx, first.Time); err != nil {
			return s.join(fmt.Errorf("glide path: %w", err))
		}
	}
	c.glidePaths(s, firstPub, pub)
	return s.join(nil)
}

// publish loads a report month and decides what it publishes.
func (c *kpiCollector) publish(ctx context.Context, month time.Time) (*kpi.Published, error) {
	rep, err := kpi.Load(ctx, c.db, month)
	if err != nil {
		return nil, err
	}
	return kpi.Publish(rep, c.policy, c.cfg), nil
}

// figureMetric sends the series of one published figure. A withheld value
// is an absent series, never a number; a withheld share sends the bound
// the published counts imply instead, where there is one.
func (c *kpiCollector) figureMetric(s *sender, f kpi.Figure) {
	labels := []string{string(f.KPI.ID), string(f.Area.Type), f.Area.Key}
	switch f.KPI.Kind {
	case kpi.KindRatio:
		switch {
		case f.Value != nil:
			s.gauge(c.ratio, *f.Value, labels...)
		case f.Bound == nil: // withheld and nothing to say of it
		case f.Bound.Upper:
			s.gauge(c.upperBound, f.Bound.Value, labels...)
		default:
			s.gauge(c.lowerBound, f.Bound.Value, labels...)
		}
	case kpi.KindCount:
		if f.Value != nil {
			s.gauge(c.figure, *f.Value, labels...)
		}
	case kpi.KindMedian:
		if f.Value != nil {
			s.gauge(c.median, *f.Value*secondsPerDay, labels...)
		}
	}
}

// glidePaths sends the glide path of every targeted share, and of each
// region's occupancy where it has a target, for all and every region in
// report month pub.Month. Each line starts from the first month's
// published value (kpi.GlidePath), so it gives away nothing that month
// did not publish.
func (c *kpiCollector) glidePaths(s *sender, first, pub *kpi.Published) {
	targetMonth := config.Month(c.cfg.TargetMonth)
	for _, a := range pub.Tree.Areas {
		if a.Type != kpi.AreaTotal && a.Type != kpi.AreaRegion {
			continue
		}
		for _, k := range kpi.Targeted() {
			target, ok := kpi.Target(c.cfg, k.ID)
			if !ok {
				continue
			}
			if g, ok := kpi.GlidePath(first, k.ID, a, pub.Month, targetMonth, target); ok {
				s.gauge(c.glide, math.Round(g*100)/100, string(k.ID), string(a.Type), a.Key)
			}
		}
		if a.Type != kpi.AreaRegion {
			continue
		}
		if target, ok := c.cfg.OccupancyTargets[a.Key]; ok {
			if g, ok := kpi.GlidePath(first, kpi.Occupancy, a, pub.Month, targetMonth, target); ok {
				s.gauge(c.occupancyGlide, math.Round(g), string(a.Type), a.Key)
			}
		}
	}
}
