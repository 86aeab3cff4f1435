package main

import (
	"log/slog"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/zothuis/zothuis/metrics/prom"
	"github.com/zothuis/zothuis/snapshot"
)

// registry is a Prometheus registry of the pipeline's own collectors
// (never the global one): KPIs, sources, jobs, files and build.
func (p *pipeline) registry(log *slog.Logger) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	err := prom.Register(reg, p.db, p.cfg, prom.Options{
		DatabasePath: p.cfg.Paths.Database,
		SnapshotPath: filepath.Join(p.cfg.Paths.Out, "research", snapshot.FileName),
		Logger:       log,
		Version:      buildVersion(),
	})
	if err == nil {
		err = reg.Register(prom.NewDaemonCollector(p.daemon, log))
	}
	return reg, err
}

// textfilePath is where one-shot runs write their metrics for
// node_exporter's textfile collector.
func textfilePath(p *pipeline) string {
	return filepath.Join(p.cfg.Paths.Out, "metrics", prom.TextfileName)
}

// writeTextfile writes the metrics of a one-shot run (run, demo)
// atomically for node_exporter's textfile collector.
func (p *pipeline) writeTextfile(log *slog.Logger) (string, error) {
	reg, err := p.registry(log)
	if err != nil {
		return "", err
	}
	path := textfilePath(p)
	return path, prom.WriteTextfile(reg, path)
}

// serveRegistry adds what only a long-running process has: Go runtime and
// process metrics.
func (p *pipeline) serveRegistry(log *slog.Logger) (*prometheus.Registry, error) {
	reg, err := p.registry(log)
	if err != nil {
		return nil, err
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, nil
}
