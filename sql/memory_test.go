package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"
)

// openWork opens a new working database, closed when t ends.
func openWork(t *testing.T) *dbsql.DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openInMemory opens a database in memory under the cap limit, with one
// thread and one connection and no temporary folder, so that it cannot
// spill: what does not fit runs DuckDB out of memory.
func openInMemory(t *testing.T, limit string) *dbsql.DB {
	t.Helper()
	db, err := dbsql.Open("duckdb", "?memory_limit="+limit+"&threads=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(context.Background(), `SET temp_directory = ''`); err != nil {
		t.Fatal(err)
	}
	return db
}

// memoryLimit is db's cap as DuckDB shows it (in MiB).
func memoryLimit(t *testing.T, ctx context.Context, db *dbsql.DB) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// memoryState is what Loading and connect set: the database's cap as
// DuckDB shows it, and the allocator's decay times (new arenas' default,
// then arena 0's; dirty and muzzy, in ms).
type memoryState struct {
	Limit    string
	Defaults [2]int64
	Arena0   [2]int64
}

func readMemoryState(t *testing.T, ctx context.Context, db *dbsql.DB) memoryState {
	t.Helper()
	var s memoryState
	if err := db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&s.Limit); err != nil {
		t.Fatal(err)
	}
	d, a, ok, err := freedPagesDecay()
	if err != nil {
		t.Fatal(err)
	}
	// duckdb-go's Linux libraries link DuckDB's jemalloc: without it the
	// tuning would silently do nothing there.
	if !ok && runtime.GOOS == "linux" {
		t.Fatal("DuckDB's jemalloc (duckdb_je_mallctl) is not linked into this Linux build")
	}
	s.Defaults, s.Arena0 = d, a
	return s
}

