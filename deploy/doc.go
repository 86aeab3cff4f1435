// Package deploy holds the example deployment files of the Zo Thuis
// Monitor: the systemd unit, an example configuration, Prometheus's scrape
// configuration and alerting rules (prometheus/) and Alertmanager's
// routing (alertmanager/). It has no code; its tests check those files
// with the real promtool and amtool, and unit-test the alerting rules.
package deploy
