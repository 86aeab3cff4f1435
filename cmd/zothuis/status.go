package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/schedules"
	zsql "github.com/zothuis/zothuis/sql"
)

// statusFormat is how zothuis status prints.
type statusFormat string

const (
	statusTable statusFormat = "table"
	statusJSON  statusFormat = "json"
)

// adminTimeout bounds a status request or a trigger: both answer at once.
const adminTimeout = 30 * time.Second

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status")
	cfgPath := fs.String("config", "", "configuration `file` of the daemon")
	format := fs.String("format", string(statusTable), "output `format`: table or json")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath}); err != nil {
		return err
	}
	f := statusFormat(*format)
	if f != statusTable && f != statusJSON {
		return usagef("--format %q: want table or json", *format)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, note, err := readDaemonStatus(ctx, cfg)
	if err != nil {
		return err
	}
	if f == statusJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(e.stdout, st, note)
	return nil
}

// readDaemonStatus asks the daemon of cfg for its status; when none
// answers, it reads the database file itself, and note says so.
func readDaemonStatus(ctx context.Context, cfg *config.Config) (st schedules.Status, note string, err error) {
	actx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	body, aerr := adminGet(actx, cfg, adminStatusPath)
	var nd *noDaemonError
	var ae *adminError
	switch {
	case aerr == nil:
		if err := json.Unmarshal(body, &st); err != nil {
			return st, "", fmt.Errorf("the daemon's status: %w", err)
		}
		return st, "from the daemon at " + cfg.AdminListen, nil
	case errors.As(aerr, &nd):
		note = "the daemon is not running; read from the database file"
	case errors.Is(aerr, errAdminOff):
		note = `admin_listen is ""; read from the database file`
	case errors.As(aerr, &ae) && ae.Code == http.StatusMisdirectedRequest:
		note = "a daemon of another configuration answers at admin_listen; read from the database file"
	default:
		return st, "", aerr
	}
	st, err = statusFromFile(ctx, cfg)
	if err != nil {
		return st, "", fmt.Errorf("%w; reading the database instead: %w", aerr, err)
	}
	return st, note, nil
}

// statusFromFile reads the status from the working database, read-only:
// it works only while no daemon holds the file.
func statusFromFile(ctx context.Context, cfg *config.Config) (schedules.Status, error) {
	db, err := zsql.OpenReadOnly(ctx, cfg.Paths.Database)
	if err != nil {
		return schedules.Status{}, err
	}
	defer db.Close()
	return schedules.ReadStatus(ctx, db, cfg, cfg.Paths.Database, time.Now()), nil
}

// printStatus writes st as tables, times in the region's zone.
func printStatus(w io.Writer, st schedules.Status, note string) {
	loc, err := time.LoadLocation(config.Zone)
	if err != nil {
		loc = time.Local
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	daemon := "not running"
	if st.Daemon {
		daemon = "running"
	}
	fmt.Fprintf(w, "daemon:   %s (%s)\n", daemon, note)
	fmt.Fprintf(w, "database: %s, schema version %d\n", st.Database.Path, st.Database.SchemaVersion)
	if st.Database.Unwritable != "" {
		fmt.Fprintf(w, "          NOT WRITABLE: %s\n", st.Database.Unwritable)
	}
	if st.Database.ReadError != "" {
		fmt.Fprintf(w, "          could not read the tables: %s\n", st.Database.ReadError)
	}
	fmt.Fprintf(w, "times in %s\n\n", loc)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE\tNEXT RUN\tRUNNING SINCE\tLAST RUN\tSTATUS\tROWS\tFAILURES IN A ROW")
	var errs []string
	for _, j := range st.Jobs {
		running := "-"
		if j.Running {
			running = at(j.RunningSince)
		}
		last, status, rows := "-", "never ran", "-"
		if r := j.LastRun; r != nil {
			last, status, rows = at(r.Started), r.Status, fmt.Sprint(r.Rows)
			if r.Error != "" {
				errs = append(errs, fmt.Sprintf("%s, run %d: %s", j.Name, r.ID, r.Error))
			}
		}
		failures := fmt.Sprint(j.ConsecutiveFailures)
		if j.UnrecordedFailures > 0 {
			failures += fmt.Sprintf(" (%d not in job_runs)", j.UnrecordedFailures)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Schedule, at(j.NextRun), running, last, status, rows, failures)
	}
	tw.Flush()
	for _, e := range errs {
		fmt.Fprintf(w, "  error of %s\n", e)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(tw, "SOURCE\tKIND\tLAST ACCEPTED DELIVERY\tFILE\tSTALE AFTER\tSTALE")
	for _, s := range st.Sources {
		stale := "no"
		if s.Stale {
			stale = "STALE"
		}
		file := s.LastFile
		if file == "" {
			file = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Source, at(s.LastDelivery), file, days(s.StaleAfter), stale)
	}
	tw.Flush()

	fmt.Fprintln(w)
	if len(st.RefusalCounts) > 0 {
		var parts []string
		for _, c := range st.RefusalCounts {
			parts = append(parts, fmt.Sprintf("%s/%s %d (last %s)", c.Source, c.Reason, c.Files, at(c.Last)))
		}
		fmt.Fprintf(w, "refused since the daemon started: %s\n", strings.Join(parts, ", "))
	}
	if len(st.Refusals) == 0 {
		fmt.Fprintln(w, "no refused deliveries")
		return
	}
	fmt.Fprintf(w, "latest refused deliveries (at most %d):\n", schedules.RefusalsShown)
	fmt.Fprintln(tw, "REFUSED AT\tSOURCE\tFILE\tREASON")
	for _, r := range st.Refusals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", at(r.RefusedAt), r.Source, r.File, r.Reason)
	}
	tw.Flush()
}

// days writes a Go duration of whole days as days ("35d"), as operators
// think of stale_after; any other as it is.
func days(d string) string {
	v, err := time.ParseDuration(d)
	if err != nil || v <= 0 || v%(24*time.Hour) != 0 {
		return d
	}
	return fmt.Sprintf("%dd", v/(24*time.Hour))
}

func runTrigger(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "trigger")
	cfgPath := fs.String("config", "", "configuration `file` of the daemon")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"config": *cfgPath}); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one job, such as cycle or pull:jgz (zothuis status lists them)")
	}
	job := fs.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	body, err := adminPost(actx, cfg, adminJobRunPath(job))
	var nd *noDaemonError
	var ae *adminError
	switch {
	case errors.As(err, &nd):
		return fmt.Errorf("%w; zothuis run --config %s runs every job once without it", err, *cfgPath)
	case errors.As(err, &ae) && len(ae.Reply.Jobs) > 0:
		return fmt.Errorf("%w; the jobs are %s", err, strings.Join(ae.Reply.Jobs, ", "))
	case err != nil:
		return err
	}
	var reply adminReply
	if err := json.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("the daemon's answer: %w", err)
	}
	fmt.Fprintf(e.stdout, "%s triggered; it runs now (zothuis status --config %s shows it)\n", reply.Job, *cfgPath)
	return nil
}
