package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/pseudonymize"
)

// checkSemantics checks what package config leaves to the packages that
// know (config holds data and syntax only, without DuckDB and Arrow): the
// source kinds ingest reads, the KPIs with targets.
func checkSemantics(cfg *config.Config) error {
	var problems config.Problems
	for _, s := range cfg.Sources {
		if s.Source == "" {
			continue // config says so
		}
		if _, err := ingest.Source(s.Source); err != nil {
			problems = append(problems, fmt.Sprintf("source %q: %v", s.Name, err))
		}
	}
	if len(problems) > 0 {
		return problems
	}
	return kpi.CheckConfig(cfg)
}

// checkFiles is config's check of the files the configuration names,
// with the research key's length, which is pseudonymize's to judge.
func checkFiles(cfg *config.Config) []string {
	problems := cfg.Check()
	if cfg.ResearchKeyFile != "" {
		if _, err := pseudonymize.LoadKey(cfg.ResearchKeyFile); errors.Is(err, pseudonymize.ErrKeyTooShort) {
			problems = append(problems, fmt.Sprintf("research_key_file: %v", err))
		}
	}
	return problems
}

func runCheckConfig(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check-config")
	cfgPath := fs.String("config", "", "configuration `file`")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath}); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err == nil {
		err = checkSemantics(cfg)
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
	problems = checkFiles(cfg)
	state, notes := checkState(ctx, cfg)
	problems = append(problems, state...)
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "%s is valid, but the files it names have problems:\n", *cfgPath)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "  - %s\n", p)
		}
		return fmt.Errorf("%d problems", len(problems))
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	fmt.Fprintf(e.stdout, "%s: OK: %d sources, %d regions; database %s; outputs in %s; listening on %s\n",
		*cfgPath, len(cfg.Sources), len(cfg.Regions), cfg.Paths.Database, cfg.Paths.Out, cfg.Listen)
	return nil
}
