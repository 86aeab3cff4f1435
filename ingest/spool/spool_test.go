package spool

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var fixedNow = time.Date(2026, 3, 31, 23, 30, 0, 0, time.FixedZone("CEST", 2*3600))

func newSpool(t *testing.T) *Spool {
	t.Helper()
	s := New(t.TempDir())
	s.Now = func() time.Time { return fixedNow }
	return s
}

// deliver writes content as a new file in the channel's incoming folder.
func deliver(t *testing.T, s *Spool, name, file, content string) string {
	t.Helper()
	dir, err := s.Incoming(name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sum(content string) string {
	h := sha256.Sum256([]byte(content))
	return hex.EncodeToString(h[:])
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestArchive(t *testing.T) {
	s := newSpool(t)
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	contents := []string{"a;b\n1;2\n", "a;b\n3;4\n", "a;b\n5;6\n"}
	var got []string
	for _, c := range contents {
		p := deliver(t, s, "jgz", "jgz_2026-03.csv", c)
		archived, gotSum, err := s.Archive("jgz", p)
		if err != nil {
			t.Fatal(err)
		}
		if gotSum != sum(c) {
			t.Errorf("Archive sum = %s, want %s", gotSum, sum(c))
		}
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("incoming file still there after Archive: %v", err)
		}
		rel, _ := filepath.Rel(s.Root, archived)
		got = append(got, rel)

		data, err := os.ReadFile(archived)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != c {
			t.Errorf("archived content = %q, want %q", data, c)
		}
		side, err := os.ReadFile(archived + ".sha256")
		if err != nil {
			t.Fatal(err)
		}
		if want := sum(c) + "  " + filepath.Base(archived) + "\n"; string(side) != want {
			t.Errorf("checksum file = %q, want %q", side, want)
		}
		if m := mode(t, archived); m != 0o640 {
			t.Errorf("archived file mode = %o, want 640", m)
		}
		if m := mode(t, archived+".sha256"); m != 0o640 {
			t.Errorf("checksum file mode = %o, want 640", m)
		}
	}
	// fixedNow is 21:30 UTC on 31 March.
	want := []string{
		"archive/jgz/2026/03/jgz_2026-03.csv",
		"archive/jgz/2026/03/jgz_2026-03_2.csv",
		"archive/jgz/2026/03/jgz_2026-03_3.csv",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("archived paths (-want +got):\n%s", diff)
	}
	for _, d := range []string{"incoming/jgz", "archive", "archive/jgz", "archive/jgz/2026", "archive/jgz/2026/03"} {
		if m := mode(t, filepath.Join(s.Root, d)); m != 0o750 {
			t.Errorf("folder %s mode = %o, want 750", d, m)
		}
	}
	// No temp files are left behind.
	entries, err := os.ReadDir(filepath.Join(s.Root, "archive/jgz/2026/03"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left-over temp file %s", e.Name())
		}
	}
}

func TestArchiveMonthIsUTC(t *testing.T) {
	s := newSpool(t)
	// 00:30 on 1 April in Amsterdam is still March in UTC.
	s.Now = func() time.Time { return time.Date(2026, 4, 1, 0, 30, 0, 0, time.FixedZone("CEST", 2*3600)) }
	archived, _, err := s.Archive("jgz", deliver(t, s, "jgz", "x.parquet", "PAR1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(s.Root, "archive/jgz/2026/03/x.parquet"); archived != want {
		t.Errorf("Archive = %s, want %s", archived, want)
	}
}

func TestReject(t *testing.T) {
	s := newSpool(t)
	const reason = "delivery refused: missing columns: perspectief_wonen"
	var got []string
	for _, c := range []string{"x;y\n", "x;z\n"} {
		p := deliver(t, s, "jzplus-horizon", "jzplus.csv", c)
		rejected, err := s.Reject("jzplus-horizon", p, reason)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(s.Root, rejected)
		got = append(got, rel)
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("incoming file still there after Reject: %v", err)
		}
		data, err := os.ReadFile(rejected)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != c {
			t.Errorf("rejected content = %q, want %q", data, c)
		}
		text, err := os.ReadFile(rejected + ".reason")
		if err != nil {
			t.Fatal(err)
		}
		want := "file: jzplus.csv\nrejected: 2026-03-31T21:30:00Z\nsha256: " + sum(c) + "\nreason: " + reason + "\n"
		if diff := cmp.Diff(want, string(text)); diff != "" {
			t.Errorf(".reason (-want +got):\n%s", diff)
		}
		if m := mode(t, rejected+".reason"); m != 0o640 {
			t.Errorf(".reason mode = %o, want 640", m)
		}
	}
	want := []string{"rejected/jzplus-horizon/jzplus.csv", "rejected/jzplus-horizon/jzplus_2.csv"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejected paths (-want +got):\n%s", diff)
	}
}

// A name is taken when only its sidecar is left (say after a crash between
// writing the sidecar and the file): the new file must not pair with it.
func TestSidecarTakesName(t *testing.T) {
	s := newSpool(t)
	dir := filepath.Join(s.Root, "rejected", "jgz")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.csv.reason"), []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := s.Reject("jgz", deliver(t, s, "jgz", "a.csv", "new"), "empty file")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "a_2.csv"); got != want {
		t.Errorf("Reject = %s, want %s", got, want)
	}
	old, err := os.ReadFile(filepath.Join(dir, "a.csv.reason"))
	if err != nil || string(old) != "old" {
		t.Errorf("old .reason changed: %q, %v", old, err)
	}
}

func TestStateAndIncomingDirs(t *testing.T) {
	s := newSpool(t)
	inc, err := s.Incoming("verzuim")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.StateDir("verzuim")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{inc, st}
	want := []string{filepath.Join(s.Root, "incoming", "verzuim"), filepath.Join(s.Root, "state", "verzuim")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dirs (-want +got):\n%s", diff)
	}
	for _, d := range got {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			t.Errorf("%s not created: %v", d, err)
		}
	}
}

