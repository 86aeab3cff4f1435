package kpi

import (
	"context"
	"testing"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// BenchmarkPublish publishes the latest month of the default demo with
// and without the release audit: what the audit costs per month.
func BenchmarkPublish(b *testing.B) {
	db, span := demoDB(b, attackDemos[1].opt)
	rep, err := Load(context.Background(), db, span.Last)
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		b.Fatal(err)
	}
	for _, audit := range []bool{false, true} {
		name := "rules"
		if audit {
			name = "rules+audit"
		}
		b.Run(name, func(b *testing.B) {
			rule := allRules()
			rule.audit = audit
			for b.Loop() {
				publish(rep, policy, cfg, rule)
			}
		})
	}
}
