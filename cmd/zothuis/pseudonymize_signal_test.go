package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zothuis/zothuis/pseudonymize"
)

// TestPseudonymizeStopsOnSignalWithSilentInput runs pseudonymize on input
// that stays open and sends nothing (more), from standard input (a pipe
// or a socket) and from a FIFO, and signals it: it stops within two seconds with exit
// status 1, says it was stopped before the end of its input by the
// signal, and leaves no output file, final or .part. It used to wait for
// the end of the input, ignoring the signal.
func TestPseudonymizeStopsOnSignalWithSilentInput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	const header = "bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n"
	rows := header + strings.Repeat("111222333,01-02-2015,V,9711 AB,2025-03-04,geen\n", 3)
	for _, tt := range []struct {
		name    string
		fifo    bool   // the input is a FIFO named on the command line, else standard input
		socket  bool   // standard input is a socket, else a pipe
		stdout  bool   // the output is standard output, else a file
		written string // what the input gets before it falls silent
		sig     syscall.Signal
		want    string // in the message
	}{
		{"stdin silent from the start, SIGINT", false, false, false, "", syscall.SIGINT, "interrupt signal received"},
		{"stdin silent after some rows, SIGINT", false, false, false, rows, syscall.SIGINT, "interrupt signal received"},
		{"stdin silent after the header, SIGTERM", false, false, false, header, syscall.SIGTERM, "terminated signal received"},
		{"stdin to stdout, SIGINT", false, false, true, rows, syscall.SIGINT, "interrupt signal received"},
		{"stdin a socket, SIGINT", false, true, false, rows, syscall.SIGINT, "interrupt signal received"},
		{"FIFO silent after some rows, SIGINT", true, false, false, rows, syscall.SIGINT, "interrupt signal received"},
		{"FIFO silent from the start, SIGTERM", true, false, false, "", syscall.SIGTERM, "terminated signal received"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "source.key")
			if err := pseudonymize.GenerateKey(key); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.csv")
			in := "-"
			var w *os.File // the input's write end, held open and silent
			var stdin *os.File
			if tt.fifo {
				in = filepath.Join(dir, "in.fifo")
				if err := syscall.Mkfifo(in, 0o600); err != nil {
					t.Fatal(err)
				}
				// Read and write: the open does not wait for a reader.
				f, err := os.OpenFile(in, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				w = f
			} else if tt.socket {
				fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				stdin, w = os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "input")
				defer stdin.Close()
			} else {
				r, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				stdin, w = r, pw
			}
			defer w.Close()
			if _, err := w.WriteString(tt.written); err != nil {
				t.Fatal(err)
			}
			target := out
			if tt.stdout {
				target = "-"
			}
			var stderr, stdout lockedBuffer
			cmd := exec.Command(binary(t), "pseudonymize", "--source", "jgz", "--key-file", key, in, target)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				cmd.Process.Kill()
				<-exited
			}()
			// Give it time to start and block in its read: the signal
			// handler is set up long before.
			select {
			case err := <-exited:
				t.Fatalf("pseudonymize exited (%v) with its input open:\n%s", err, stderr.String())
			case <-time.After(500 * time.Millisecond):
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			var err error
			select {
			case err = <-exited:
				exited <- err // for the deferred wait
			case <-time.After(2 * time.Second):
				t.Fatalf("pseudonymize did not stop within 2s of %v with its input open and silent:\n%s", tt.sig, stderr.String())
			}
			t.Logf("stopped %v after the signal", time.Since(start).Round(time.Millisecond))
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Errorf("pseudonymize ended with %v, want exit status 1\n%s", err, stderr.String())
			}
			msg := stderr.String()
			for _, want := range []string{"zothuis pseudonymize: ", "stopped before the end of the input", tt.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, msg)
				}
			}
			if stdin != nil && nonblocking(t, stdin) {
				// The mode belongs to the pipe, shared with whoever gave it
				// (a shell's terminal, were it one).
				t.Error("standard input was left in non-blocking mode")
			}
			for _, p := range []string{out, out + ".part"} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left behind (%v)", filepath.Base(p), err)
				}
			}
		})
	}
}

// nonblocking reports whether f's open file is in non-blocking mode,
// without changing it (f.Fd would make it blocking).
func nonblocking(t *testing.T, f *os.File) bool {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags uintptr
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	}); err != nil {
		t.Fatal(err)
	}
	if errno != 0 {
		t.Fatal(errno)
	}
	return flags&syscall.O_NONBLOCK != 0
}

// TestPseudonymizeFromStdinMatchesFile pseudonymises one raw export from
// standard input as a pipe, a socket and a regular file, and checks each
// output byte for byte against the output of the file named as input.
func TestPseudonymizeFromStdinMatchesFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "source.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	var raw strings.Builder
	raw.WriteString("bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n")
	for i := range 3000 { // three batches and a part, a few rows rejected
		bsn := "111222333"
		if i%97 == 0 {
			bsn = "123456789" // fails the elfproef
		}
		raw.WriteString(bsn + ",01-02-2015,V,9711 AB,2025-03-04,geen\n")
	}
	in := filepath.Join(dir, "raw.csv")
	if err := os.WriteFile(in, []byte(raw.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "want.csv")
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"pseudonymize", "--source", "jgz", "--key-file", key, in, want}, &stdout, &stderr); code != 0 {
		t.Fatalf("pseudonymize %s: exit %d\n%s", in, code, stderr.String())
	}
	wantBytes, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		stdin func(t *testing.T) *os.File // the command's standard input
	}{
		{"pipe", func(t *testing.T) *os.File {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			go func() { w.WriteString(raw.String()); w.Close() }()
			return r
		}},
		{"socket", func(t *testing.T) *os.File {
			// SOCK_CLOEXEC: a child started meanwhile (this test's or a
			// parallel test's) must not inherit the writing end, or the
			// command never reads the end of its input.
			fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			w := os.NewFile(uintptr(fds[1]), "input")
			go func() { w.WriteString(raw.String()); w.Close() }()
			return os.NewFile(uintptr(fds[0]), "stdin")
		}},
		{"regular file", func(t *testing.T) *os.File {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdin := tt.stdin(t)
			defer stdin.Close()
			got := filepath.Join(t.TempDir(), "got.csv")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary(t), "pseudonymize", "--source", "jgz", "--key-file", key, "-", got)
			cmd.Stdin = stdin
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pseudonymize -: %v\n%s", err, out)
			}
			gotBytes, err := os.ReadFile(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(gotBytes) != string(wantBytes) {
				t.Errorf("output from standard input (%d bytes) differs from the output of the file (%d bytes)", len(gotBytes), len(wantBytes))
			}
		})
	}
}
