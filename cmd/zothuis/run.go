package main

import (
	"context"
	"errors"
	"fmt"
)

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	cfgPath := fs.String("config", "", "configuration `file`")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath}); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	p, err := openPipeline(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer p.Close()
	// Every source is pulled even when one fails; the cycle then
	// publishes what landed, and the run reports the failures.
	var errs []error
	for _, s := range cfg.Sources {
		res, err := p.daemon.Pull(ctx, s.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d files: %d landed (%d rows), %d already landed, %d refused\n",
			s.Name, res.Files, res.Landed, res.Rows, res.Duplicates, res.Refused)
	}
	month, err := p.daemon.Cycle(ctx)
	// The textfile tells node_exporter how the run went, failed or not.
	if path, terr := p.writeTextfile(e.log); terr != nil {
		errs = append(errs, terr)
	} else {
		fmt.Fprintln(e.stdout, "metrics:", path)
	}
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if month.IsZero() {
		fmt.Fprintln(e.stdout, "cycle: no complete 12-month window yet; research snapshot published, no KPIs")
	} else {
		fmt.Fprintf(e.stdout, "cycle: KPIs of %s published to %s\n", month.Format("2006-01"), cfg.Paths.Out)
	}
	return errors.Join(errs...)
}
