package prom

import (
	"context"
	"log/slog"
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
			err := p.u.update(ctx, ch)
			success := 1.0
			if err != nil {
				success = 0
				c.log.Error("metrics collector failed", "collector", p.name, "err", err)
			}
			ch <- prometheus.MustNewConstMetric(scrapeDurationDesc, prometheus.GaugeValue, time.Since(start).Seconds(), p.name)
			ch <- prometheus.MustNewConstMetric(scrapeSuccessDesc, prometheus.GaugeValue, success, p.name)
		})
	}
	wg.Wait()
}

// unixSeconds is t as a Prometheus timestamp value.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
