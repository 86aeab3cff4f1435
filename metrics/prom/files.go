package prom

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/prometheus/client_golang/prometheus"
)

// fileCollector exposes the size of the working database and the size
// and age of the published research snapshot.
type fileCollector struct {
	database, snapshot string

	dbSize, snapSize, snapTime *prometheus.Desc
}

func newFileCollector(database, snapshot string) *fileCollector {
	return &fileCollector{
		database: database, snapshot: snapshot,
		dbSize: prometheus.NewDesc(prometheus.BuildFQName(namespace, "database", "size_bytes"),
			"Size of the working DuckDB file (its write-ahead log not included).", nil, nil),
		snapSize: prometheus.NewDesc(prometheus.BuildFQName(namespace, "snapshot", "size_bytes"),
			"Size of the published research snapshot (research/zothuis.duckdb); absent before the first is published.", nil, nil),
		snapTime: prometheus.NewDesc(prometheus.BuildFQName(namespace, "snapshot", "published_timestamp_seconds"),
			"When the published research snapshot was written (its modification time).", nil, nil),
	}
}

func (c *fileCollector) describe(ch chan<- *prometheus.Desc) {
	ch <- c.dbSize
	ch <- c.snapSize
	ch <- c.snapTime
}

func (c *fileCollector) update(_ context.Context, ch chan<- prometheus.Metric) error {
	s := &sender{ch: ch}
	var errs []error
	if c.database != "" {
		fi, err := os.Stat(c.database)
		if err != nil {
			// The pipeline holds it open: a missing database is a fault.
			errs = append(errs, fmt.Errorf("database: %w", err))
		} else {
			s.gauge(c.dbSize, float64(fi.Size()))
		}
	}
	if c.snapshot != "" {
		fi, err := os.Stat(c.snapshot)
		switch {
		case errors.Is(err, fs.ErrNotExist): // not yet published
		case err != nil:
			errs = append(errs, fmt.Errorf("snapshot: %w", err))
		default:
			s.gauge(c.snapSize, float64(fi.Size()))
			s.gauge(c.snapTime, unixSeconds(fi.ModTime()))
		}
	}
	return s.join(errors.Join(errs...))
}
