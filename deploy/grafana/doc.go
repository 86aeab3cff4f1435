// Package grafana holds the Grafana dashboard of the Zo Thuis Monitor,
// zothuis.json: import it and pick the Prometheus data source that
// scrapes zothuis serve. It has no code; its test checks every PromQL
// expression in it against the series the collectors of metrics/prom
// declare, so a renamed metric or label breaks the test, not the panel.
package grafana