func TestBadNames(t *testing.T) {
	s := newSpool(t)
	p := deliver(t, s, "ok", "f.csv", "x")
	for _, name := range []string{"", ".", "..", "a/b", `a\b`, "../x"} {
		if _, err := s.Incoming(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Incoming(%q) err = %v, want ErrBadName", name, err)
		}
		if _, err := s.StateDir(name); !errors.Is(err, ErrBadName) {
			t.Errorf("StateDir(%q) err = %v, want ErrBadName", name, err)
		}
		if _, _, err := s.Archive(name, p); !errors.Is(err, ErrBadName) {
			t.Errorf("Archive(%q) err = %v, want ErrBadName", name, err)
		}
		if _, err := s.Reject(name, p, "r"); !errors.Is(err, ErrBadName) {
			t.Errorf("Reject(%q) err = %v, want ErrBadName", name, err)
		}
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("file moved by a refused call: %v", err)
	}
}

func TestArchiveRefusesSymlinkAndMissing(t *testing.T) {
	s := newSpool(t)
	target := deliver(t, s, "jgz", "real.csv", "x")
	link := filepath.Join(filepath.Dir(target), "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Archive("jgz", link); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Archive(symlink) err = %v, want not a regular file", err)
	}
	if _, _, err := s.Archive("jgz", filepath.Join(filepath.Dir(target), "gone.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Archive(missing) err = %v, want ErrNotExist", err)
	}
}

func TestVariant(t *testing.T) {
	tests := []struct {
		name string
		i    int
		want string
	}{
		{"a.csv", 1, "a.csv"},
		{"a.csv", 2, "a_2.csv"},
		{"a.b.parquet", 3, "a.b_3.parquet"},
		{"noext", 2, "noext_2"},
		{".csv", 2, ".csv_2"},
	}
	for _, tt := range tests {
		if got := variant(tt.name, tt.i); got != tt.want {
			t.Errorf("variant(%q, %d) = %q, want %q", tt.name, tt.i, got, tt.want)
		}
	}
}

// Across filesystems (a mounted inbox) a move copies to a hidden name,
// syncs, then claims the final name exclusively: it never replaces a
// file that exists, and leaves the source until the copy is in place.
func TestClaimAcrossFilesystems(t *testing.T) {
	other, err := os.MkdirTemp("/dev/shm", "spool-test-")
	if err != nil {
		t.Skipf("no second filesystem at /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(other) })
	dir := t.TempDir()
	var a, b syscall.Stat_t
	if syscall.Stat(other, &a) != nil || syscall.Stat(dir, &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is on the same filesystem as the temp folder")
	}
	src, dst := filepath.Join(other, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := claim(src, dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("claim onto an existing file: err = %v, want ErrExist", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "old" {
		t.Errorf("existing file now %q", got)
	}
	os.Remove(dst)
	if err := claim(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "new" {
		t.Errorf("moved file = %q, want new", got)
	}
	if m := mode(t, dst); m != 0o640 {
		t.Errorf("moved file mode = %o, want 640", m)
	}
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("source still there: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
