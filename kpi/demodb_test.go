package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

// demoOptions are the flags of `zothuis demo` that shape its data.
type demoOptions struct {
	youths   int
	seed     uint64
	from, to string // YYYY-MM, inclusive
}

// demoNow is a fixed day in the month after demoOptions.to for the demos
// of the tests, so the latest complete month is 2026-11 whatever the
// calendar says.
var demoNow = time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)

// The demo databases of this test binary, built once per options: the
// default demo takes tens of seconds, and several tests read it.
var demos = struct {
	sync.Mutex
	dir   string // removed by TestMain
	built map[demoOptions]*demoBuild
}{built: map[demoOptions]*demoBuild{}}

type demoBuild struct {
	once sync.Once
	db   *sql.DB
	span Span
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	demos.Lock()
	for _, b := range demos.built {
		if b.db != nil {
			b.db.Close()
		}
	}
	if demos.dir != "" {
		os.RemoveAll(demos.dir)
	}
	demos.Unlock()
	os.Exit(code)
}

// demoDB returns the working database of a demo as `zothuis demo` builds
// it (synth, pseudonymize, ingest every delivery, KPI history at
// demoNow) with the default configuration, and the span of its KPI
// history. The database is shared by the tests of this binary: read it,
// never write it.
func demoDB(t testing.TB, opt demoOptions) (*sql.DB, Span) {
	t.Helper()
	demos.Lock()
	if demos.dir == "" {
		dir, err := os.MkdirTemp("", "zothuis-kpi-demo-")
		if err != nil {
			demos.Unlock()
			t.Fatal(err)
		}
		demos.dir = dir
	}
	b := demos.built[opt]
	if b == nil {
		b = &demoBuild{}
		demos.built[opt] = b
	}
	dir := filepath.Join(demos.dir, fmt.Sprintf("%d-%d-%s-%s", opt.youths, opt.seed, opt.from, opt.to))
	demos.Unlock()
	b.once.Do(func() {
		start := time.Now()
		b.db, b.span, b.err = buildDemo(context.Background(), dir, opt)
		t.Logf("demo of %d youths (seed %d, %s to %s) built in %s", opt.youths, opt.seed, opt.from, opt.to, time.Since(start).Round(100*time.Millisecond))
	})
	if b.err != nil {
		t.Fatalf("demo %+v: %v", opt, b.err)
	}
	return b.db, b.span
}

func buildDemo(ctx context.Context, dir string, opt demoOptions) (*sql.DB, Span, error) {
	from, err := time.Parse("2006-01", opt.from)
	if err != nil {
		return nil, Span{}, err
	}
	to, err := time.Parse("2006-01", opt.to)
	if err != nil {
		return nil, Span{}, err
	}
	gen, err := synth.Generate(ctx, filepath.Join(dir, "raw"), synth.Options{Youths: opt.youths, Seed: opt.seed, From: from, To: to})
	if err != nil {
		return nil, Span{}, err
	}
	db, err := zsql.Open(ctx, filepath.Join(dir, "work.duckdb"))
	if err != nil {
		return nil, Span{}, err
	}
	fail := func(err error) (*sql.DB, Span, error) {
		db.Close()
		return nil, Span{}, err
	}
	sourceKey := []byte("kpi-demo-test-source-key-0123456789abcdef")
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("kpi-demo-test-research-key-0123456789abcdef")}
	for _, c := range ingest.Sources() {
		for _, rawPath := range gen.Files[c.Source] {
			delivery := filepath.Join(dir, "deliveries", c.Source, filepath.Base(rawPath))
			if err := pseudonymizeDemoFile(ctx, rawPath, delivery, pseudonymize.Options{Key: sourceKey, Contract: c}); err != nil {
				return fail(err)
			}
			if _, err := in.IngestFile(ctx, c, delivery); err != nil {
				return fail(err)
			}
		}
	}
	span, err := Refresh(ctx, db, config.Default(), demoNow)
	if err != nil {
		return fail(err)
	}
	return db, span, nil
}

func pseudonymizeDemoFile(ctx context.Context, rawPath, delivery string, opt pseudonymize.Options) error {
	if err := os.MkdirAll(filepath.Dir(delivery), 0o750); err != nil {
		return err
	}
	src, err := os.Open(rawPath)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(delivery)
	if err != nil {
		return err
	}
	_, err = pseudonymize.Transform(ctx, src, dst, opt)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}
