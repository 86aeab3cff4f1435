package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
)

// badCase is a committed file of the bad-input corpus and what
// ingest/testdata/bad/outcomes.txt says of it.
type badCase struct {
	file, source, refused string
	never                 []string
}

// badCorpus reads the committed files of the corpus from its manifest
// (generated ones are covered by the ingest package's test).
func badCorpus(t *testing.T) []badCase {
	t.Helper()
	f, err := os.Open("../../ingest/testdata/bad/outcomes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []badCase
	generated := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ": ")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		switch key {
		case "file":
			out = append(out, badCase{file: val})
		case "source":
			out[len(out)-1].source = val
		case "refused":
			out[len(out)-1].refused = val
		case "never":
			out[len(out)-1].never = append(out[len(out)-1].never, val)
		case "generated":
			generated[out[len(out)-1].file] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var committed []badCase
	for _, c := range out {
		if !generated[c.file] {
			committed = append(committed, c)
		}
	}
	return committed
}

// TestIngestBadInputExitStatus runs `zothuis ingest` on every committed
// file of the bad-input corpus: a refused file exits 1 with its reason on
// stderr and lands nothing; a file that lands (with quarantine) exits 0
// and says so on stdout. No output shows a value the manifest plants.
func TestIngestBadInputExitStatus(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "research.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	cases := badCorpus(t)
	refused := 0
	for _, c := range cases {
		if c.refused == "" {
			continue
		}
		refused++
		t.Run(c.file, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "work.duckdb")
			file, _ := filepath.Abs(filepath.Join("../../ingest/testdata/bad", c.file))
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"ingest", "--db", db, "--research-key-file", key, "--source", c.source, file}, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
			}
			for _, want := range []string{"zothuis ingest: ingest " + c.file + ": delivery refused: ", c.refused, "nothing of it landed", "1 of 1 files refused"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr %q lacks %q", stderr.String(), want)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing for a refused file", stdout.String())
			}
			for _, v := range c.never {
				if strings.Contains(stdout.String()+stderr.String(), v) {
					t.Errorf("output shows %q", v)
				}
			}
			assertNoDeliveries(t, db)
		})
	}
	if refused < 15 {
		t.Errorf("only %d refused files in the corpus", refused)
	}
}

func assertNoDeliveries(t *testing.T, path string) {
	t.Helper()
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM quarantine) + (SELECT count(*) FROM jzplus) + (SELECT count(*) FROM jgz) + (SELECT count(*) FROM verzuim) + (SELECT count(*) FROM toegang)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows landed from a refused file", n)
	}
}

// TestIngestMixedGoodAndBadFiles delivers a clean file, a refused one and
// one with quarantined rows in one call: the good ones land and are
// reported on stdout, the refused one on stderr, and the exit status is 1.
func TestIngestMixedGoodAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "research.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "work.duckdb")
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	files := []string{
		abs("../../ingest/testdata/jzplus_2.csv"),
		abs("../../ingest/testdata/bad/bsn_in_other_columns.csv"),
		abs("../../ingest/testdata/bad/bsn_in_pseudonym_separators.csv"),
		abs("../../ingest/testdata/bad/formula_injection.csv"),
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"ingest", "--db", db, "--research-key-file", key, "--source", "jzplus"}, files...), &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	// Delivery ids come from a sequence, which a refused file's rolled
	// back transaction may still have advanced: they are not compared.
	wantOut := []string{
		"jzplus_2.csv: jzplus: 2 rows accepted, 0 rejected to quarantine (delivery ",
		"bsn_in_other_columns.csv: jzplus: 1 rows accepted, 6 rejected to quarantine (delivery ",
		"formula_injection.csv: jzplus: 1 rows accepted, 11 rejected to quarantine (delivery ",
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != len(wantOut) {
		t.Fatalf("stdout:\n%s\nwant %d lines", stdout.String(), len(wantOut))
	}
	for i, want := range wantOut {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("stdout line %d = %q, want %q…", i+1, lines[i], want)
		}
	}
	for _, want := range []string{"bsn_in_pseudonym_separators.csv: delivery refused: line 3: the pseudonym column holds a value that looks like a BSN", "1 of 4 files refused"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
	}
	for _, v := range []string{"111222333", "123456782", "1112.22.333", "=1+1"} {
		if strings.Contains(stdout.String()+stderr.String(), v) {
			t.Errorf("output shows %q", v)
		}
	}
}
