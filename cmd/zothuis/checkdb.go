package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/zothuis/zothuis/config"
	zsql "github.com/zothuis/zothuis/sql"
)

// checkState looks at the working database and the folders the daemon
// writes, as the user check-config runs as (the unit runs it as the
// daemon's user before each start): problems stop a start that would
// fail or restart-loop; notes say what the start will do.
func checkState(ctx context.Context, cfg *config.Config) (problems, notes []string) {
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	db := cfg.Paths.Database
	// DuckDB writes the file, its WAL beside it and temporary files in
	// the folder; a file it cannot write fails the first job, not the
	// start.
	if _, err := os.Stat(db); err == nil {
		writable(db, "paths.database", add)
		if _, err := os.Stat(db + ".wal"); err == nil {
			writable(db+".wal", "paths.database's write-ahead log", add)
		}
		writable(filepath.Dir(db), "the folder of paths.database", add)
		problems, notes = schemaState(ctx, cfg, problems, notes)
	} else if errors.Is(err, os.ErrNotExist) {
		notes = append(notes, fmt.Sprintf("database %s does not exist yet; the first start makes it", db))
		creatable(filepath.Dir(db), "the folder of paths.database", add)
	} else {
		add("paths.database: %v", err)
	}
	for _, f := range []struct{ what, path string }{
		{"paths.out", cfg.Paths.Out},
		{"paths.spool", cfg.Paths.Spool},
		{"paths.backups", backupDir(cfg)},
	} {
		creatable(f.path, f.what, add)
	}
	return problems, notes
}

// schemaState compares the database's schema version with this
// program's.
func schemaState(ctx context.Context, cfg *config.Config, problems, notes []string) ([]string, []string) {
	ms, err := zsql.Migrations()
	if err != nil {
		return append(problems, err.Error()), notes
	}
	db, err := zsql.OpenReadOnlyAnyVersion(ctx, cfg.Paths.Database)
	if err != nil {
		// A running daemon holds the file; nothing to say then about
		// its version.
		return problems, append(notes, fmt.Sprintf("schema version not checked: the database does not open (is the daemon running?): %v", err))
	}
	defer db.Close()
	v, err := zsql.SchemaVersion(ctx, db)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("paths.database: %v", err))
	case v > len(ms):
		problems = append(problems, fmt.Sprintf("paths.database %s is at schema version %d, this zothuis knows %d: a newer zothuis wrote it; install that version again (or restore the backup taken before the upgrade)",
			cfg.Paths.Database, v, len(ms)))
	case v < len(ms) && v > 0:
		notes = append(notes, fmt.Sprintf("database at schema version %d; the start migrates it to %d after a backup into %s", v, len(ms), backupDir(cfg)))
	}
	return problems, notes
}

// writable reports a path the process may not write.
func writable(path, what string, add func(string, ...any)) {
	if err := unix.Access(path, unix.W_OK); err != nil {
		add("%s %s is not writable: %v", what, path, err)
	}
}

// creatable reports a folder that exists but may not be written, or
// does not exist and may not be made.
func creatable(dir, what string, add func(string, ...any)) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			writable(d, what+" ("+dir+")", add)
			return
		}
		if filepath.Dir(d) == d {
			return
		}
	}
}
