package prom

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// updater is one group of metrics read at collect time.
type updater interface {
	// describe sends the descriptors of every metric update may send.
	describe(ch chan<- *prometheus.Desc)
	// update sends the current metrics; on an error it may have sent some.
	update(ctx context.Context, ch chan<- prometheus.Metric) error
}

// part is a named updater.
type part struct {
	name string
	u    updater
}

var (
	scrapeSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "scrape", "collector_success"),
		"Whether a collector of zothuis metrics succeeded (1) or failed (0) in this scrape; its metrics are missing or partial when it failed.",
		[]string{"collector"}, nil)
	scrapeDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "scrape", "collector_duration_seconds"),
		"How long a collector of zothuis metrics took in this scrape.",
		[]string{"collector"}, nil)
)

// collector runs its parts concurrently, each under the collection's
// timeout, and reports per part whether it succeeded, as node_exporter
// does: a failing part does not take the others down.
type collector struct {
	timeout time.Duration
	log     *slog.Logger
	parts   []part
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- scrapeSuccessDesc
	ch <- scrapeDurationDesc
	for _, p := range c.parts {
		p.u.describe(ch)
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range c.parts {
		wg.Go(func() {
			start := time.Now()
			err := c.run(ctx, p, ch)
			success := 1.0
			if err != nil {
				success = 0
				c.log.Error("metrics collector failed", "collector", p.name, "err", err)
			}
			s := &sender{ch: ch}
			s.gauge(scrapeDurationDesc, time.Since(start).Seconds(), p.name)
			s.gauge(scrapeSuccessDesc, success, p.name)
			if err := s.join(nil); err != nil {
				c.log.Error("metrics collector failed", "collector", p.name, "err", err)
			}
		})
	}
	wg.Wait()
}

// run updates one part. A panic in it is its failure, not the process's:
// it runs on a goroutine of its own, where nothing else would recover it
// and the daemon would go down with the scrape.
func (c *collector) run(ctx context.Context, p part, ch chan<- prometheus.Metric) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return p.u.update(ctx, ch)
}

// sender sends constant metrics. A metric it cannot make (a label value
// that is not valid UTF-8, say) is left out and counted as an error
// instead of panicking as prometheus.MustNewConstMetric would.
type sender struct {
	ch      chan<- prometheus.Metric
	dropped int
	first   error
}

// gauge sends a gauge.
func (s *sender) gauge(d *prometheus.Desc, v float64, labels ...string) {
	s.send(d, prometheus.GaugeValue, v, labels...)
}

// counter sends a counter.
func (s *sender) counter(d *prometheus.Desc, v float64, labels ...string) {
	s.send(d, prometheus.CounterValue, v, labels...)
}

func (s *sender) send(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		if s.dropped == 0 {
			s.first = err
		}
		s.dropped++
		return
	}
	s.ch <- m
}

// join returns err, or else an error for the metrics left out, or nil.
// One error stands for all of them: a bad label value (a region key, say)
// would otherwise repeat in every series that carries it.
func (s *sender) join(err error) error {
	switch {
	case err != nil && s.dropped > 0:
		return fmt.Errorf("%w; and %d metrics left out, the first: %v", err, s.dropped, s.first)
	case err != nil:
		return err
	case s.dropped > 0:
		return fmt.Errorf("%d metrics left out, the first: %w", s.dropped, s.first)
	}
	return nil
}

// unixSeconds is t as a Prometheus timestamp value.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
