package prom_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/zothuis/zothuis/metrics/prom"
	"github.com/zothuis/zothuis/schedules"
)

// healthOf is a daemon whose memory is h.
type healthOf schedules.Health

func (h healthOf) Health() schedules.Health { return schedules.Health(h) }

// refusals are a Health's refusals of the kinds, every reason, none
// refused but those in refused (kind/reason to files).
func refusals(kinds []string, refused map[string]int64, at time.Time) []schedules.RefusalHealth {
	var out []schedules.RefusalHealth
	for _, k := range kinds {
		for _, r := range schedules.RefusalReasons() {
			rh := schedules.RefusalHealth{Source: k, Reason: r, Files: refused[k+"/"+string(r)]}
			if rh.Files > 0 {
				rh.Last = at
			}
			out = append(out, rh)
		}
	}
	return out
}

// zeroRefusals are the refusal series of the kinds, all 0.
func zeroRefusals(kinds ...string) map[string]float64 {
	out := map[string]float64{}
	for _, k := range kinds {
		for _, r := range schedules.RefusalReasons() {
			out["zothuis_source_refusals_total{reason="+string(r)+",source="+k+"}"] = 0
		}
	}
	return out
}

func TestDaemonCollector(t *testing.T) {
	at := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		health schedules.Health
		want   map[string]float64
	}{
		{
			name: "jobs that ran and one that did not; the database written",
			health: schedules.Health{
				Jobs: []schedules.JobHealth{
					{Name: "pull:jgz-inbox", Ran: true, LastRunOK: true},
					{Name: "pull:jzplus-sftp", Ran: true, ConsecutiveFailures: 3},
					{Name: "pull:jzplus-b"},
					{Name: "cycle", Ran: true, LastRunOK: true},
				},
				Refusals: refusals([]string{"jgz", "jzplus"}, nil, at),
			},
			want: merge(zeroRefusals("jgz", "jzplus"), map[string]float64{
				"zothuis_job_last_run_success{name=pull:jgz-inbox}":            1,
				"zothuis_job_last_run_success{name=pull:jzplus-sftp}":          0,
				"zothuis_job_last_run_success{name=cycle}":                     1,
				"zothuis_job_consecutive_failures{name=pull:jgz-inbox}":        0,
				"zothuis_job_consecutive_failures{name=pull:jzplus-sftp}":      3,
				"zothuis_job_consecutive_failures{name=pull:jzplus-b}":         0,
				"zothuis_job_consecutive_failures{name=cycle}":                 0,
				"zothuis_job_unrecorded_failures_total{name=pull:jgz-inbox}":   0,
				"zothuis_job_unrecorded_failures_total{name=pull:jzplus-sftp}": 0,
				"zothuis_job_unrecorded_failures_total{name=pull:jzplus-b}":    0,
				"zothuis_job_unrecorded_failures_total{name=cycle}":            0,
				"zothuis_database_writable{}":                                  1,
			}),
		},
		{
			name: "the database failed a write; a BSN was refused",
			health: schedules.Health{
				Jobs: []schedules.JobHealth{
					{Name: "pull:toegang", Ran: true, ConsecutiveFailures: 4, UnrecordedFailures: 2},
					{Name: "cycle", Ran: true, ConsecutiveFailures: 1, UnrecordedFailures: 1},
				},
				Refusals: refusals([]string{"toegang"}, map[string]int64{"toegang/bsn": 1, "toegang/other": 2}, at),
				Database: errors.New("the working database cannot be written"),
			},
			want: merge(zeroRefusals("toegang"), map[string]float64{
				"zothuis_job_last_run_success{name=pull:toegang}":                            0,
				"zothuis_job_last_run_success{name=cycle}":                                   0,
				"zothuis_job_consecutive_failures{name=pull:toegang}":                        4,
				"zothuis_job_consecutive_failures{name=cycle}":                               1,
				"zothuis_job_unrecorded_failures_total{name=pull:toegang}":                   2,
				"zothuis_job_unrecorded_failures_total{name=cycle}":                          1,
				"zothuis_database_writable{}":                                                0,
				"zothuis_source_refusals_total{reason=bsn,source=toegang}":                   1,
				"zothuis_source_refusals_total{reason=other,source=toegang}":                 2,
				"zothuis_source_last_refusal_timestamp_seconds{reason=bsn,source=toegang}":   float64(at.Unix()),
				"zothuis_source_last_refusal_timestamp_seconds{reason=other,source=toegang}": float64(at.Unix()),
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(prom.NewDaemonCollector(healthOf(tt.health), nil))
			if diff := cmp.Diff(tt.want, gather(t, reg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			problems, err := testutil.GatherAndLint(reg)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("promlint: %s: %s", p.Metric, p.Text)
			}
		})
	}
}

func merge(ms ...map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// TestDaemonCollectorNeverPanics: a job name that cannot be a label value
// leaves its series out; the others stay, and the scrape goes on.
func TestDaemonCollectorNeverPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prom.NewDaemonCollector(healthOf(schedules.Health{Jobs: []schedules.JobHealth{
		{Name: "pull:jzpluscycl\x98\xff", Ran: true},
		{Name: "cycle", Ran: true, LastRunOK: true},
	}}), nil))
	want := map[string]float64{
		"zothuis_job_last_run_success{name=cycle}":          1,
		"zothuis_job_consecutive_failures{name=cycle}":      0,
		"zothuis_job_unrecorded_failures_total{name=cycle}": 0,
		"zothuis_database_writable{}":                       1,
	}
	if diff := cmp.Diff(want, gather(t, reg)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestOnlyConfiguredJobsAndKnownKinds: job_runs, deliveries and refusals
// may hold names no configured job and no source kind has (a source
// removed from the config; a row DuckDB mangled after a failed commit,
// issue 16): the metrics leave them out and keep the rest.
func TestOnlyConfiguredJobsAndKnownKinds(t *testing.T) {
	db, _ := fixtureDB(t)
	junk := "cyclepull:jzplus-sftppull:jgz-inboxpull:jzplus-b"
	for _, q := range []string{
		`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('` + junk + `', '2026-11-20 06:00:00+00', '2026-11-20 06:00:01+00', 'failed')`,
		`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('pull:removed', '2026-11-20 06:00:00+00', '2026-11-20 06:00:01+00', 'ok')`,
		`INSERT INTO deliveries (source, file_name, sha256, format, received_at, rows_accepted, rows_quarantined) VALUES ('` + junk + `', 'x.csv', 'z1', 'csv', '2026-11-20 09:00:00+00', 7, 0)`,
		`INSERT INTO refusals (source, file_name, sha256, refused_at, reason) VALUES ('removed', 'y.csv', 'z2', '2026-11-20 09:00:00+00', 'unreadable')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	got := gather(t, register(t, db, fixtureConfig(), prom.Options{}))
	for k := range got {
		if strings.Contains(k, junk) || strings.Contains(k, "removed") {
			t.Errorf("series of no configured job or known kind: %s", k)
		}
	}
	for k, want := range map[string]float64{
		"zothuis_scrape_collector_success{collector=jobs}":    1,
		"zothuis_scrape_collector_success{collector=sources}": 1,
		"zothuis_job_failures_total{name=cycle}":              1,
		"zothuis_job_failures_total{name=pull:jzplus-sftp}":   1,
		"zothuis_source_deliveries_total{source=jgz}":         2,
		"zothuis_source_files_refused_total{source=toegang}":  1,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
}

// noPull is a puller that never has anything.
type noPull struct{}

func (noPull) Pull(ctx context.Context, dir string) ([]string, error) { return nil, nil }

// TestDaemonCollectorOfARealDaemon: a daemon made on the fixture's history
// reports each configured job as job_runs left it (a run still marked
// running was cut off by the end of its process: failed), beside the
// collectors of Register, with no descriptor clash and promlint clean.
func TestDaemonCollectorOfARealDaemon(t *testing.T) {
	db, path := fixtureDB(t)
	cfg := fixtureConfig()
	pullers := map[string]schedules.Puller{}
	for _, s := range cfg.Sources {
		pullers[s.Name] = noPull{}
	}
	d, err := schedules.New(cfg, schedules.Options{DB: db, ResearchKey: []byte("0123456789abcdef0123456789abcdef"), Pullers: pullers})
	if err != nil {
		t.Fatal(err)
	}
	reg := register(t, db, cfg, prom.Options{DatabasePath: path})
	if err := reg.Register(prom.NewDaemonCollector(d, nil)); err != nil {
		t.Fatal(err)
	}
	got := gather(t, reg)
	want := merge(zeroRefusals("jgz", "jzplus"), map[string]float64{
		"zothuis_job_last_run_success{name=pull:jgz-inbox}":            0,
		"zothuis_job_last_run_success{name=pull:jzplus-sftp}":          0,
		"zothuis_job_last_run_success{name=cycle}":                     1,
		"zothuis_job_consecutive_failures{name=pull:jgz-inbox}":        1,
		"zothuis_job_consecutive_failures{name=pull:jzplus-sftp}":      1,
		"zothuis_job_consecutive_failures{name=pull:jzplus-b}":         0,
		"zothuis_job_consecutive_failures{name=cycle}":                 0,
		"zothuis_job_unrecorded_failures_total{name=pull:jgz-inbox}":   0,
		"zothuis_job_unrecorded_failures_total{name=pull:jzplus-sftp}": 0,
		"zothuis_job_unrecorded_failures_total{name=pull:jzplus-b}":    0,
		"zothuis_job_unrecorded_failures_total{name=cycle}":            0,
		"zothuis_database_writable{}":                                  1,
	})
	daemonSeries := map[string]float64{}
	for k, v := range got {
		for _, p := range []string{"zothuis_job_last_run_success", "zothuis_job_consecutive_failures",
			"zothuis_job_unrecorded_failures_total", "zothuis_database_writable", "zothuis_source_refusals_total",
			"zothuis_source_last_refusal_timestamp_seconds"} {
			if strings.HasPrefix(k, p+"{") {
				daemonSeries[k] = v
			}
		}
	}
	if diff := cmp.Diff(want, daemonSeries); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
