package snapshot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

func readManifest(t *testing.T, path string) Info {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// infoIn reads snapshot_info of the snapshot at path.
func infoIn(t *testing.T, path string) (id, hash, fingerprint, citation string, tables map[string]int64) {
	t.Helper()
	db, err := zsql.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var fp *string
	if err := db.QueryRow(`SELECT snapshot_id, content_hash, research_key_fingerprint, citation FROM snapshot_info`).Scan(&id, &hash, &fp, &citation); err != nil {
		t.Fatal(err)
	}
	if fp != nil {
		fingerprint = *fp
	}
	rows, err := db.Query(`SELECT table_name, row_count FROM snapshot_tables`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	tables = map[string]int64{}
	for rows.Next() {
		var n string
		var c int64
		rows.Scan(&n, &c)
		tables[n] = c
	}
	return id, hash, fingerprint, citation, tables
}

// TestSnapshotCitable is issue 17's first finding: a snapshot has an id
// from its content, says what it is inside and beside it, and its dated
// copies are real copies that a second publish the same day does not
// overwrite.
func TestSnapshotCitable(t *testing.T) {
	ctx := context.Background()
	db := workingDB(t)
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("research-key-for-tests-0123456789")}
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.IngestFile(ctx, c, filepath.Join("..", "ingest", "testdata", "jzplus_1.csv")); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	day := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	opt := Options{KeepMonths: 12, Now: day, CodeVersion: "v9.9.9-test"}
	path, err := Publish(ctx, db, out, opt)
	if err != nil {
		t.Fatal(err)
	}
	first := readManifest(t, filepath.Join(out, ManifestName))
	opt.Now = day.Add(time.Hour)
	if _, err := Publish(ctx, db, out, opt); err != nil {
		t.Fatal(err)
	}
	second := readManifest(t, filepath.Join(out, ManifestName))

	// The same content published twice: the same id and hashes.
	if first.ID == "" || first.ID != second.ID || first.ContentHash != second.ContentHash || !cmp.Equal(first.Tables, second.Tables) {
		t.Errorf("identical content, two ids: %s and %s", first.ID, second.ID)
	}
	// Inside the file, the same description.
	id, hash, fp, citation, tables := infoIn(t, path)
	wantTables := map[string]int64{}
	for _, ti := range second.Tables {
		wantTables[ti.Name] = ti.Rows
	}
	if d := cmp.Diff(wantTables, tables); d != "" || id != second.ID || hash != second.ContentHash || citation != second.Citation {
		t.Errorf("snapshot_info (%s, %s) differs from MANIFEST.json (%s, %s); tables (-manifest +file):\n%s", id, hash, second.ID, second.ContentHash, d)
	}
	if tables["jzplus"] == 0 || tables["deliveries"] != 1 {
		t.Errorf("table counts %v", tables)
	}
	var workFP string
	if err := db.QueryRow(`SELECT fingerprint FROM research_key_fingerprint`).Scan(&workFP); err != nil || fp != workFP {
		t.Errorf("key fingerprint %q in the snapshot, %q in the database (%v)", fp, workFP, err)
	}
	for _, want := range []string{second.ID, "v9.9.9-test", "2026-12-07"} {
		if !strings.Contains(citation, want) {
			t.Errorf("citation %q lacks %q", citation, want)
		}
	}
	var jz SourceCutoff
	for _, s := range second.Sources {
		if s.Source == "jzplus" {
			jz = s
		}
	}
	var lastDate string
	db.QueryRow(`SELECT strftime(greatest(max(machtigingsdatum), max(startdatum), max(einddatum)), '%Y-%m-%d') FROM jzplus`).Scan(&lastDate)
	if jz.Deliveries != 1 || jz.LastDate == nil || *jz.LastDate != lastDate || jz.LastDeliveryAt == nil {
		t.Errorf("jzplus cut-off %+v, want 1 delivery up to %s", jz, lastDate)
	}

	// Two dated copies of the day, real copies, read-only, each with its
	// manifest and Parquet folder.
	pub, _ := os.Stat(path)
	for _, name := range []string{"zothuis-2026-12-07", "zothuis-2026-12-07.2"} {
		fi, err := os.Stat(filepath.Join(out, name+".duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if os.SameFile(fi, pub) || st.Nlink != 1 || fi.Mode().Perm() != 0o440 {
			t.Errorf("%s: links %d, mode %04o, same file as the published one %v; want a copy of its own, 0440", name, st.Nlink, fi.Mode().Perm(), os.SameFile(fi, pub))
		}
		m := readManifest(t, filepath.Join(out, name+".manifest.json"))
		if m.File != name+".duckdb" || m.ID != first.ID {
			t.Errorf("%s manifest names %s, id %s", name, m.File, m.ID)
		}
		suffix := strings.TrimPrefix(name, "zothuis-")
		if _, err := os.Stat(filepath.Join(out, "parquet-"+suffix, "jzplus.parquet")); err != nil {
			t.Errorf("dated Parquet folder: %v", err)
		}
	}

	// The data dictionary: every relation of the file with its comment,
	// every column with its comment, rendered from the file.
	dict, err := os.ReadFile(filepath.Join(out, DictionaryName))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := zsql.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	rows, err := snap.Query(`SELECT table_name, column_name, coalesce(comment, '') FROM duckdb_columns() WHERE database_name = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var rel, col, comment string
		rows.Scan(&rel, &col, &comment)
		n++
		line := "| `" + col + "` |"
		if !strings.Contains(string(dict), "\n## "+rel+"\n") || !strings.Contains(string(dict), line) || !strings.Contains(string(dict), cell(comment)) {
			t.Errorf("the data dictionary lacks %s.%s or its comment", rel, col)
		}
	}
	rows.Close()
	if n < 100 || !strings.Contains(string(dict), second.ID) {
		t.Errorf("data dictionary checked against %d columns, id %s", n, second.ID)
	}

	// Other content, another id.
	if _, err := db.Exec(`DELETE FROM jzplus WHERE rowid = (SELECT min(rowid) FROM jzplus)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(ctx, db, out, opt); err != nil {
		t.Fatal(err)
	}
	if third := readManifest(t, filepath.Join(out, ManifestName)); third.ID == first.ID {
		t.Errorf("changed content kept the id %s", third.ID)
	}
}
