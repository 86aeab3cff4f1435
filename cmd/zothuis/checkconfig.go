package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/kpi"
)

func runCheckConfig(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check-config")
	cfgPath := fs.String("config", "", "configuration `file`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"config": *cfgPath}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	cfg, err := config.Load(*cfgPath)
	if err == nil {
		err = kpi.CheckConfig(cfg)
	}
	var problems config.Problems
	if errors.As(err, &problems) {
		fmt.Fprintf(e.stderr, "%s is not valid:\n", *cfgPath)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "  - %s\n", p)
		}
		return fmt.Errorf("%d problems", len(problems))
	}
	if err != nil {
		return err
	}
	if problems := cfg.Check(); len(problems) > 0 {
		fmt.Fprintf(e.stderr, "%s is valid, but the files it names have problems:\n", *cfgPath)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "  - %s\n", p)
		}
		return fmt.Errorf("%d problems", len(problems))
	}
	fmt.Fprintf(e.stdout, "%s: OK: %d sources, %d regions; database %s; outputs in %s; listening on %s\n",
		*cfgPath, len(cfg.Sources), len(cfg.Regions), cfg.Paths.Database, cfg.Paths.Out, cfg.Listen)
	return nil
}
