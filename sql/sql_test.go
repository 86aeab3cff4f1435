package sql_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	zsql "github.com/zothuis/zothuis/sql"
)

func TestMigrateIdempotentAndDocumented(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = zsql.Open(ctx, path) // a second open applies nothing twice
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := zsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
	}
	// Every table, view and column researchers see has a COMMENT ON.
	rows, err := db.Query(`
		SELECT table_name, NULL FROM duckdb_tables() WHERE database_name = current_database() AND table_name <> 'schema_migrations' AND (comment IS NULL OR comment = '')
		UNION ALL
		SELECT view_name, NULL FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND (comment IS NULL OR comment = '')
		UNION ALL
		SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND table_name <> 'schema_migrations' AND (comment IS NULL OR comment = '')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tbl string
		var col *string
		rows.Scan(&tbl, &col)
		if col == nil {
			t.Errorf("%s has no comment", tbl)
		} else {
			t.Errorf("%s.%s has no comment", tbl, *col)
		}
	}
}

func TestNewerDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (999, '0999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := zsql.Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("a database from a newer program was opened")
	}
}

// TestCommentsNeedNoOtherDocument: the snapshot carries the comments to
// researchers who have nothing else, so none points to the SPEC or
// another document of the project (issue 17).
func TestCommentsNeedNoOtherDocument(t *testing.T) {
	db, err := zsql.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`
		SELECT table_name, '', comment FROM duckdb_tables() WHERE database_name = current_database()
		UNION ALL SELECT view_name, '', comment FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
		UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var rel, col string
		var comment *string
		if err := rows.Scan(&rel, &col, &comment); err != nil {
			t.Fatal(err)
		}
		if comment == nil {
			continue
		}
		for _, ref := range []string{"SPEC", "README", "issue ", ".md"} {
			if strings.Contains(*comment, ref) {
				t.Errorf("%s %s: the comment refers to %q: %s", rel, col, ref, *comment)
			}
		}
	}
}
