package snapshot

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSharedViews: the views that other views read, each after those it
// reads; a name inside a longer name is not a read.
func TestSharedViews(t *testing.T) {
	tests := []struct {
		name  string
		views []string // CREATE VIEW statements, after CREATE TABLE t (x INT)
		want  []string
	}{
		{"none", []string{"CREATE VIEW a AS SELECT x FROM t"}, nil},
		{"chain", []string{
			"CREATE VIEW a AS SELECT x FROM t",
			"CREATE VIEW c AS SELECT x FROM t",
			"CREATE VIEW b AS SELECT x FROM c",
			"CREATE VIEW d AS SELECT x FROM a JOIN b USING (x)",
		}, []string{"a", "c", "b"}},
		{"longer names", []string{
			"CREATE VIEW pop AS SELECT x FROM t",
			"CREATE VIEW population AS SELECT x AS pop_x FROM t",
			"CREATE VIEW population_rates AS SELECT pop_x FROM population",
		}, []string{"population"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, q := range append([]string{"CREATE TABLE t (x INT)"}, tt.views...) {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			got, err := sharedViews(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sharedViews (-want +got):\n%s", diff)
			}
		})
	}
}
