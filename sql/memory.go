package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// MemoryLimit caps the memory DuckDB takes for a database opened here;
// beyond it DuckDB spills to a temporary folder beside the file (as
// protected as the file). DuckDB's default, 80 % of the RAM, would let a
// national-scale cycle grow with its input. At 3.5 M youths a 2 GB cap
// let the snapshot peak at 2.7-3.2 GiB and the KPI history at 2 GiB
// (BENCHMARKS.md, change 21); with DuckDB 1.5, 256 MB holds the KPI
// history at 0.48 GiB, the dashboard at 0.40 and the snapshot at 0.52
// instead of 0.67, 0.63 and 0.64 at 512 MB, in the same time (change
// 22). 192 MB is too little: the snapshot's export ran out of memory at
// 3.5 M youths. Loading lowers it while deliveries land.
const MemoryLimit = "256MB"

// LoadingMemoryLimit is the cap while deliveries land (Loading). Ingest's
// statements hold one delivery at a time, and its resident memory above
// the cap is mostly freed pages the allocator keeps (below), which grow
// with the cap: 128 MB held JGZ ingest at 3.5 M youths at 391-414 MiB
// against 593-633 MiB at 256 MB, in about the same time; a delivery of
// two years in one file (13.6 M lines) still landed, at 363 MiB
// (BENCHMARKS.md, change 24).
const LoadingMemoryLimit = "128MB"

// DuckDB's Linux library allocates through its own jemalloc, which keeps
// freed pages for a decay time (DuckDB sets 1 s) before it returns them
// to the system. Ingest gains from that: its hash tables and blocks grow
// step by step and reuse the pages at once; returning them at once costs
// ingest 1.3-1.6 × its time. The queries that follow (KPI history,
// dashboard, snapshot) do not, and there the kept pages are what made the
// peak grow with the input: at 3.5 M youths the snapshot peaked at
// 445-592 MiB with them, 372-378 MiB without, for 1.2-1.45 × its time.
// So the pages are kept while loading and returned at once otherwise.
// The setting belongs to the process, not to a database: the last caller
// wins, which at worst changes memory or time, never a result.

// Loading runs fn, which lands deliveries in db through the Load it is
// given, with DuckDB's memory set for loading (LoadingMemoryLimit; freed
// pages kept for reuse), then sets it back for queries (MemoryLimit;
// freed pages returned at once), also when fn fails or ctx ends. Callers
// hold db's writer side: two Loading calls on one database do not
// overlap.
func Loading(ctx context.Context, db *dbsql.DB, fn func(Load) error) (err error) {
	if err := setMemory(ctx, db, LoadingMemoryLimit, true); err != nil {
		return fmt.Errorf("memory for loading: %w", err)
	}
	defer func() {
		// Set back whatever ctx says: the database stays open for queries.
		if rerr := setMemory(context.WithoutCancel(ctx), db, MemoryLimit, false); rerr != nil {
			err = errors.Join(err, fmt.Errorf("memory for queries: %w", rerr))
		}
	}()
	return fn(Load{db: db})
}

// Load is a database set for loading, within Loading.
type Load struct{ db *dbsql.DB }

// Land runs land, which lands one delivery in a transaction of its own,
// within l, and returns what land returns. When DuckDB runs out of memory
// in it under LoadingMemoryLimit, Land runs it once more under
// MemoryLimit (the failed try was rolled back) and reports that it did
// (roomier), so that a delivery larger than any measured lands a little
// slower instead of failing every pull.
func Land[T any](ctx context.Context, l Load, land func() (T, error)) (_ T, roomier bool, err error) {
	return withMoreRoom(ctx, l.db, LoadingMemoryLimit, MemoryLimit, land)
}

// RoomierMemoryLimit is the cap a query gets for its second try when it
// ran out of memory under MemoryLimit (Roomier). At 3.5 M youths the
// snapshot's export did so once in seven runs of one day and never
// before (BENCHMARKS.md, change 25): DuckDB's spilling leaves some memory
// it cannot spill, and how much varies from run to run.
const RoomierMemoryLimit = "512MB"

// Execer runs a statement: a *sql.DB or a *sql.Conn. A memory limit set
// through either holds for the whole database instance.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (dbsql.Result, error)
}

// Roomier runs query on db, a database opened here, and returns what it
// returns; query must leave nothing behind when it fails (a statement in
// autocommit, or a transaction rolled back). When DuckDB runs out of
// memory in it under MemoryLimit, Roomier runs it once more under
// RoomierMemoryLimit, sets MemoryLimit back and reports that it did
// (roomier), so that a monthly job near the cap finishes, with a larger
// peak that once, instead of paging operations.
func Roomier[T any](ctx context.Context, db Execer, query func() (T, error)) (_ T, roomier bool, err error) {
	return withMoreRoom(ctx, db, MemoryLimit, RoomierMemoryLimit, query)
}

// withMoreRoom runs fn under db's limit from; when DuckDB runs out of
// memory in it, it runs fn once more under the limit to and sets from
// back, whatever ctx says.
func withMoreRoom[T any](ctx context.Context, db Execer, from, to string, fn func() (T, error)) (_ T, roomier bool, err error) {
	res, err := fn()
	if !OutOfMemory(err) {
		return res, false, err
	}
	if serr := setLimit(ctx, db, to); serr != nil {
		return res, false, errors.Join(err, serr)
	}
	res, err = fn()
	if serr := setLimit(context.WithoutCancel(ctx), db, from); serr != nil {
		err = errors.Join(err, serr)
	}
	return res, true, err
}

// OutOfMemory reports whether err is DuckDB running out of memory.
func OutOfMemory(err error) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfMemory
}

// setMemory sets db's memory limit and whether the process's allocator
// keeps freed pages (DuckDB's own decay time) or returns them at once.
func setMemory(ctx context.Context, db *dbsql.DB, limit string, keepFreed bool) error {
	if err := setLimit(ctx, db, limit); err != nil {
		return err
	}
	return keepFreedPages(keepFreed)
}

// setLimit sets db's memory limit.
func setLimit(ctx context.Context, db Execer, limit string) error {
	_, err := db.ExecContext(ctx, "SET memory_limit = '"+limit+"'")
	return err
}

// connect opens the DuckDB database at path with the queries' memory
// settings: MemoryLimit, and freed pages returned at once (see Loading).
func connect(path string, readOnly bool) (*dbsql.DB, error) {
	if err := keepFreedPages(false); err != nil {
		return nil, err
	}
	dsn := path + "?memory_limit=" + MemoryLimit
	if readOnly {
		dsn = path + "?access_mode=read_only&memory_limit=" + MemoryLimit
	}
	return dbsql.Open("duckdb", dsn)
}
