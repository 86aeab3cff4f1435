package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// entry is what a test sees of a file in its folder.
type entry struct {
	Content string
	Mode    fs.FileMode
}

// listing returns every entry of dir, hidden ones too, so that a
// temporary file left behind shows up in a diff.
func listing(t *testing.T, dir string) map[string]entry {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]entry{}
	for _, de := range des {
		fi, err := de.Info()
		if err != nil {
			t.Fatal(err)
		}
		e := entry{Mode: fi.Mode()}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				t.Fatal(err)
			}
			e.Content = string(b)
		}
		got[de.Name()] = e
	}
	return got
}

// failingReader yields some bytes, then an error: a source that breaks
// midway through a streamed write.
type failingReader struct{ n int }

var errMidway = errors.New("source broke midway")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errMidway
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

// stream writes r to path through Create and commits it, with
// CommitNoReplace if noReplace.
func stream(path string, perm fs.FileMode, r io.Reader, noReplace bool) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	if noReplace {
		return f.CommitNoReplace()
	}
	return f.Commit()
}

func TestWrite(t *testing.T) {
	// A umask that would narrow every mode: the caller's mode must win.
	defer syscall.Umask(syscall.Umask(0o077))
	dirMode := fs.ModeDir | 0o755
	tests := []struct {
		name string
		// existing files in the folder before the write, mode 0644
		// unless a directory (name ending in /)
		existing []string
		write    func(dir string) error
		wantErr  error // matched with errors.Is; nil: any error is wrong
		anyErr   bool  // an error is wanted, whatever it is
		want     map[string]entry
	}{
		{
			name:  "WriteFile new, 0640",
			write: func(dir string) error { return WriteFile(filepath.Join(dir, "a.csv"), []byte("new"), 0o640) },
			want:  map[string]entry{"a.csv": {"new", 0o640}},
		},
		{
			name:  "WriteFile new, 0440",
			write: func(dir string) error { return WriteFile(filepath.Join(dir, "a.csv"), []byte("new"), 0o440) },
			want:  map[string]entry{"a.csv": {"new", 0o440}},
		},
		{
			name:     "WriteFile replaces, and takes the new mode, not the old",
			existing: []string{"a.csv"},
			write:    func(dir string) error { return WriteFile(filepath.Join(dir, "a.csv"), []byte("new"), 0o600) },
			want:     map[string]entry{"a.csv": {"new", 0o600}},
		},
		{
			name: "stream new",
			write: func(dir string) error {
				return stream(filepath.Join(dir, "a.csv"), 0o640, strings.NewReader("streamed"), false)
			},
			want: map[string]entry{"a.csv": {"streamed", 0o640}},
		},
		{
			name:     "stream breaks midway: old file untouched, no temporary file",
			existing: []string{"a.csv"},
			write: func(dir string) error {
				return stream(filepath.Join(dir, "a.csv"), 0o640, &failingReader{n: 100 << 10}, false)
			},
			wantErr: errMidway,
			want:    map[string]entry{"a.csv": {"old a.csv", 0o644}},
		},
		{
			name:     "rename fails (a folder in the way): no temporary file",
			existing: []string{"a.csv/", "a.csv/inside"},
			write:    func(dir string) error { return WriteFile(filepath.Join(dir, "a.csv"), []byte("new"), 0o640) },
			anyErr:   true,
			want:     map[string]entry{"a.csv": {"", dirMode}},
		},
		{
			name:    "folder missing",
			write:   func(dir string) error { return WriteFile(filepath.Join(dir, "no", "a.csv"), []byte("new"), 0o640) },
			wantErr: fs.ErrNotExist,
			want:    map[string]entry{},
		},
		{
			name: "CommitNoReplace on a free name",
			write: func(dir string) error {
				return stream(filepath.Join(dir, "a.csv"), 0o640, strings.NewReader("new"), true)
			},
			want: map[string]entry{"a.csv": {"new", 0o640}},
		},
		{
			name:     "CommitNoReplace refuses an existing file",
			existing: []string{"a.csv"},
			write: func(dir string) error {
				return stream(filepath.Join(dir, "a.csv"), 0o640, strings.NewReader("new"), true)
			},
			wantErr: fs.ErrExist,
			want:    map[string]entry{"a.csv": {"old a.csv", 0o644}},
		},
		{
			name:     "Install a file written by name",
			existing: []string{".a.csv.part", "a.csv"},
			write: func(dir string) error {
				return Install(filepath.Join(dir, ".a.csv.part"), filepath.Join(dir, "a.csv"), 0o640)
			},
			want: map[string]entry{"a.csv": {"old .a.csv.part", 0o640}},
		},
		{
			name:     "Install fails (a folder in the way): the written file is removed",
			existing: []string{".a.csv.part", "a.csv/", "a.csv/inside"},
			write: func(dir string) error {
				return Install(filepath.Join(dir, ".a.csv.part"), filepath.Join(dir, "a.csv"), 0o640)
			},
			anyErr: true,
			want:   map[string]entry{"a.csv": {"", dirMode}},
		},
		{
			name:     "Install refuses a file from another folder",
			existing: []string{"sub/", "sub/a.csv.part"},
			write: func(dir string) error {
				return Install(filepath.Join(dir, "sub", "a.csv.part"), filepath.Join(dir, "a.csv"), 0o640)
			},
			anyErr: true,
			want:   map[string]entry{"sub": {"", dirMode}},
		},
		{
			name:     "RenameNoReplace moves",
			existing: []string{".download"},
			write: func(dir string) error {
				return RenameNoReplace(filepath.Join(dir, ".download"), filepath.Join(dir, "a.csv"))
			},
			want: map[string]entry{"a.csv": {"old .download", 0o644}},
		},
		{
			name:     "RenameNoReplace refuses an existing file and leaves both",
			existing: []string{".download", "a.csv"},
			write: func(dir string) error {
				return RenameNoReplace(filepath.Join(dir, ".download"), filepath.Join(dir, "a.csv"))
			},
			wantErr: fs.ErrExist,
			want:    map[string]entry{".download": {"old .download", 0o644}, "a.csv": {"old a.csv", 0o644}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range tt.existing {
				p := filepath.Join(dir, n)
				var err error
				mode := fs.FileMode(0o644)
				if strings.HasSuffix(n, "/") { // filepath.Join dropped the slash
					mode, err = 0o755, os.Mkdir(p, 0o755)
				} else {
					err = os.WriteFile(p, []byte("old "+n), 0o644)
				}
				if err == nil {
					err = os.Chmod(p, mode) // past the umask
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			err := tt.write(dir)
			switch {
			case tt.anyErr && err == nil:
				t.Errorf("err = nil, want an error")
			case !tt.anyErr && tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, listing(t, dir)); diff != "" {
				t.Errorf("folder (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommitTwice(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "a"), 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Cleanup() // after a commit: does nothing
	if err := f.Commit(); err == nil {
		t.Error("second Commit: err = nil, want an error")
	}
	if diff := cmp.Diff(map[string]entry{"a": {"", 0o640}}, listing(t, dir)); diff != "" {
		t.Errorf("folder (-want +got):\n%s", diff)
	}
}

func TestRenameNoReplaceAcrossFilesystems(t *testing.T) {
	other, err := os.MkdirTemp("/dev/shm", "atomicfile-test-")
	if err != nil {
		t.Skipf("no second filesystem at /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(other) })
	dir := t.TempDir()
	var a, b syscall.Stat_t
	if syscall.Stat(other, &a) != nil || syscall.Stat(dir, &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is on the same filesystem as the temp folder")
	}
	src := filepath.Join(other, "src")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RenameNoReplace(src, filepath.Join(dir, "dst")); !errors.Is(err, syscall.EXDEV) {
		t.Errorf("err = %v, want EXDEV", err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("source gone: %v", err)
	}
}

// readOnlyDirEnv names the folder of TestReadOnlyFolder when the test
// binary runs it again as an unprivileged user.
const readOnlyDirEnv = "ATOMICFILE_READONLY_DIR"

// TestReadOnlyFolder: in a folder the process cannot write, a write fails,
// leaves no temporary file and the existing file as it was. Root writes
// whatever the folder's mode, so as root the test binary runs the test
// again as user nobody.
func TestReadOnlyFolder(t *testing.T) {
	dir := os.Getenv(readOnlyDirEnv)
	switch {
	case dir != "":
	case os.Geteuid() != 0:
		dir = t.TempDir()
	default:
		runAsNobody(t)
		return
	}
	path := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o550); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o750)
	for _, write := range []func() error{
		func() error { return WriteFile(path, []byte("new"), 0o640) },
		func() error { return stream(path, 0o640, strings.NewReader("new"), false) },
		func() error { return stream(path, 0o640, strings.NewReader("new"), true) },
	} {
		if err := write(); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("err = %v, want ErrPermission", err)
		}
	}
	if diff := cmp.Diff(map[string]entry{"a.csv": {"old", 0o640}}, listing(t, dir)); diff != "" {
		t.Errorf("folder (-want +got):\n%s", diff)
	}
}

// runAsNobody runs TestReadOnlyFolder in a copy of this test binary as
// user nobody, in a folder nobody owns.
func runAsNobody(t *testing.T) {
	const nobody = 65534
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The go tool's build folder is root's alone: nobody runs a copy.
	root, err := os.MkdirTemp("", "atomicfile-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin, dir := filepath.Join(root, "atomicfile.test"), filepath.Join(root, "dir")
	for _, step := range []func() error{
		func() error { return os.WriteFile(bin, b, 0o755) },
		func() error { return os.Chmod(root, 0o755) },
		func() error { return os.Mkdir(dir, 0o750) },
		func() error { return os.Chown(dir, nobody, nobody) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyFolder$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), readOnlyDirEnv+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot run as user nobody: %v", err)
	}
	if err != nil {
		t.Fatalf("as user nobody: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestReadOnlyFolder") {
		t.Fatalf("as user nobody, the test did not run:\n%s", out)
	}
}
