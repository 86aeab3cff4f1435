package ingest_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
)

// otherKey is a research key other than researchKey.
var otherKey = []byte("another-research-key-for-tests-0123456789")

// Fingerprints of researchKey and otherKey, worked out with Python's hmac
// module: a change of scheme would lock every existing database out.
const (
	fpResearch = "57e328001edfac5872e74aadf1607353ecc362d4eac56188d405df5de90ced4f"
	fpOther    = "1557a2ca4e10f44e6b9ca62f7a5352056d62ca07e472c094254146d9a0266c68"
)

func TestKeyFingerprint(t *testing.T) {
	got := []string{ingest.KeyFingerprint(researchKey), ingest.KeyFingerprint(otherKey)}
	if diff := cmp.Diff([]string{fpResearch, fpOther}, got); diff != "" {
		t.Errorf("fingerprints (-want +got):\n%s", diff)
	}
}

// storedFingerprints returns the research key fingerprints the database
// holds.
func storedFingerprints(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var fps []string
	for _, row := range dump(t, db, "research_key_fingerprint")["research_key_fingerprint"] {
		fps = append(fps, strings.Split(row, "|")[1]) // singleton|fingerprint|recorded_at
	}
	return fps
}

// before0009 turns the database at path into one that landed jzplus_1.csv
// under researchKey before migration 0009, then migrates it as the next
// open does, and returns it open.
func before0009(t *testing.T, db *sql.DB, path string) *sql.DB {
	t.Helper()
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
	if _, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), "testdata/jzplus_1.csv"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TABLE research_key_fingerprint", "DELETE FROM schema_migrations WHERE version >= 9"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return openDB(t, path)
}