func TestLoadingSetsMemoryAndSetsItBack(t *testing.T) {
	ctx := context.Background()
	db := openWork(t)
	// DuckDB shows the caps in MiB: 256 MB and 128 MB.
	queries := memoryState{Limit: "244.1 MiB"}
	if diff := cmp.Diff(queries, readMemoryState(t, ctx, db)); diff != "" {
		t.Errorf("after Open (-want +got):\n%s", diff)
	}
	_, _, ok, _ := freedPagesDecay()
	loading := memoryState{Limit: "122.0 MiB"}
	if ok {
		// DuckDB starts its jemalloc with 1 s for both.
		loading.Defaults, loading.Arena0 = [2]int64{1000, 1000}, [2]int64{1000, 1000}
	}
	boom := errors.New("boom")
	err := Loading(ctx, db, func(Load) error {
		if diff := cmp.Diff(loading, readMemoryState(t, ctx, db)); diff != "" {
			t.Errorf("while loading (-want +got):\n%s", diff)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Loading returned %v, want fn's error", err)
	}
	if diff := cmp.Diff(queries, readMemoryState(t, ctx, db)); diff != "" {
		t.Errorf("after a failed load (-want +got):\n%s", diff)
	}
	// A load cancelled midway sets the queries' memory back too.
	cctx, cancel := context.WithCancel(ctx)
	err = Loading(cctx, db, func(Load) error { cancel(); return cctx.Err() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Loading returned %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(queries, readMemoryState(t, ctx, db)); diff != "" {
		t.Errorf("after a cancelled load (-want +got):\n%s", diff)
	}
}

// TestQueriesReturnFreedPages checks what the setting is for: the pages a
// finished statement freed stay resident while loading and go back to
// the system when the queries' setting is made.
func TestQueriesReturnFreedPages(t *testing.T) {
	if _, _, ok, _ := freedPagesDecay(); !ok {
		t.Skip("no DuckDB jemalloc on " + runtime.GOOS)
	}
	ctx := context.Background()
	db := openWork(t)
	err := Loading(ctx, db, func(Load) error {
		// A hash aggregate of some 100 MB, freed when the statement ends.
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT i FROM range(4000000) t(i))`).Scan(&n); err != nil {
			return err
		}
		kept := residentMiB(t)
		if err := keepFreedPages(false); err != nil {
			return err
		}
		returned := residentMiB(t)
		t.Logf("resident %d MiB with freed pages kept, %d MiB after returning them", kept, returned)
		if kept-returned < 32 {
			t.Errorf("returning freed pages took resident memory from %d to %d MiB; want at least 32 MiB less", kept, returned)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// residentMiB is the process's resident memory (VmRSS).
func residentMiB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func TestLandTriesAgainWithTheQueriesCap(t *testing.T) {
	ctx := context.Background()
	db := openWork(t)
	limit := func() string { return memoryLimit(t, ctx, db) }
	oom := &duckdb.Error{Type: duckdb.ErrorTypeOutOfMemory, Msg: "Out of Memory Error: failed to allocate"}
	other := &duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: "IO Error: disk full"}
	for _, tc := range []struct {
		name        string
		tries       []error // what each try returns
		wantLimits  []string
		wantRoomier bool
		wantErr     error
	}{
		{"lands", []error{nil}, []string{"122.0 MiB"}, false, nil},
		{"other error, no second try", []error{other}, []string{"122.0 MiB"}, false, other},
		{"out of memory, then lands", []error{oom, nil}, []string{"122.0 MiB", "244.1 MiB"}, true, nil},
		{"out of memory twice", []error{oom, oom}, []string{"122.0 MiB", "244.1 MiB"}, true, oom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var limits []string
			var roomier bool
			err := Loading(ctx, db, func(l Load) error {
				var err error
				_, roomier, err = Land(ctx, l, func() (struct{}, error) {
					limits = append(limits, limit())
					return struct{}{}, tc.tries[len(limits)-1]
				})
				if got := limit(); got != "122.0 MiB" {
					t.Errorf("after Land the cap is %s, want the loading one back", got)
				}
				return err
			})
			if diff := cmp.Diff(tc.wantLimits, limits); diff != "" {
				t.Errorf("caps of the tries (-want +got):\n%s", diff)
			}
			if roomier != tc.wantRoomier {
				t.Errorf("roomier = %v, want %v", roomier, tc.wantRoomier)
			}
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("Loading returned %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestOutOfMemory checks that DuckDB's own out-of-memory error is the one
// Land tries again on: a database in memory with no temporary folder
// cannot spill.
func TestOutOfMemory(t *testing.T) {
	ctx := context.Background()
	db := openInMemory(t, "8MB")
	_, err := db.ExecContext(ctx, `CREATE TABLE t AS SELECT i, repeat('x', 100) AS s FROM range(2000000) r(i)`)
	if !OutOfMemory(err) {
		t.Fatalf("a 200 MB table under an 8 MB cap in memory: %v; want an out-of-memory error", err)
	}
	if OutOfMemory(fmt.Errorf("wrapped: %w", &duckdb.Error{Type: duckdb.ErrorTypeIO})) || OutOfMemory(nil) {
		t.Error("OutOfMemory is true for another error")
	}
}

// TestRoomierTriesAgainWithMoreRoom runs a statement that DuckDB cannot
// hold under MemoryLimit (a table of about 330 MB in a database in memory,
// which cannot spill) through Roomier: the first try runs out of memory,
// the second, under RoomierMemoryLimit, succeeds, and the cap is set back.
func TestRoomierTriesAgainWithMoreRoom(t *testing.T) {
	ctx := context.Background()
	db := openInMemory(t, MemoryLimit)
	limit := func() string { return memoryLimit(t, ctx, db) }
	var limits []string
	var tries []error
	rows, roomier, err := Roomier(ctx, db, func() (int64, error) {
		limits = append(limits, limit())
		// Replaced whole on the second try: the first left nothing.
		_, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE t AS SELECT i, repeat('x', 150) AS s FROM range(2000000) r(i)`)
		tries = append(tries, err)
		if err != nil {
			return 0, err
		}
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
			return 0, err
		}
		// Held in memory, the table would keep DuckDB from going back
		// under the first cap.
		_, err = db.ExecContext(ctx, `DROP TABLE t`)
		return n, err
	})
	if err != nil {
		t.Fatalf("Roomier: %v (tries: %v)", err, tries)
	}
	if len(tries) != 2 || !OutOfMemory(tries[0]) {
		t.Fatalf("tries returned %v; want out of memory, then success", tries)
	}
	// DuckDB shows the caps in MiB: 256 MB and 512 MB.
	if diff := cmp.Diff([]string{"244.1 MiB", "488.2 MiB"}, limits); diff != "" {
		t.Errorf("caps of the tries (-want +got):\n%s", diff)
	}
	if !roomier || rows != 2000000 {
		t.Errorf("roomier = %v, rows = %d; want true, 2000000", roomier, rows)
	}
	if got := limit(); got != "244.1 MiB" {
		t.Errorf("after Roomier the cap is %s, want %s's back", got, MemoryLimit)
	}
}
