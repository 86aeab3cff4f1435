package inboxpull

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func newClock(t time.Time) *clock        { return &clock{t: t} }
func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func write(t *testing.T, path, s string) {
	t.Helper()
	writeAt(t, path, s, time.Time{})
}

func names(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

// writeAt writes s to path and, when mtime is set, gives it that
// modification time.
func writeAt(t *testing.T, path, s string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func pull(t *testing.T, p *Puller, dir string) []string {
	t.Helper()
	got, err := p.Pull(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return names(got)
}

// TestPullSettles walks one inbox through a sequence of looks: a file that
// keeps growing is not handed over until it has rested for Settle; a .part
// file waits until renamed; hidden and lock files are never handed over.
func TestPullSettles(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	base := time.Now().Truncate(time.Second)
	c := newClock(base)
	p := New(Options{Dir: inbox, Settle: 10 * time.Second, Now: c.now})

	old := base.Add(-time.Hour)
	writeAt(t, filepath.Join(inbox, "old.csv"), "a\n1\n", old)
	writeAt(t, filepath.Join(inbox, ".hidden.csv"), "a\n", old)
	writeAt(t, filepath.Join(inbox, "~$lock.csv"), "a\n", old)
	writeAt(t, filepath.Join(inbox, "big.parquet.part"), "PAR1", old)
	writeAt(t, filepath.Join(inbox, "growing.csv"), "a\n1\n", base)
	if err := os.Mkdir(filepath.Join(inbox, "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	writeAt(t, filepath.Join(inbox, "sub", "nested.csv"), "a\n", old)

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{
			name: "first look: only the old file has rested",
			want: []string{"old.csv"},
		},
		{
			name: "growing file grows",
			do: func() {
				c.advance(8 * time.Second)
				writeAt(t, filepath.Join(inbox, "growing.csv"), "a\n1\n2\n", c.t)
			},
		},
		{
			name: "grows again after more than Settle since the first look",
			do: func() {
				c.advance(8 * time.Second)
				writeAt(t, filepath.Join(inbox, "growing.csv"), "a\n1\n2\n3\n", c.t)
			},
		},
		{
			name: "unchanged but not yet rested",
			do:   func() { c.advance(9 * time.Second) },
		},
		{
			name: "rested for Settle",
			do:   func() { c.advance(time.Second) },
			want: []string{"growing.csv"},
		},
		{
			name: "part file still uploading",
			do:   func() { c.advance(time.Hour) },
		},
		{
			name: "part file renamed to its final name",
			do: func() {
				if err := os.Rename(filepath.Join(inbox, "big.parquet.part"), filepath.Join(inbox, "big.parquet")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"big.parquet"},
		},
		{
			name: "nothing new",
		},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		if diff := cmp.Diff(s.want, pull(t, p, out)); diff != "" {
			t.Errorf("%s: handed over (-want +got):\n%s", s.name, diff)
		}
	}
	if diff := cmp.Diff([]string{"big.parquet", "growing.csv", "old.csv"}, listDir(t, out)); diff != "" {
		t.Errorf("pull folder (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{".hidden.csv", "sub", "~$lock.csv"}, listDir(t, inbox)); diff != "" {
		t.Errorf("inbox after pulls (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(out, "growing.csv"))
	if err != nil || string(got) != "a\n1\n2\n3\n" {
		t.Errorf("growing.csv = %q, %v; want the full file", got, err)
	}
}

// A share whose clock runs ahead writes modification times in the future;
// such a file still counts once Pull has seen it unchanged for Settle.
func TestPullClockAhead(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	c := newClock(time.Now())
	p := New(Options{Dir: inbox, Settle: time.Minute, Now: c.now})
	writeAt(t, filepath.Join(inbox, "ahead.csv"), "a\n", c.t.Add(3*time.Hour))
	if got := pull(t, p, out); got != nil {
		t.Fatalf("first look handed over %v", got)
	}
	c.advance(59 * time.Second)
	if got := pull(t, p, out); got != nil {
		t.Fatalf("before Settle handed over %v", got)
	}
	c.advance(time.Second)
	if diff := cmp.Diff([]string{"ahead.csv"}, pull(t, p, out)); diff != "" {
		t.Errorf("after Settle (-want +got):\n%s", diff)
	}
}

// A delivery whose name is already waiting in the pull folder (say the
// job crashed before landing it) must not replace it.
func TestPullNameCollision(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	c := newClock(time.Now())
	p := New(Options{Dir: inbox, Settle: time.Second, Now: c.now})
	write(t, filepath.Join(out, "jgz.csv"), "first\n")
	writeAt(t, filepath.Join(inbox, "jgz.csv"), "second\n", c.t.Add(-time.Minute))
	if diff := cmp.Diff([]string{"jgz_2.csv"}, pull(t, p, out)); diff != "" {
		t.Errorf("handed over (-want +got):\n%s", diff)
	}
	for name, want := range map[string]string{"jgz.csv": "first\n", "jgz_2.csv": "second\n"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestPullSymlinkNotFollowed(t *testing.T) {
	inbox, out, elsewhere := t.TempDir(), t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "secret.csv")
	writeAt(t, target, "a\n", time.Now().Add(-time.Hour))
	if err := os.Symlink(target, filepath.Join(inbox, "link.csv")); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	p := New(Options{Dir: inbox, Settle: time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for range 2 {
		if got := pull(t, p, out); got != nil {
			t.Errorf("handed over %v, want nothing", got)
		}
	}
	if n := strings.Count(logs.String(), "link.csv"); n != 1 {
		t.Errorf("symlink logged %d times, want once:\n%s", n, logs.String())
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("link target touched: %v", err)
	}
}

func TestPullMissingInbox(t *testing.T) {
	p := New(Options{Dir: filepath.Join(t.TempDir(), "nope")})
	_, err := p.Pull(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "inbox pull") {
		t.Errorf("Pull err = %v, want an inbox pull error", err)
	}
}

// TestPullAcrossFilesystems moves from an inbox on another filesystem
// (tmpfs /dev/shm standing in for a mounted share): the copy fallback.
func TestPullAcrossFilesystems(t *testing.T) {
	out := t.TempDir()
	inbox, err := os.MkdirTemp("/dev/shm", "inboxpull-test-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(inbox) })
	var a, b syscall.Stat_t
	if syscall.Stat(inbox, &a) != nil || syscall.Stat(out, &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is on the same filesystem as the temp folder")
	}
	writeAt(t, filepath.Join(inbox, "toegang.csv"), "a;b\n1;2\n", time.Now().Add(-time.Hour))
	p := New(Options{Dir: inbox, Settle: time.Second})
	got, err := p.Pull(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Join(out, "toegang.csv")}, got); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if data, err := os.ReadFile(got[0]); err != nil || string(data) != "a;b\n1;2\n" {
		t.Errorf("copied file = %q, %v", data, err)
	}
	fi, err := os.Stat(got[0])
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("copied file mode = %v, %v; want 0640", fi.Mode().Perm(), err)
	}
	if diff := cmp.Diff([]string(nil), listDir(t, inbox)); diff != "" {
		t.Errorf("inbox after move (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"toegang.csv"}, listDir(t, out)); diff != "" {
		t.Errorf("pull folder (no temp files left) (-want +got):\n%s", diff)
	}
}

func TestSkipped(t *testing.T) {
	tests := map[string]bool{
		"jgz.csv":            false,
		"jgz.csv.part":       true,
		"jgz.csv.filepart":   true,
		".jgz.csv.Ab12":      true,
		"~$jgz.xlsx":         true,
		"part":               false,
		"jgz.partial.csv":    false,
		"verzuim_2026.arrow": false,
		"jgz.csv.done":       true,
		"jgz.csv.sha256":     true,
	}
	for name, want := range tests {
		if got := Skipped(name); got != want {
			t.Errorf("Skipped(%q) = %v, want %v", name, got, want)
		}
	}
}
