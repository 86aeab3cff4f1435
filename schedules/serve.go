package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/kpi"
)

// Start schedules every job and, when the cycle of the latest closed
// month has not succeeded yet (the daemon was down when it was due, or it
// failed), runs it now. stop cancels the waits between retries and the
// pulls' downloads (a hanging server must not hold up SIGTERM); the
// cycle and a landing under way finish. Call Stop to end.
func (d *Daemon) Start(stop context.Context) error {
	if n, err := d.runs.interrupted(stop); err != nil {
		return err
	} else if n > 0 {
		d.log.Warn("runs interrupted by the end of an earlier process, marked failed", "runs", n)
	}
	loc, err := time.LoadLocation(config.Zone)
	if err != nil {
		return fmt.Errorf("schedules: %w", err)
	}
	logger := cronLogger{log: d.log}
	d.cron = cron.New(cron.WithLocation(loc), cron.WithLogger(logger))
	jobCtx := context.WithoutCancel(stop)
	add := func(job, expr string, fn func(ctx context.Context) error) error {
		s, err := config.ParseSchedule(expr)
		if err != nil {
			return fmt.Errorf("job %s: %w", job, err)
		}
		// The skip guard outside Recover: a panic must not leave the
		// guard believing the job still runs.
		wrapped := cron.NewChain(
			skipIfStillRunning(func() { d.skipped(job) }),
			cron.Recover(logger),
		).Then(cron.FuncJob(func() { d.retry(jobCtx, stop, job, fn) }))
		d.jobs[job] = wrapped
		d.cron.Schedule(s, wrapped)
		return nil
	}
	for _, s := range d.cfg.Sources {
		name := s.Name
		if err := add(PullJob(name), s.Schedule, func(context.Context) error {
			// stop, not the job's context: it must reach a blocked download.
			_, err := d.Pull(stop, name)
			return err
		}); err != nil {
			return err
		}
	}
	if err := add(CycleJob, d.cfg.Cycle.Schedule, func(ctx context.Context) error {
		_, err := d.Cycle(ctx)
		return err
	}); err != nil {
		return err
	}
	due, err := d.cycleDue(stop)
	if err != nil {
		return err
	}
	d.cron.Start()
	if due {
		d.log.Info("catching up the monthly cycle missed while the daemon was down")
		d.active.Add(1)
		go func() {
			defer d.active.Done()
			d.jobs[CycleJob].Run()
		}()
	}
	return nil
}

// Trigger runs the named job now, through the same guard as its schedule:
// if it is still running, the trigger is skipped and recorded.
func (d *Daemon) Trigger(job string) error {
	j, ok := d.jobs[job]
	if !ok {
		return fmt.Errorf("no job %q", job)
	}
	d.active.Add(1)
	go func() {
		defer d.active.Done()
		j.Run()
	}()
	return nil
}

// Stop stops the schedules and waits for the jobs under way to finish.
func (d *Daemon) Stop() {
	if d.cron != nil {
		<-d.cron.Stop().Done()
	}
	d.active.Wait()
}

// cycleDue reports whether the cycle is to run at start: no successful
// cycle started since the latest month closed (the daemon was down when
// it was due), or the latest cycle failed or was cut off by the end of
// the process.
func (d *Daemon) cycleDue(ctx context.Context) (bool, error) {
	last, err := d.runs.lastSuccess(ctx, CycleJob)
	if err != nil {
		return false, err
	}
	if last.IsZero() || kpi.LatestCompleteMonth(last).Before(kpi.LatestCompleteMonth(d.now())) {
		return true, nil
	}
	status, err := d.runs.lastStatus(ctx, CycleJob)
	if err != nil {
		return false, err
	}
	return status == StatusFailed, nil
}

// retry runs fn up to the configured number of attempts with exponential
// backoff between them. The waits end early when stop is done; the runs
// themselves get ctx, which stop does not cancel.
func (d *Daemon) retry(ctx, stop context.Context, job string, fn func(ctx context.Context) error) {
	wait := d.cfg.Retry.Backoff
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return
		}
		if stop.Err() != nil {
			d.log.Warn("job stopped; it runs again at its next schedule", "job", job, "attempt", attempt, "err", err)
			return
		}
		if attempt >= d.cfg.Retry.Attempts {
			d.log.Error("job gave up", "job", job, "attempts", attempt, "err", err)
			return
		}
		d.log.Warn("job will be retried", "job", job, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-stop.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, d.cfg.Retry.MaxBackoff)
	}
}

// skipIfStillRunning runs the job unless a run of it is still under
// way, and calls skipped instead. Unlike cron.SkipIfStillRunning, which
// tells a skip only in a log message, it decides the skip itself, and a
// panic leaves it ready for the next run.
func skipIfStillRunning(skipped func()) cron.JobWrapper {
	return func(j cron.Job) cron.Job {
		idle := make(chan struct{}, 1)
		idle <- struct{}{}
		return cron.FuncJob(func() {
			select {
			case <-idle:
				defer func() { idle <- struct{}{} }()
				j.Run()
			default:
				skipped()
			}
		})
	}
}

// skipped records a trigger of job skipped while a run of it was under way.
func (d *Daemon) skipped(job string) {
	d.log.Warn("trigger skipped: the job is still running", "job", job)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.runs.skipped(ctx, job); err != nil {
		d.log.Error("run history", "job", job, "err", err)
	}
}

// cronLogger sends cron's own messages to slog: errors (such as a
// recovered panic) as errors, the rest at debug level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
