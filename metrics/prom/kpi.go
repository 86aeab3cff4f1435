package prom

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
	zsql "github.com/zothuis/zothuis/sql"
)

// secondsPerDay turns the medians, which the KPIs give in days, into the
// base unit Prometheus wants.
const secondsPerDay = 86400

var areaLabels = []string{"kpi", "area_type", "area"}

// kpiCollector exposes the published KPIs of the latest report month in
// the KPI history, and from the config each KPI's 2027 target and the
// spoed_share alert threshold.
type kpiCollector struct {
	db     *sql.DB
	cfg    *config.Config
	policy disclosure.Policy

	ratio, figure, median, month, target, glide, threshold *prometheus.Desc
}

func newKPICollector(db *sql.DB, cfg *config.Config, policy disclosure.Policy) *kpiCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "kpi", n) }
	return &kpiCollector{
		db: db, cfg: cfg, policy: policy,
		ratio: prometheus.NewDesc(name("ratio"),
			"Published KPI share (0 to 1, rounded to 0.01) over the 12 months ending with the report month, per area; absent where disclosure control withholds it.",
			areaLabels, nil),
		figure: prometheus.NewDesc(name("figure"),
			"Published KPI count (placements, youths, youths_replaced; rounded to a multiple of 5) over the 12 months ending with the report month, per area; absent where withheld.",
			areaLabels, nil),
		median: prometheus.NewDesc(name("median_duration_seconds"),
			"Published median KPI duration (median_stay_days, median_signal_days; the KPI id keeps its name, the value is in seconds) over the 12 months ending with the report month, per area; absent where withheld.",
			areaLabels, nil),
		month: prometheus.NewDesc(name("report_month_timestamp_seconds"),
			"First day (00:00 UTC) of the report month the zothuis_kpi_* values are for: the latest month in the KPI history.",
			nil, nil),
		target: prometheus.NewDesc(name("target_ratio"),
			"Configured 2027 target of a KPI share.",
			[]string{"kpi"}, nil),
		glide: prometheus.NewDesc(name("glide_path_ratio"),
			"Where a KPI share of all regions together should be in the report month on the straight line from the first complete window to the 2027 target, rounded to 0.01; absent where the first window's value may not be published.",
			[]string{"kpi"}, nil),
		threshold: prometheus.NewDesc(name("threshold_ratio"),
			"Configured alert threshold of a KPI share: SpoedmachtigingShareHigh fires for a region whose zothuis_kpi_ratio exceeds it.",
			[]string{"kpi"}, nil),
	}
}

func (c *kpiCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.ratio, c.figure, c.median, c.month, c.target, c.glide, c.threshold} {
		ch <- d
	}
}

func (c *kpiCollector) update(ctx context.Context, ch chan<- prometheus.Metric) error {
	// From the config: there whatever the state of the database.
	ch <- prometheus.MustNewConstMetric(c.threshold, prometheus.GaugeValue, c.cfg.Alerts.SpoedShareAbove, "spoed_share")
	ids := make([]string, 0, len(c.cfg.Targets))
	for id := range c.cfg.Targets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ch <- prometheus.MustNewConstMetric(c.target, prometheus.GaugeValue, c.cfg.Targets[id], id)
	}

	var month sql.NullTime
	if err := c.db.QueryRowContext(ctx, zsql.Query("prom/kpi_month.sql")).Scan(&month); err != nil {
		return fmt.Errorf("kpi month: %w", err)
	}
	if !month.Valid {
		return nil // no complete window yet: no KPIs to expose
	}
	rep, err := kpi.Load(ctx, c.db, month.Time)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(c.month, prometheus.GaugeValue, unixSeconds(rep.Month))
	for _, f := range kpi.Publish(rep, c.policy, c.cfg).Rows {
		if f.Value == nil {
			continue // withheld: an absent series, never a number
		}
		k, ok := kpi.Lookup(f.KPI)
		if !ok {
			continue
		}
		switch k.Kind {
		case kpi.Ratio:
			ch <- prometheus.MustNewConstMetric(c.ratio, prometheus.GaugeValue, *f.Value, f.KPI, f.AreaType, f.Area)
		case kpi.Count:
			ch <- prometheus.MustNewConstMetric(c.figure, prometheus.GaugeValue, *f.Value, f.KPI, f.AreaType, f.Area)
		case kpi.Median:
			ch <- prometheus.MustNewConstMetric(c.median, prometheus.GaugeValue, *f.Value*secondsPerDay, f.KPI, f.AreaType, f.Area)
		}
	}
	return c.glidePath(ctx, rep, ch)
}

// glidePath sends the glide path of area all. The line starts at the
// first window's exact value, which it reveals (it is the glide path of
// that month): so it is sent only where that window's denominator
// reaches the disclosure basis, and rounded as a published ratio is, so
// that it does not give away the exact counts behind it either.
func (c *kpiCollector) glidePath(ctx context.Context, rep *kpi.Report, ch chan<- prometheus.Metric) error {
	rows, err := c.db.QueryContext(ctx, zsql.Query("prom/glide_path.sql"), rep.Month)
	if err != nil {
		return fmt.Errorf("glide path: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kpi string
		var glide float64
		var startDen sql.NullInt64
		if err := rows.Scan(&kpi, &glide, &startDen); err != nil {
			return fmt.Errorf("glide path: %w", err)
		}
		if !startDen.Valid || startDen.Int64 < int64(c.policy.MinBasis()) {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.glide, prometheus.GaugeValue, math.Round(glide*100)/100, kpi)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("glide path: %w", err)
	}
	return nil
}