func TestResearchKeyChecked(t *testing.T) {
	type step struct {
		key  []byte
		file string
		want error // nil, ingest.ErrRefused or ingest.ErrResearchKeyMismatch
	}
	tests := []struct {
		name string
		// before0009 starts from a database that landed jzplus_1.csv
		// under researchKey before migration 0009 (no fingerprint).
		before0009 bool
		steps      []step
		want       []string // research_key_fingerprint.fingerprint after the steps
	}{
		{
			name: "same key twice lands",
			steps: []step{
				{researchKey, "jzplus_1.csv", nil},
				{researchKey, "jzplus_2.csv", nil},
			},
			want: []string{fpResearch},
		},
		{
			name: "another key is refused",
			steps: []step{
				{researchKey, "jzplus_1.csv", nil},
				{otherKey, "jzplus_2.csv", ingest.ErrResearchKeyMismatch},
				{researchKey, "jzplus_2.csv", nil}, // the file is fine
			},
			want: []string{fpResearch},
		},
		{
			name: "another key is refused for a file that already landed",
			steps: []step{
				{researchKey, "jzplus_1.csv", nil},
				{otherKey, "jzplus_1.csv", ingest.ErrResearchKeyMismatch},
			},
			want: []string{fpResearch},
		},
		{
			name: "a refused file records no key",
			steps: []step{
				{otherKey, "jzplus_bsn.csv", ingest.ErrRefused},
				{researchKey, "jzplus_1.csv", nil},
				{otherKey, "jzplus_2.csv", ingest.ErrResearchKeyMismatch},
			},
			want: []string{fpResearch},
		},
		{
			// Nothing tells which key the older deliveries had: the
			// database takes the key of the next ingest, then holds to it.
			name:       "a database made before 0009 adopts the next key",
			before0009: true,
			steps: []step{
				{otherKey, "jzplus_2.csv", nil},
				{researchKey, "jzplus_2.csv", ingest.ErrResearchKeyMismatch},
			},
			want: []string{fpOther},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "work.duckdb")
			db := openDB(t, path)
			if tt.before0009 {
				db = before0009(t, db, path)
				if got := storedFingerprints(t, db); got != nil {
					t.Fatalf("research_key_fingerprint after migrating a database of schema 8: %v", got)
				}
			}
			c := mustSource(t, "jzplus")
			for i, s := range tt.steps {
				before := dump(t, db)
				in := &ingest.Ingester{DB: db, ResearchKey: s.key}
				res, err := in.IngestFile(ctx, c, filepath.Join("testdata", s.file))
				if s.want == nil {
					if err != nil {
						t.Fatalf("step %d (%s): %v", i, s.file, err)
					}
					continue
				}
				if !errors.Is(err, s.want) {
					t.Fatalf("step %d (%s): err = %v, want %v", i, s.file, err, s.want)
				}
				if s.want != ingest.ErrResearchKeyMismatch {
					continue
				}
				// A wrong key is no fault of the file: callers must not
				// move it to the rejected folder.
				if errors.Is(err, ingest.ErrRefused) {
					t.Errorf("step %d: key mismatch %v also matches ErrRefused", i, err)
				}
				var km *ingest.KeyMismatchError
				if !errors.As(err, &km) {
					t.Fatalf("step %d: %v is no *KeyMismatchError", i, err)
				}
				stored := storedFingerprints(t, db)
				if len(stored) != 1 {
					t.Fatalf("step %d: research_key_fingerprint holds %v", i, stored)
				}
				wantErr := &ingest.KeyMismatchError{Database: stored[0], Given: ingest.KeyFingerprint(s.key)}
				if diff := cmp.Diff(wantErr, km); diff != "" {
					t.Errorf("step %d: mismatch (-want +got):\n%s", i, diff)
				}
				// The message tells the operator what to do and shows
				// fingerprints, never the key.
				msg := err.Error()
				for _, want := range []string{wantErr.Database[:16], "use the key file it was made with", "rotate explicitly"} {
					if !strings.Contains(msg, want) {
						t.Errorf("step %d: message %q does not say %q", i, msg, want)
					}
				}
				if strings.Contains(msg, string(s.key)) {
					t.Errorf("step %d: message %q shows the key", i, msg)
				}
				if res.DeliveryID != 0 || res.Accepted != 0 || res.DuplicateOf != 0 {
					t.Errorf("step %d: result %+v, want nothing landed", i, res)
				}
				if diff := cmp.Diff(before, dump(t, db)); diff != "" {
					t.Errorf("step %d: tables changed (-before +after):\n%s", i, diff)
				}
			}
			if diff := cmp.Diff(tt.want, storedFingerprints(t, db)); diff != "" {
				t.Errorf("research_key_fingerprint (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckResearchKey(t *testing.T) {
	ctx := context.Background()
	in, db := newIngester(t)
	// An empty database takes any key, and the check records none.
	for _, key := range [][]byte{researchKey, otherKey} {
		if err := ingest.CheckResearchKey(ctx, db, key); err != nil {
			t.Errorf("empty database: CheckResearchKey = %v, want nil", err)
		}
	}
	if got := storedFingerprints(t, db); got != nil {
		t.Fatalf("CheckResearchKey recorded %v", got)
	}
	if _, err := in.IngestFile(ctx, mustSource(t, "jzplus"), "testdata/jzplus_1.csv"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  []byte
		want *ingest.KeyMismatchError
	}{
		{"the database's key", researchKey, nil},
		{"another key", otherKey, &ingest.KeyMismatchError{Database: fpResearch, Given: fpOther}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ingest.CheckResearchKey(ctx, db, tt.key)
			var got *ingest.KeyMismatchError
			if err != nil && !errors.As(err, &got) {
				t.Fatalf("CheckResearchKey = %v, want nil or a *KeyMismatchError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckResearchKey (-want +got):\n%s", diff)
			}
			if got != nil && !errors.Is(err, ingest.ErrResearchKeyMismatch) {
				t.Errorf("%v does not match ErrResearchKeyMismatch", err)
			}
		})
	}
}
