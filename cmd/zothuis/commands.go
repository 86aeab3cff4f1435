package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// command is one subcommand of zothuis.
type command struct {
	name    string
	args    string // synopsis of the arguments
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand writes to.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

func commands() []command {
	return []command{
		{"demo", "[--out DIR] [--youths N] [--seed S]", "synthetic data for both regions, then the full cycle", runDemo},
		{"synth", "--out DIR [--youths N] [--seed S] [--from YYYY-MM] [--to YYYY-MM]", "write synthetic raw source exports (with BSNs) for tests and demos", runSynth},
		{"pseudonymize", "--source NAME --key-file K IN OUT | IN... DIR", "source side: replace BSNs by source pseudonyms and generalise birth date and postcode", runPseudonymize},
		{"ingest", "--db DB --research-key-file K --source NAME FILE...", "land delivery files in the working database", runIngest},
		{"kpi", "--db DB --month YYYY-MM [--raw] [--format json|csv|table]", "KPI values of a report month, disclosure-controlled unless --raw", runKPI},
		{"publish", "--db DB --out DIR", "recompute the KPI history and publish the research snapshot DIR/research/zothuis.duckdb", runPublish},
		{"dashboard", "--db DB --out DIR [--month YYYY-MM] [--months N] [--config FILE]", "write the steering groups' HTML dashboard DIR/dashboard/ (read-only on the database)", runDashboard},
		{"run", "--config FILE", "one full cycle now: pull every source, ingest, KPIs, dashboard, research snapshot, metrics", runRun},
		{"serve", "--config FILE [--listen ADDR]", "the daemon: scheduled pulls and monthly cycles; /metrics, /healthz, /readyz and the dashboard", runServe},
		{"check-config", "--config FILE", "check a configuration file and the files it names; explain every problem", runCheckConfig},
		{"help", "[COMMAND]", "show help", nil},
	}
}

// run executes the command line and returns the exit status: 0 on
// success, 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil))}
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(rest) > 0 {
			if c, ok := lookup(rest[0]); ok && c.run != nil {
				c.run(ctx, e, []string{"-h"})
				return 0
			}
			fmt.Fprintf(stderr, "zothuis help: unknown command %q\n", rest[0])
			return 2
		}
		printHelp(stdout)
		return 0
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "zothuis: unknown command %q\n\n", name)
		printHelp(stderr)
		return 2
	}
	err := c.run(ctx, e, rest)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "zothuis %s: %v\nusage: zothuis %s %s\n", c.name, err, c.name, c.args)
		return 2
	default:
		fmt.Fprintf(stderr, "zothuis %s: %v\n", c.name, err)
		return 1
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "zothuis — Zo Thuis Monitor: youth-care sources linked in DuckDB, KPIs toward the 2027 targets.")
	fmt.Fprintln(w, "\nUsage: zothuis COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"zothuis help COMMAND\" for a command's flags. Exit status: 0 success, 1 failure, 2 usage error.")
}

// newFlags returns a flag set for the command name. Help goes to stdout;
// parse errors become usage errors (exit status 2).
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("zothuis "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	c, _ := lookup(name)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "usage: zothuis %s %s\n\n%s\n\nFlags:\n", c.name, c.args, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{err.Error()}
	}
	return err
}

// required reports empty required flags as a usage error.
func required(flags map[string]string) error {
	var missing []string
	for name, v := range flags {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	return nil
}
