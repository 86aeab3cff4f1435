package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves the pipeline's metrics from a registry of its
// own (never the global one).
func metricsHandler(p *pipeline) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewBuildInfoCollector())
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}), nil
}
