// Command zothuis is the Zo Thuis Monitor: it pseudonymises and ingests the
// youth-care sources of the northern Dutch regions, links them per youth in
// DuckDB and publishes the research snapshot. Run "zothuis help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Every file the pipeline writes holds person-level data or keys:
	// group-readable at most.
	syscall.Umask(0o027)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
