// Command zbench runs single stages of the zothuis pipeline, and their
// anchors, for bench/run.sh: one stage per process, so that
// /usr/bin/time -v reports the peak resident memory of that stage alone.
// It prints one line per stage: "stage NAME rows N seconds S".
//
// The stages that the zothuis command runs as a whole (pseudonymize,
// publish, kpi, dashboard) are timed through zothuis itself; zbench covers
// what zothuis does not offer on its own:
//
//	zbench hmac N                       raw HMAC-SHA256 over N 9-digit inputs (the pseudonymize anchor)
//	zbench duckcsv DB FILE...           DuckDB's CREATE TABLE AS SELECT * FROM read_csv per file (the ingest anchor)
//	zbench ingest DB KEYFILE SOURCE FILE...  ingest as zothuis ingest does, without the KPI refresh at its end
//	zbench history DB                   the KPI history recomputed in full (kpi.RefreshAll), as a first refresh does
//	zbench increment DB                 the KPI history brought up to date after new deliveries (kpi.Refresh, incremental)
//	zbench snapshot DB DIR              the research snapshot (snapshot.Publish) alone
//
// Arguments are positional: flags belong to cmd/zothuis. With
// ZBENCH_CPUPROFILE=FILE set, zbench writes a Go CPU profile of the stage
// to FILE (go tool pprof reads it), for finding where a stage's time goes.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
)

const usage = `usage:
  zbench hmac N
  zbench duckcsv DB FILE...
  zbench ingest DB KEYFILE SOURCE FILE...
  zbench history DB
  zbench increment DB
  zbench snapshot DB DIR`

func main() {
	// As cmd/zothuis does (its gcPercent), so stages cost here what they
	// cost there.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if path := os.Getenv("ZBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "zbench:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "zbench:", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "zbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	need := func(n int) error {
		if len(args)-1 < n {
			return errors.New(usage)
		}
		return nil
	}
	switch args[0] {
	case "hmac":
		if err := need(1); err != nil {
			return err
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return err
		}
		return rawHMAC(n)
	case "duckcsv":
		if err := need(2); err != nil {
			return err
		}
		return duckCSV(ctx, args[1], args[2:])
	case "ingest":
		if err := need(4); err != nil {
			return err
		}
		return ingestFiles(ctx, args[1], args[2], args[3], args[4:])
	case "history", "increment":
		if err := need(1); err != nil {
			return err
		}
		return history(ctx, args[1], args[0] == "increment")
	case "snapshot":
		if err := need(2); err != nil {
			return err
		}
		return publishSnapshot(ctx, args[1], args[2])
	}
	return errors.New(usage)
}

func report(stage string, rows int, d time.Duration) {
	fmt.Printf("stage %s rows %d seconds %.3f\n", stage, rows, d.Seconds())
}

// rawHMAC is the limit for pseudonymize: one core computing HMAC-SHA256
// over n distinct 9-digit strings with a reused keyed state, nothing else.
// The inputs are made up front, outside the timing.
func rawHMAC(n int) error {
	key := []byte("zbench-hmac-anchor-key-0123456789abcdef")
	in := make([]byte, 0, 9*n)
	for i := 0; i < n; i++ {
		in = fmt.Appendf(in, "%09d", (100000000+i*7919)%1000000000)
	}
	mac := hmac.New(sha256.New, key)
	var sum [sha256.Size]byte
	var sink byte
	start := time.Now()
	for i := 0; i < n; i++ {
		mac.Reset()
		mac.Write(in[9*i : 9*i+9])
		s := mac.Sum(sum[:0])
		sink ^= s[0]
	}
	d := time.Since(start)
	report("hmac", n, d)
	fmt.Fprintf(os.Stderr, "(checksum byte %d)\n", sink)
	return nil
}

// duckCSV is the limit for ingest: DuckDB loading each file with its own
// CSV reader into a new table, through the same Go driver and database
// settings ingest has (zsql.Loading), one transaction per file as ingest
// has.
func duckCSV(ctx context.Context, dbPath string, files []string) error {
	db, err := zsql.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rows := 0
	start := time.Now()
	err = zsql.Loading(ctx, db, func(zsql.Load) error {
		for i, f := range files {
			q := fmt.Sprintf("CREATE TABLE anchor_%d AS SELECT * FROM read_csv('%s')", i, strings.ReplaceAll(f, "'", "''"))
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			var n int
			if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM anchor_%d", i)).Scan(&n); err != nil {
				return err
			}
			rows += n
		}
		return nil
	})
	if err != nil {
		return err
	}
	report("duckcsv", rows, time.Since(start))
	return nil
}

// ingestFiles lands files as zothuis ingest does (Ingester.IngestFile per
// file under zsql.Loading), but leaves out the KPI refresh zothuis ingest
// runs at its end, so that ingest and KPI history are timed apart.
func ingestFiles(ctx context.Context, dbPath, keyFile, source string, files []string) error {
	key, err := pseudonymize.LoadKey(keyFile)
	if err != nil {
		return err
	}
	c, err := ingest.Source(source)
	if err != nil {
		return err
	}
	db, err := zsql.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	in := &ingest.Ingester{DB: db, ResearchKey: key}
	rows := 0
	start := time.Now()
	err = zsql.Loading(ctx, db, func(l zsql.Load) error {
		for _, f := range files {
			res, _, err := zsql.Land(ctx, l, func() (ingest.Result, error) {
				return in.IngestFile(ctx, c, f)
			})
			if err != nil {
				return err
			}
			rows += res.Rows
		}
		return nil
	})
	if err != nil {
		return err
	}
	report("ingest_"+source, rows, time.Since(start))
	return nil
}

func history(ctx context.Context, dbPath string, increment bool) error {
	db, err := zsql.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	refresh, stage := kpi.RefreshAll, "history"
	if increment {
		refresh, stage = kpi.Refresh, "increment_history"
	}
	start := time.Now()
	span, err := refresh(ctx, db, config.Default(), time.Now())
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("months recomputed %d\n", span.Recomputed)
	report(stage, countRows(ctx, db, "kpi_history"), d)
	return nil
}

func publishSnapshot(ctx context.Context, dbPath, dir string) error {
	db, err := zsql.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	// A second try with more memory is part of the stage's time; the
	// warning on stderr tells it in the stage's log.
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if _, err := snapshot.Publish(ctx, db, dir, snapshot.Options{Log: log}); err != nil {
		return err
	}
	report("snapshot", countRows(ctx, db, "jzplus"), time.Since(start))
	return nil
}

func countRows(ctx context.Context, db *sql.DB, table string) int {
	var n int
	db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	return n
}
