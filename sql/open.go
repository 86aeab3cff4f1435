package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"os"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver
)

// Open opens (or creates) the working DuckDB database at path and migrates
// it to the current schema. The caller closes it.
func Open(ctx context.Context, path string) (*dbsql.DB, error) {
	db, err := dbsql.Open("duckdb", path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The file is person-level data: take away group write and all access
	// for others, whatever the umask was; never widen a stricter mode.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o027 != 0 {
		if err := os.Chmod(path, fi.Mode().Perm()&^0o027); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	return db, nil
}
