package snapshot

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"

	"github.com/zothuis/zothuis/atomicfile"
	zsql "github.com/zothuis/zothuis/sql"
)

//go:embed sql/relations.sql
var relationsSQL string

//go:embed sql/views.sql
var viewsSQL string

// exportParquet writes every table and view of the snapshot file at
// path but the migration log to NAME.parquet in a new hidden folder in
// dir, and returns the folder. A statement that runs out of memory is
// tried once more with more (zsql.Roomier), with a warning to log.
func exportParquet(ctx context.Context, path, dir string, log *slog.Logger) (string, error) {
	tmp, err := os.MkdirTemp(dir, ".parquet-")
	if err != nil {
		return "", err
	}
	// What DuckDB spills beyond its cap (zsql.MemoryLimit; the views
	// computed once below are held as tables) goes beside the folder,
	// not into it: the folder is published as it is.
	spill, err := os.MkdirTemp(dir, ".spill-")
	if err != nil {
		return tmp, err
	}
	defer os.RemoveAll(spill)
	db, err := zsql.OpenReadOnlyAnyVersion(ctx, path)
	if err != nil {
		return tmp, err
	}
	defer db.Close()
	// Temporary tables belong to one connection.
	conn, err := db.Conn(ctx)
	if err != nil {
		return tmp, err
	}
	defer conn.Close()
	// The export's own DuckDB instance need not keep rows in the order a
	// table holds them (no table's order means anything): writing Parquet
	// in order buffers a table's row groups (BENCHMARKS.md, change 21).
	for _, q := range []string{
		"SET GLOBAL preserve_insertion_order = false",
		"SET GLOBAL temp_directory = " + zsql.QuoteLiteral(spill),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return tmp, err
		}
	}
	names, err := queryStrings(ctx, conn, relationsSQL)
	if err != nil {
		return tmp, err
	}
	shared, err := sharedViews(ctx, conn)
	if err != nil {
		return tmp, err
	}
	// exec runs a statement of the export about relation name. A failed
	// statement leaves nothing behind (a temporary table is not made;
	// COPY writes its file anew), so one that ran out of memory is tried
	// again with more.
	exec := func(name, q string) error {
		_, roomier, err := zsql.Roomier(ctx, conn, func() (sql.Result, error) { return conn.ExecContext(ctx, q) })
		if roomier {
			log.Warn("snapshot export ran out of memory and was tried again with more",
				"relation", name, "memory_limit", zsql.RoomierMemoryLimit, "succeeded", err == nil)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	// A view that other views read is computed once, into a temporary
	// table of its name: DuckDB looks for a name among the temporary
	// objects first, so the views that read it, and its own export, read
	// the table. Exported as views, population_rates computed population
	// again and both computed jgz_youth, 25 of the 45 s of the export at
	// 3.5 M youths. The snapshot file is read-only, so the table holds
	// what the view would.
	for _, v := range shared {
		if err := exec(v, fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT * FROM main.%s", zsql.QuoteIdent(v), zsql.QuoteIdent(v))); err != nil {
			return tmp, err
		}
	}
	for _, n := range names {
		file := filepath.Join(tmp, n+".parquet")
		part := filepath.Join(tmp, "."+n+".parquet.part")
		if err := exec(n, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)", zsql.QuoteIdent(n), zsql.QuoteLiteral(part))); err != nil {
			return tmp, err
		}
		// DuckDB creates the file by the process umask and need not sync
		// it; a published file is 0440 whatever that is, and durable
		// before the folder is swapped in.
		if err := atomicfile.Install(part, file, fileMode); err != nil {
			return tmp, err
		}
	}
	return tmp, os.Chmod(tmp, 0o750)
}

// sharedViews returns the views of the snapshot that other views read,
// each after the shared views it reads itself. A view reads another when
// its text names it as a word; a name that merely occurs in a view's text
// makes a view shared that need not be, which costs time, never a wrong
// row.
func sharedViews(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, viewsSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	text := map[string]string{}
	var names []string
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			return nil, err
		}
		text[n] = q
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	reads := map[string][]string{} // view → the other views it reads
	shared := map[string]bool{}
	for _, v := range names {
		word := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(v) + `\b`)
		for _, w := range names {
			if w != v && word.MatchString(text[w]) {
				reads[w] = append(reads[w], v)
				shared[v] = true
			}
		}
	}
	// Depth first, in name order: each shared view after those it reads.
	// Views cannot read each other in a circle, so this ends.
	var order []string
	done := map[string]bool{}
	var visit func(v string)
	visit = func(v string) {
		if done[v] {
			return
		}
		done[v] = true
		for _, w := range reads[v] {
			visit(w)
		}
		if shared[v] {
			order = append(order, v)
		}
	}
	for _, v := range names {
		if shared[v] {
			visit(v)
		}
	}
	return order, nil
}

// queryStrings returns the single text column of q's rows.
func queryStrings(ctx context.Context, conn *sql.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
