package prom

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/schedules"
)

// The statements of the source collector; a missing file fails the build.
var (
	//go:embed sql/deliveries.sql
	deliveriesSQL string
	//go:embed sql/refusals.sql
	refusalsSQL string
)

// sourceCollector exposes per source kind what landed and what was
// refused, read from the deliveries and refusals tables, and from the
// config how long the source may stay quiet. Sources are labelled by
// kind (jgz, verzuim, toegang, jzplus), as the tables record them.
type sourceCollector struct {
	db  *sql.DB
	cfg *config.Config

	files, accepted, quarantined, refused, lastDelivery, staleAfter, firstPull *prometheus.Desc
}

func newSourceCollector(db *sql.DB, cfg *config.Config) *sourceCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "source", n) }
	l := []string{"source"}
	return &sourceCollector{
		db: db, cfg: cfg,
		files: prometheus.NewDesc(name("deliveries_total"),
			"Delivery files of a source that landed (a file delivered again is not counted again).", l, nil),
		accepted: prometheus.NewDesc(name("rows_accepted_total"),
			"Rows of a source's deliveries that were accepted.", l, nil),
		quarantined: prometheus.NewDesc(name("rows_quarantined_total"),
			"Rows of a source's deliveries that broke the contract and were quarantined.", l, nil),
		refused: prometheus.NewDesc(name("files_refused_total"),
			"Delivery files of a source refused whole (unreadable, wrong columns, a BSN where a pseudonym belongs).", l, nil),
		lastDelivery: prometheus.NewDesc(name("last_delivery_timestamp_seconds"),
			"When the last delivery of a source that accepted any row landed; absent while none has.", l, nil),
		staleAfter: prometheus.NewDesc(name("stale_after_seconds"),
			"How long a configured source may go without an accepted delivery before ZothuisSourceStale fires (the shortest of its channels).", l, nil),
		firstPull: prometheus.NewDesc(name("first_pull_timestamp_seconds"),
			"When a pull job of a configured source first ran: the start of the wait for its first delivery.", l, nil),
	}
}

func (c *sourceCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.files, c.accepted, c.quarantined, c.refused, c.lastDelivery, c.staleAfter, c.firstPull} {
		ch <- d
	}
}

func (c *sourceCollector) update(ctx context.Context, ch chan<- prometheus.Metric) error {
	s := &sender{ch: ch}
	// The configured expectation, per kind: the shortest of its channels.
	stale := map[string]time.Duration{}
	kindOf := map[string]string{} // pull job name to source kind
	for _, src := range c.cfg.Sources {
		if d, ok := stale[src.Source]; !ok || src.StaleAfter < d {
			stale[src.Source] = src.StaleAfter
		}
		kindOf[schedules.PullJob(src.Name)] = src.Source
	}
	for kind, d := range stale {
		s.gauge(c.staleAfter, d.Seconds(), kind)
	}

	// Every kind from 0, so rate() sees the first file; a kind the tables
	// hold that ingest does not know (a row DuckDB mangled, issue 16) is
	// not exported: get returns nil for it.
	byKind := map[string]*sourceTotals{}
	for _, s := range ingest.Sources() {
		byKind[s.Source] = &sourceTotals{}
	}
	get := func(kind string) *sourceTotals { return byKind[kind] }
	if err := c.deliveries(ctx, s, get); err != nil {
		return s.join(err)
	}
	if err := c.refusals(ctx, get); err != nil {
		return s.join(err)
	}
	// Exact: they count deliveries, not youths, so disclosure control
	// does not apply (SPEC §2), and operations need every row.
	for kind, t := range byKind {
		s.counter(c.files, t.files, kind)
		s.counter(c.accepted, t.accepted, kind)
		s.counter(c.quarantined, t.quarantined, kind)
		s.counter(c.refused, t.refused, kind)
	}
	return s.join(c.firstPulls(ctx, s, kindOf))
}

func (c *sourceCollector) deliveries(ctx context.Context, s *sender, get func(string) *sourceTotals) error {
	rows, err := c.db.QueryContext(ctx, deliveriesSQL)
	if err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var files, accepted, quarantined int64
		var last sql.NullTime
		if err := rows.Scan(&kind, &files, &accepted, &quarantined, &last); err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		t := get(kind)
		if t == nil {
			continue
		}
		t.files, t.accepted, t.quarantined = float64(files), float64(accepted), float64(quarantined)
		if last.Valid {
			s.gauge(c.lastDelivery, unixSeconds(last.Time), kind)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	return nil
}

func (c *sourceCollector) refusals(ctx context.Context, get func(string) *sourceTotals) error {
	rows, err := c.db.QueryContext(ctx, refusalsSQL)
	if err != nil {
		return fmt.Errorf("refusals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return fmt.Errorf("refusals: %w", err)
		}
		if t := get(kind); t != nil {
			t.refused = float64(n)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("refusals: %w", err)
	}
	return nil
}

// sourceTotals are a source kind's counters.
type sourceTotals struct{ files, accepted, quarantined, refused float64 }

// firstPulls sends, per configured source kind, when any of its pull
// jobs first ran, so that a source that never delivers is noticed too.
func (c *sourceCollector) firstPulls(ctx context.Context, s *sender, kindOf map[string]string) error {
	runs, err := jobStats(ctx, c.db)
	if err != nil {
		return err
	}
	first := map[string]time.Time{}
	for _, r := range runs {
		kind, ok := kindOf[r.job]
		if !ok {
			continue
		}
		if f, seen := first[kind]; !seen || r.firstRun.Before(f) {
			first[kind] = r.firstRun
		}
	}
	for kind, t := range first {
		s.gauge(c.firstPull, unixSeconds(t), kind)
	}
	return nil
}
