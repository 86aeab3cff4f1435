package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStatements(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"one", "SELECT 1;\n", []string{"SELECT 1;\n"}},
		{"no final newline", "SELECT 1;\nSELECT 2;", []string{"SELECT 1;\n", "SELECT 2;"}},
		{"comment lines kept with their statement", "-- why\nSELECT 1;\n-- then\nSELECT 2;\n",
			[]string{"-- why\nSELECT 1;\n", "-- then\nSELECT 2;\n"}},
		{"a comment ending in ;", "-- first this;\n-- then that\nSELECT 1;\n",
			[]string{"-- then that\nSELECT 1;\n"}},
		{"trailing comment", "SELECT 1;\n-- done\n", []string{"SELECT 1;\n"}},
		{"a ; inside a line", "SELECT ';' AS x;\n", []string{"SELECT ';' AS x;\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, statements(tt.text)); diff != "" {
				t.Errorf("statements(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// TestUpsertFilesSplit checks that every source has an upsert (the one
// statement ingest picks by name at run time; the embedding makes sure the
// files exist), that upsertSQL holds no other, and that each splits into
// statements that each hold SQL, the ones that need the delivery id found.
func TestUpsertFilesSplit(t *testing.T) {
	for _, c := range Sources() {
		upsert, ok := upsertSQL[c.Source]
		if !ok {
			t.Errorf("%s: no upsert", c.Source)
			continue
		}
		qs := statements(upsert)
		withParam := 0
		for _, q := range qs {
			if usesParam(q) {
				withParam++
			}
		}
		if len(qs) == 0 || withParam == 0 {
			t.Errorf("%s: %d statements, %d with $1", c.Source, len(qs), withParam)
		}
	}
	if len(upsertSQL) != len(Sources()) {
		t.Errorf("upsertSQL has %d upserts, want one per source (%d)", len(upsertSQL), len(Sources()))
	}
}
