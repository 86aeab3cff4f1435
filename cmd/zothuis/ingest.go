package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	zsql "github.com/zothuis/zothuis/sql"
)

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ingest")
	dbPath := fs.String("db", "", "working DuckDB `file` (created when missing)")
	keyFile := fs.String("research-key-file", "", "`file` holding the pipeline's research key (at least 32 bytes)")
	source := fs.String("source", "", "source `name`: jgz, verzuim, toegang or jzplus")
	cfgPath := fs.String("config", "", "configuration `file` for the KPI history (regions, targets); SPEC defaults when empty")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"db": *dbPath, "research-key-file": *keyFile, "source": *source}); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no delivery files given")
	}
	c, key, err := sourceAndKey(*source, *keyFile)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	db, err := zsql.OpenWith(ctx, *dbPath, zsql.Options{Log: e.log})
	if err != nil {
		return err
	}
	defer db.Close()
	in := &ingest.Ingester{DB: db, ResearchKey: key}
	failed, landed := 0, 0
	err = zsql.Loading(ctx, db, func(l zsql.Load) error {
		for _, path := range fs.Args() {
			res, roomier, err := zsql.Land(ctx, l, func() (ingest.Result, error) {
				return in.IngestFile(ctx, c, path)
			})
			if roomier {
				fmt.Fprintf(e.stderr, "zothuis ingest: %s ran out of memory under %s and was tried again under %s\n", path, zsql.LoadingMemoryLimit, zsql.MemoryLimit)
			}
			if err != nil {
				if !errors.Is(err, ingest.ErrRefused) {
					return err // the database is in trouble: stop
				}
				failed++
				fmt.Fprintf(e.stderr, "zothuis ingest: %v; nothing of it landed\n", err)
				continue
			}
			fmt.Fprintln(e.stdout, describe(res))
			if res.DuplicateOf == 0 {
				landed++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if landed > 0 {
		// New data: the KPI history follows it.
		if _, err := kpi.Refresh(ctx, db, cfg, time.Now()); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files refused", failed, fs.NArg())
	}
	return nil
}

// describe is the one line per file that ingest prints.
func describe(r ingest.Result) string {
	if r.DuplicateOf != 0 {
		return fmt.Sprintf("%s: %s: already landed as delivery %d; nothing changed", r.File, r.Source, r.DuplicateOf)
	}
	return fmt.Sprintf("%s: %s: %d rows accepted, %d rejected to quarantine (delivery %d)", r.File, r.Source, r.Accepted, r.Quarantined, r.DeliveryID)
}
