package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"os"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver
)

// MemoryLimit caps the memory DuckDB takes for a database opened here;
// beyond it DuckDB spills to a temporary folder beside the file (as
// protected as the file). DuckDB's default, 80 % of the RAM, would let a
// national-scale cycle grow with its input; at 1 M youths no stage needs
// more than about 0.9 GB, and a cap of 512 MB there cost no time
// (BENCHMARKS.md), so 2 GB keeps every stage well under the 4 GiB budget.
const MemoryLimit = "2GB"

// Open opens (or creates) the working DuckDB database at path and migrates
// it to the current schema. The caller closes it.
func Open(ctx context.Context, path string) (*dbsql.DB, error) {
	db, err := dbsql.Open("duckdb", path+"?memory_limit="+MemoryLimit)
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

// OpenReadOnly opens a database for reading only, as a researcher's client
// does, so it works on a published snapshot that others hold open. It does
// not migrate; a database of another schema version is refused.
func OpenReadOnly(ctx context.Context, path string) (*dbsql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := dbsql.Open("duckdb", path+"?access_mode=read_only&memory_limit="+MemoryLimit)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ms, err := Migrations()
	if err != nil {
		db.Close()
		return nil, err
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: not a zothuis database: %w", path, err)
	}
	if current != len(ms) {
		db.Close()
		return nil, fmt.Errorf("open %s: %w: database at schema version %d, this program knows %d", path, ErrSchemaVersion, current, len(ms))
	}
	return db, nil
}

// ErrSchemaVersion is returned by OpenReadOnly for a database of another
// schema version; a newer zothuis reads a newer one, and the next ingest
// migrates an older one.
var ErrSchemaVersion = errors.New("schema version differs")
