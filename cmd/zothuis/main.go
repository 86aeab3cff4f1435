// Command zothuis is the Zo Thuis Monitor: it pseudonymises and ingests the
// youth-care sources of the northern Dutch regions, links them per youth in
// DuckDB and publishes the research snapshot. Run "zothuis help".
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// Every file the pipeline writes holds person-level data or keys:
	// group-readable at most.
	syscall.Umask(0o027)
	gcPercent()
	// SIGINT and SIGTERM cancel ctx: the command stops and closes the
	// database. SIGHUP depends on the command (see run and serve).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stopOnHangup returns a context that is also cancelled by SIGHUP, for the
// one-shot commands: without a handler SIGHUP would kill the process in
// the middle of a write, with no log line. When SIGHUP was ignored at
// start (nohup), it stays ignored: subscribing would undo that.
func stopOnHangup(ctx context.Context) (context.Context, context.CancelFunc) {
	if signal.Ignored(syscall.SIGHUP) {
		return context.WithCancel(ctx)
	}
	return signal.NotifyContext(ctx, syscall.SIGHUP)
}

// gcPercent sets the Go garbage collector to run when the heap has grown by
// 400 % instead of 100 %, unless GOGC is set. The Go heap stays small (the
// data lives in DuckDB and streams through), so at the default the
// collector ran every few megabytes while ingest and pseudonymize allocate
// per row: a tenth of their CPU at national scale (BENCHMARKS.md), for
// tens of megabytes more heap.
func gcPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
