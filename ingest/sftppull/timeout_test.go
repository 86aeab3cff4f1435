package sftppull

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pkg/sftp"

	"github.com/zothuis/zothuis/ingest/pulltimeout"
)

// stallingFS serves an outbox holding one file whose first bytes come at
// once and the rest never, until release is closed: a server that stalls
// in the middle of a download.
type stallingFS struct {
	head    []byte
	size    int64
	mtime   time.Time
	release <-chan struct{}
	reading chan<- struct{} // told when the read reaches the stall
}

type fakeInfo struct {
	name  string
	size  int64
	mtime time.Time
	dir   bool
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) ModTime() time.Time { return f.mtime }
func (f fakeInfo) IsDir() bool        { return f.dir }
func (f fakeInfo) Sys() any           { return nil }
func (f fakeInfo) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o750
	}
	return 0o640
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}

func (s *stallingFS) file() fakeInfo {
	return fakeInfo{name: "jgz_2026-10.csv", size: s.size, mtime: s.mtime}
}

func (s *stallingFS) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if r.Method == "List" {
		return listerAt{s.file()}, nil
	}
	if path.Base(r.Filepath) == "outbox" {
		return listerAt{fakeInfo{name: "outbox", mtime: s.mtime, dir: true}}, nil
	}
	return listerAt{s.file()}, nil
}

func (s *stallingFS) Fileread(*sftp.Request) (io.ReaderAt, error) { return s, nil }

func (s *stallingFS) ReadAt(p []byte, off int64) (int, error) {
	if off < int64(len(s.head)) {
		return copy(p, s.head[off:]), nil
	}
	select {
	case s.reading <- struct{}{}:
	default:
	}
	<-s.release
	return 0, io.EOF
}

// A server that accepts and never answers, or stalls in the middle of a
// file, is given up on at the timeout, and the error names the setting;
// cancelling the caller's context reaches the blocked read as well.
func TestPullTimeoutNamesTheSetting(t *testing.T) {
	tests := []struct {
		name    string
		silent  bool // the server accepts the connection and says nothing
		cancel  bool // cancel the caller's context when the read stalls
		wantMsg string
	}{
		{name: "no answer", silent: true, wantMsg: "timed out after 300ms (sftp.timeout)"},
		{name: "stalls mid-file", wantMsg: "download jgz_2026-10.csv: timed out after 300ms (sftp.timeout)"},
		{name: "cancelled mid-file", cancel: true, wantMsg: "download jgz_2026-10.csv: context canceled ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			release := make(chan struct{})
			reading := make(chan struct{}, 1)
			o := f.opts
			if tt.silent {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
				go func() {
					c, err := ln.Accept()
					if err == nil {
						io.Copy(io.Discard, c) // until the client gives up
						c.Close()
					}
				}()
				o.Address = ln.Addr().String()
				o.KnownHostsFile = knownHostsFile(t, o.Address, f.srv.hostKey)
			} else {
				user := newEd25519(t)
				sfs := &stallingFS{head: []byte("bsn_pseudo;datum\n"), size: 100, mtime: time.Now().Add(-time.Hour).Truncate(time.Second),
					release: release, reading: reading}
				srv := startServerWith(t, newEd25519(t), sshPub(t, user), &sftp.Handlers{FileGet: sfs, FileList: sfs})
				o.Address = srv.addr
				o.KeyFile = keyFile(t, user, "")
				o.KnownHostsFile = knownHostsFile(t, srv.addr, srv.hostKey)
			}
			t.Cleanup(func() { close(release) }) // before the server's cleanup
			o.Timeout = 300 * time.Millisecond
			if tt.cancel {
				o.Timeout = time.Minute
			}
			p, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() { <-reading; cancel() }()
			}
			dir := t.TempDir()
			start := time.Now()
			_, err = p.Pull(ctx, dir)
			took := time.Since(start)
			if err == nil {
				t.Fatal("Pull succeeded against a server that never finishes")
			}
			want := "sftp pull " + o.Address + ": " + tt.wantMsg
			if tt.cancel {
				if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("err = %q, want a cancellation starting %q", err, want)
				}
			} else if err.Error() != want {
				t.Errorf("message:\n got %q\nwant %q", err, want)
			}
			var te *pulltimeout.Error
			if got := errors.As(err, &te); got == tt.cancel {
				t.Errorf("errors.As(err, *pulltimeout.Error) = %v, want %v", got, !tt.cancel)
			}
			if !tt.cancel && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v does not match context.DeadlineExceeded", err)
			}
			if took > 2*time.Second {
				t.Errorf("Pull took %s; want it to end at the 300ms timeout or the cancellation", took)
			}
			if left := listDir(t, dir); len(left) != 0 {
				t.Errorf("pull folder holds %v after a failed pull, want nothing", left)
			}
		})
	}
}

// Issue 16, finding 10: a remote file whose writer paused longer than
// Settle mid-line rests, but is cut off: it is not handed over, nor
// downloaded again until it changes; the whole file is handed over then.
func TestCutOffFileWaits(t *testing.T) {
	f := newFixture(t)
	var logs strings.Builder
	o := f.opts
	o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old := f.clk.t.Add(-time.Hour).Truncate(time.Second)
	f.srv.put(t, "outbox/jgz.csv", "a;b\n1;2\n3;", old)
	for i := range 2 {
		got, err := p.Pull(context.Background(), dir)
		if err != nil || got != nil {
			t.Fatalf("pull %d of the cut-off file: %v, %v; want nothing", i+1, got, err)
		}
		f.clk.t = f.clk.t.Add(2 * time.Minute)
	}
	if n := strings.Count(logs.String(), "file not taken yet"); n != 1 {
		t.Errorf("cut-off file logged %d times, want once (downloaded once):\n%s", n, logs.String())
	}
	f.srv.put(t, "outbox/jgz.csv", "a;b\n1;2\n3;4\n", old.Add(30*time.Minute))
	got, err := p.Pull(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Join(dir, "jgz.csv")}, got); diff != "" {
		t.Fatalf("handed over (-want +got):\n%s", diff)
	}
	if b, err := os.ReadFile(got[0]); err != nil || string(b) != "a;b\n1;2\n3;4\n" {
		t.Errorf("handed over %q, %v; want the whole file", b, err)
	}
}
