package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/pseudonymize/ijw"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

// demoMarker marks a folder as made by the demo, so that a rerun may clear
// it and nothing else.
const demoMarker = ".zothuis-demo"

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo")
	out := fs.String("out", "zothuis-demo", "output `folder`; cleared first if an earlier demo made it")
	sf := addSynthFlags(fs, time.Now())
	ijwGemeente := fs.String("ijw-gemeente", "GM0014", "`municipality` whose toegang beschikkingen arrive as iJw 3.2 JW301 messages (zips of XML), the rest as CSV; empty for CSV only")
	if err := parseArgs(fs, args, nil); err != nil {
		return err
	}
	opt, err := sf.options()
	if err != nil {
		return err
	}
	opt.IJWGemeente = *ijwGemeente
	start := time.Now()
	dir := *out
	if err := prepareDemoDir(dir); err != nil {
		return err
	}
	keys := filepath.Join(dir, "keys")
	sourceKeyPath, researchKeyPath := filepath.Join(keys, "source.key"), filepath.Join(keys, "research.key")
	for _, k := range []string{sourceKeyPath, researchKeyPath} {
		if err := pseudonymize.GenerateKey(k); err != nil {
			return err
		}
	}
	sourceKey, err := pseudonymize.LoadKey(sourceKeyPath)
	if err != nil {
		return err
	}
	cfgPath, err := writeDemoConfig(dir)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}

	fmt.Fprintf(e.stderr, "generating synthetic exports: %d youths, %s to %s, seed %d\n",
		opt.Youths, opt.From.Format("2006-01"), opt.To.Format("2006-01"), opt.Seed)
	raw := filepath.Join(dir, "raw")
	gen, err := synth.Generate(ctx, raw, opt)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}

	// The demo folder is a pipeline of its own: the configuration just
	// written, its working database and its daemon, as serve runs it.
	p, err := openPipeline(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer p.Close()
	db := p.db
	researchKey, err := pseudonymize.LoadKey(cfg.ResearchKeyFile)
	if err != nil {
		return err
	}
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey}

	type tally struct{ files, read, atSource, accepted, quarantined int }
	tallies := map[string]*tally{}
	fmt.Fprintln(e.stderr, "pseudonymising and ingesting deliveries")
	// Deliveries land with DuckDB's memory set for loading, as serve's
	// pulls do.
	err = zsql.Loading(ctx, db, func(l zsql.Load) error {
		for _, c := range ingest.Sources() {
			t := &tally{}
			tallies[c.Source] = t
			outDir := filepath.Join(dir, "deliveries", c.Source)
			if err := os.MkdirAll(outDir, 0o750); err != nil {
				return err
			}
			for _, rawPath := range gen.Files[c.Source] {
				delivery := filepath.Join(outDir, filepath.Base(rawPath))
				popt := pseudonymize.Options{Key: sourceKey, Contract: c}
				var st pseudonymize.Stats
				var err error
				if strings.HasSuffix(rawPath, ".zip") {
					// A municipality's iJw export: its messages become one
					// toegang delivery, as zothuis pseudonymize --format ijw
					// makes it.
					delivery = strings.TrimSuffix(delivery, ".zip") + ".csv"
					refused := 0
					st, _, err = ijwDelivery(ctx, []string{rawPath}, delivery, popt, func(*ijw.MessageError) { refused++ })
					st.Rejected += refused
				} else {
					st, err = pseudonymizeFile(ctx, rawPath, delivery, popt)
				}
				if err != nil {
					return err
				}
				res, _, err := zsql.Land(ctx, l, func() (ingest.Result, error) {
					return in.IngestFile(ctx, c, delivery)
				})
				if err != nil {
					return err
				}
				t.files++
				t.read += st.Rows
				t.atSource += st.Rejected
				t.accepted += res.Accepted
				t.quarantined += res.Quarantined
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	fmt.Fprintln(e.stderr, "running the monthly cycle: KPIs, dashboard, research snapshot, metrics")
	month, err := p.daemon.Cycle(ctx)
	if err != nil {
		return err
	}
	snap := filepath.Join(cfg.Paths.Out, "research", snapshot.FileName)
	textfile, err := p.writeTextfile(e.log)
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(e.stdout, "\nZo Thuis Monitor demo: %d synthetic youths, %s to %s\n\n", opt.Youths, opt.From.Format("2006-01"), opt.To.Format("2006-01"))
	fmt.Fprintln(w, "source\tfiles\traw rows\trejected at source\taccepted\tquarantined\t")
	for _, c := range ingest.Sources() {
		t := tallies[c.Source]
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t\n", c.Source, t.files, t.read, t.atSource, t.accepted, t.quarantined)
	}
	w.Flush()
	if err := printHeadline(ctx, e, db, cfg, month); err != nil {
		return err
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	if !month.IsZero() { // the cycle wrote it
		fmt.Fprintf(e.stdout, "\nDashboard:                          %s\n", abs(filepath.Join(cfg.Paths.Out, "dashboard", "index.html")))
	}
	fmt.Fprintf(e.stdout, "\nResearch snapshot (open read-only): %s\n", abs(snap))
	fmt.Fprintf(e.stdout, "Working database:                   %s\n", abs(filepath.Join(dir, "work", "zothuis.duckdb")))
	fmt.Fprintf(e.stdout, "Pseudonymised deliveries:           %s\n", abs(filepath.Join(dir, "deliveries")))
	fmt.Fprintf(e.stdout, "Keys (mode 0600):                   %s\n", abs(keys))
	fmt.Fprintf(e.stdout, "Metrics (node_exporter textfile):   %s\n", abs(textfile))
	fmt.Fprintf(e.stdout, "Configuration:                      %s\n", abs(cfgPath))
	fmt.Fprintf(e.stdout, "  run the daemon on it:             zothuis serve --config %s\n", abs(cfgPath))
	fmt.Fprintf(e.stdout, "Done in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// prepareDemoDir makes dir ready for a fresh demo: it clears a folder an
// earlier demo made, and refuses any other non-empty folder.
func prepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s is not empty and was not made by the demo; choose another --out", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	for _, sub := range []string{"", "keys", "work"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(dir, "keys"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by zothuis demo; cleared by the next demo\n"), 0o640)
}

// headline are the KPIs the demo shows per region.
var headline = []kpi.ID{kpi.Placements, kpi.SpoedShare, kpi.VACoverage, kpi.VATimely, kpi.AmbulantBefore,
	kpi.BeraadWithYouth, kpi.PerspectiveEducation, kpi.PerspectiveHousing, kpi.Occupancy}

// printHeadline prints the published headline KPIs of the latest complete
// month per region, as the steering groups would see them.
func printHeadline(ctx context.Context, e *env, db *sql.DB, cfg *config.Config, month time.Time) error {
	if month.IsZero() {
		fmt.Fprintln(e.stdout, "\nNo complete 12-month window yet: no KPIs.")
		return nil
	}
	rep, err := kpi.Load(ctx, db, month)
	if err != nil {
		return err
	}
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		return err
	}
	pub := kpi.Publish(rep, policy, cfg)
	fmt.Fprintf(e.stdout, "\nKPIs %s (placements started %s to %s), published values:\n", pub.Month.Format("2006-01"), pub.WindowStart.Format("2006-01-02"), pub.WindowEnd.Format("2006-01-02"))
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "kpi\t")
	for _, r := range cfg.Regions {
		fmt.Fprintf(w, "%s\t", r.Key)
	}
	fmt.Fprintln(w, "all\ttarget 2027\t")
	for _, id := range headline {
		fmt.Fprintf(w, "%s\t", id)
		cell := func(a kpi.Area) string {
			f, ok := pub.Get(id, a)
			switch {
			case !ok:
				return ""
			case f.Value != nil:
				return strconv.FormatFloat(*f.Value, 'f', -1, 64)
			case f.Reason == kpi.Small:
				return fmt.Sprintf("<%d", cfg.Disclosure.Threshold)
			}
			return "-"
		}
		for _, r := range cfg.Regions {
			fmt.Fprintf(w, "%s\t", cell(kpi.Area{Type: kpi.AreaRegion, Key: r.Key}))
		}
		tgt := ""
		if v, ok := kpi.Target(cfg, id); ok {
			tgt = strconv.FormatFloat(v, 'f', -1, 64)
		}
		fmt.Fprintf(w, "%s\t%s\t\n", cell(kpi.All()), tgt)
	}
	return w.Flush()
}
