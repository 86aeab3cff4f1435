package inboxpull

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// appendAt appends s to path and gives it the modification time mtime.
func appendAt(t *testing.T, path, s string, mtime time.Time) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// Issue 16, finding 10: a half-written file that paused longer than
// Settle was landed half. Each scenario writes half a delivery, pauses
// well past Settle, then writes the rest: the delivery is handed over
// whole, once, and never half.
func TestHalfWrittenFileWaits(t *testing.T) {
	const settle = 10 * time.Second
	const full = "a;b\n1;2\n3;4\n"
	fullSum := sha256.Sum256([]byte(full))
	type step struct {
		name string
		do   func(t *testing.T, inbox string, c *clock)
		want []string // handed over by the Pull after do
	}
	pause := func(t *testing.T, inbox string, c *clock) { c.advance(3 * settle) }
	tests := []struct {
		name          string
		requireMarker bool
		steps         []step
		whole         string   // the whole delivery; full when empty
		wantInbox     []string // left in the inbox at the end
	}{
		{
			name: "cut mid-line",
			steps: []step{
				{name: "half", do: func(t *testing.T, inbox string, c *clock) {
					writeAt(t, filepath.Join(inbox, "d.csv"), "a;b\n1;2\n3;", c.t)
				}},
				{name: "pause past Settle", do: pause},
				{name: "the rest", do: func(t *testing.T, inbox string, c *clock) { appendAt(t, filepath.Join(inbox, "d.csv"), "4\n", c.t) }},
				{name: "settled", do: pause, want: []string{"d.csv"}},
			},
		},
		{
			name:          "cut at a line end, marker required",
			requireMarker: true,
			steps: []step{
				{name: "half", do: func(t *testing.T, inbox string, c *clock) {
					writeAt(t, filepath.Join(inbox, "d.csv"), "a;b\n1;2\n", c.t)
				}},
				{name: "pause past Settle", do: pause},
				{name: "the rest", do: func(t *testing.T, inbox string, c *clock) { appendAt(t, filepath.Join(inbox, "d.csv"), "3;4\n", c.t) }},
				{name: "settled, no marker", do: pause},
				{name: "marker", do: func(t *testing.T, inbox string, c *clock) { writeAt(t, filepath.Join(inbox, "d.csv.done"), "", c.t) }, want: []string{"d.csv"}},
			},
		},
		{
			name: "checksum marker written first",
			steps: []step{
				{name: "marker", do: func(t *testing.T, inbox string, c *clock) {
					writeAt(t, filepath.Join(inbox, "d.csv.sha256"), hex.EncodeToString(fullSum[:])+"  d.csv\n", c.t)
				}},
				{name: "half, at a line end", do: func(t *testing.T, inbox string, c *clock) {
					writeAt(t, filepath.Join(inbox, "d.csv"), "a;b\n1;2\n", c.t)
				}},
				{name: "pause past Settle", do: pause},
				{name: "the rest", do: func(t *testing.T, inbox string, c *clock) { appendAt(t, filepath.Join(inbox, "d.csv"), "3;4\n", c.t) }},
				{name: "unchanged since: no Settle to wait with a matching checksum", want: []string{"d.csv"}},
			},
		},
		{
			name:  "Parquet without its closing magic",
			whole: "PAR1\x15\x04\x00PAR1",
			steps: []step{
				{name: "half", do: func(t *testing.T, inbox string, c *clock) {
					writeAt(t, filepath.Join(inbox, "d.csv"), "PAR1\x15\x04", c.t)
				}},
				{name: "pause past Settle", do: pause},
				{name: "the rest", do: func(t *testing.T, inbox string, c *clock) {
					appendAt(t, filepath.Join(inbox, "d.csv"), "\x00PAR1", c.t)
				}},
				{name: "settled", do: pause, want: []string{"d.csv"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox, out := t.TempDir(), t.TempDir()
			c := newClock(time.Now().Truncate(time.Second))
			p := New(Options{Dir: inbox, Settle: settle, Now: c.now, RequireMarker: tt.requireMarker})
			for _, s := range tt.steps {
				if s.do != nil {
					s.do(t, inbox, c)
				}
				if diff := cmp.Diff(s.want, pull(t, p, out)); diff != "" {
					t.Fatalf("%s: handed over (-want +got):\n%s", s.name, diff)
				}
			}
			b, err := os.ReadFile(filepath.Join(out, "d.csv"))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.whole
			if want == "" {
				want = full
			}
			if string(b) != want {
				t.Errorf("handed over %q, want the whole file %q", b, want)
			}
			if diff := cmp.Diff(tt.wantInbox, listDir(t, inbox)); diff != "" {
				t.Errorf("inbox at the end, markers removed (-want +got):\n%s", diff)
			}
		})
	}
}

// A writer that still holds the file open and writes on after it was
// judged complete and moved (its bytes follow the rename) gets the file
// put back into the inbox, and the whole file is handed over later.
func TestFileWrittenWhileTakenIsPutBack(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	c := newClock(time.Now().Truncate(time.Second))
	p := New(Options{Dir: inbox, Settle: 10 * time.Second, Now: c.now})
	path := filepath.Join(inbox, "d.csv")
	writeAt(t, path, "a;b\n1;2\n", c.t.Add(-time.Minute))
	w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	p.afterMove = func(string) {
		p.afterMove = nil
		if _, err := w.WriteString("3;4\n"); err != nil {
			t.Fatal(err)
		}
	}
	if got := pull(t, p, out); got != nil {
		t.Fatalf("handed over %v while it was being written", got)
	}
	if diff := cmp.Diff([]string{"d.csv"}, listDir(t, inbox)); diff != "" {
		t.Fatalf("inbox after the take was undone (-want +got):\n%s", diff)
	}
	if got := listDir(t, out); got != nil {
		t.Fatalf("pull folder holds %v, want nothing", got)
	}
	pull(t, p, out) // a first look at the file as it is now
	c.advance(10 * time.Second)
	if diff := cmp.Diff([]string{"d.csv"}, pull(t, p, out)); diff != "" {
		t.Fatalf("handed over (-want +got):\n%s", diff)
	}
	if b, err := os.ReadFile(filepath.Join(out, "d.csv")); err != nil || string(b) != "a;b\n1;2\n3;4\n" {
		t.Errorf("handed over %q, %v; want the whole file", b, err)
	}
}

func TestTruncated(t *testing.T) {
	tests := []struct {
		name, content string
		cut           bool
	}{
		{"csv", "a;b\n1;2\n", false},
		{"csv with CRLF", "a;b\r\n1;2\r\n", false},
		{"csv cut mid-line", "a;b\n1;2\n3", true},
		{"csv without a final newline", "a;b\n1;2", true},
		{"empty", "", true},
		{"parquet", "PAR1\x15\x04\x00PAR1", false},
		{"parquet cut", "PAR1\x15\x04\x00", true},
		{"arrow file", "ARROW1\x00\x00\xff\xff\xff\xffARROW1", false},
		{"arrow file cut", "ARROW1\x00\x00\xff\xff\xff\xff", true},
		{"arrow stream", "\xff\xff\xff\xff\x10\x00\x00\x00schema..\xff\xff\xff\xff\x00\x00\x00\x00", false},
		{"arrow stream cut", "\xff\xff\xff\xff\x10\x00\x00\x00schema..", true},
		{"gzip: ingest refuses it whole anyway", "\x1f\x8b\x08\x00", false},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		why, err := Truncated(path)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := why != ""; got != tt.cut {
			t.Errorf("%s: Truncated = %q, want cut off %v", tt.name, why, tt.cut)
		}
	}
}
