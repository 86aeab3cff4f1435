package snapshot

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/sql/sqltest"
)

// TestCodedColumnsAreEnums: in the snapshot every coded column of a
// source table (and of jzplus_history) is an ENUM of exactly its
// codebook codes, keeps its comment and its values; in the working
// database it stays text.
func TestCodedColumnsAreEnums(t *testing.T) {
	ctx := context.Background()
	db := workingDB(t)
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("research-key-for-tests-0123456789")}
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"jzplus_1.csv", "jzplus_2.csv"} {
		if _, err := in.IngestFile(ctx, c, filepath.Join("..", "ingest", "testdata", f)); err != nil {
			t.Fatal(err)
		}
	}
	path, err := Publish(ctx, db, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := zsql.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()

	// What the codebook promises, per table and column.
	want := map[string]string{}
	for _, r := range sqltest.Rows(t, db, `SELECT code_list, string_agg('''' || code || '''', ', ' ORDER BY code) FROM codebook WHERE code_list <> 'gemeente' GROUP BY code_list`) {
		table, column, _ := strings.Cut(r[0], ".")
		want[table+"."+column] = "ENUM(" + r[1] + ")"
		if table == "jzplus" {
			want["jzplus_history."+column] = "ENUM(" + r[1] + ")"
		}
	}
	if len(want) < 12 {
		t.Fatalf("codebook gives %d coded columns; the test expects the source contracts' 11 and jzplus_history's", len(want))
	}
	got := map[string]string{}
	for _, r := range sqltest.Rows(t, snap, `SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() c
		JOIN duckdb_tables() USING (database_name, schema_name, table_name) WHERE database_name = current_database() AND data_type LIKE 'ENUM%'`) {
		got[r[0]] = r[1]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ENUM columns of the snapshot (-codebook +snapshot):\n%s", diff)
	}
	for col := range want {
		table, column, _ := strings.Cut(col, ".")
		q := `SELECT coalesce(comment, '') || ' ' || CAST(is_nullable AS VARCHAR) FROM duckdb_columns() WHERE database_name = current_database() AND table_name = '` + table + `' AND column_name = '` + column + `'`
		if diff := cmp.Diff(sqltest.Rows(t, db, q), sqltest.Rows(t, snap, q)); diff != "" {
			t.Errorf("%s: comment and nullability (-working +snapshot):\n%s", col, diff)
		}
		values := `SELECT CAST(` + zsql.QuoteIdent(column) + ` AS VARCHAR) AS v, count(*) FROM ` + zsql.QuoteIdent(table) + ` GROUP BY ALL ORDER BY ALL`
		if diff := cmp.Diff(sqltest.Rows(t, db, values), sqltest.Rows(t, snap, values)); diff != "" {
			t.Errorf("%s: values (-working +snapshot):\n%s", col, diff)
		}
	}
	var workType string
	if err := db.QueryRow(`SELECT data_type FROM duckdb_columns() WHERE database_name = current_database() AND table_name = 'jzplus' AND column_name = 'machtiging'`).Scan(&workType); err != nil || workType != "VARCHAR" {
		t.Errorf("working jzplus.machtiging is %q (%v); want VARCHAR", workType, err)
	}

	// A code without a label stops the publish and names it.
	if _, err := db.Exec(`UPDATE jzplus SET reden_einde = '99' WHERE rowid = (SELECT min(rowid) FROM jzplus)`); err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, db, t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "jzplus.reden_einde holds codes the codebook has no label for: 99") {
		t.Errorf("publish with an unlabelled code: %v", err)
	}
}
