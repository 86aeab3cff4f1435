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
	log            *slog.Logger // on stderr, as --log-level and --log-format say
	logOpts        logOptions
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
		{"backup", "--config FILE", "write a consistent copy of the working database into the backups folder (asks the daemon when one runs)", runBackup},
		{"restore", "--config FILE --from FILE", "make a new working database from a backup or a research snapshot; the daemon must be stopped", runRestore},
		{"check-config", "--config FILE", "check a configuration file and the files it names; explain every problem", runCheckConfig},
		{"status", "--config FILE [--format table|json]", "jobs, their latest runs, refusals and sources' freshness; asks the daemon, or reads the database when none runs", runStatus},
		{"trigger", "--config FILE JOB", "run a job of the daemon now, such as cycle or pull:jgz (loopback administration address)", runTrigger},
		{"version", "", "print the version", runVersion},
		{"help", "[COMMAND]", "show help", nil},
	}
}

// run executes the command line and returns the exit status: 0 on
// success, 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	e.log = newLogger(stderr, e.logOpts)
	// Global options come before the command, as with the go command.
	global := flag.NewFlagSet("zothuis", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	e.logFlags(global)
	showVersion := global.Bool("version", false, "print the version")
	var showHelp bool
	global.BoolVar(&showHelp, "h", false, "show help")
	global.BoolVar(&showHelp, "help", false, "show help")
	if err := global.Parse(args); err != nil {
		fmt.Fprintf(stderr, "zothuis: %v\n\n", err)
		printHelp(stderr)
		return 2
	}
	if *showVersion {
		printVersion(e)
		return 0
	}
	args = global.Args()
	if showHelp {
		args = append([]string{"help"}, args...)
	}
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" {
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
	// serve reloads its configuration on SIGHUP (serve.go). Any other
	// command is one-shot: a hangup (its terminal closed) stops it as
	// SIGINT does, so it closes the database instead of dying in a write.
	if c.name != "serve" {
		var stop context.CancelFunc
		ctx, stop = stopOnHangup(ctx)
		defer stop()
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
	fmt.Fprintln(w, "\nUsage: zothuis COMMAND [flags] [args]\n       zothuis [global options] COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Global options, before the command (the log options are also taken among a command's flags):
  --log-level LEVEL    debug, info, warn or error (default info)
  --log-format FORMAT  text, key=value lines (default), or json, one object per line for log collectors
  --version            print the version, as "zothuis version"
Logs go to stderr; results go to stdout.

Signals: SIGINT and SIGTERM stop a command (serve cuts a pull's download, lets a
landing and the cycle under way finish);
SIGHUP makes serve reload its configuration and key files, and stops any other command
(unless started under nohup).
`)
	fmt.Fprintln(w, "\nRun \"zothuis help COMMAND\" for a command's flags. Exit status: 0 success, 1 failure, 2 usage error.")
}

// newFlags returns a flag set for the command name. Help goes to stdout;
// parse errors become usage errors (exit status 2).
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("zothuis "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by run
	e.logFlags(fs)
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

// parseArgs parses args, reports the flags of req left empty and any
// positional argument as usage errors: what every command without
// positional arguments checks first.
func parseArgs(fs *flag.FlagSet, args []string, req map[string]*string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(req) > 0 {
		vals := make(map[string]string, len(req))
		for name, v := range req {
			vals[name] = *v
		}
		if err := required(vals); err != nil {
			return err
		}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	return nil
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
