package pseudonymize

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/zothuis/zothuis/ingest/jgz"
)

// failingWriter fails every write after the header, as a full disk or a
// closed pipe does.
type failingWriter struct {
	err    error
	header bool
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if !w.header {
		w.header = true
		return len(p), nil
	}
	return 0, w.err
}

// TestTransformStopsWithSilentInput runs Transform on a pipe that stays
// open and falls silent, and stops it by cancelling or by a failing
// output: it returns why within two seconds, without waiting for input
// that never comes, and leaves no goroutine behind.
func TestTransformStopsWithSilentInput(t *testing.T) {
	errWrite := errors.New("disk full")
	cause := errors.New("told to stop")
	raw := rawJGZ(1500)
	header := raw[:len("bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n")]
	for _, tt := range []struct {
		name    string
		written []byte // what the input gets before it falls silent
		out     io.Writer
		cancel  bool // cancel the context after a while
		want    error
	}{
		{"cancelled before the header", nil, io.Discard, true, cause},
		{"cancelled after the header", header, io.Discard, true, cause},
		{"cancelled in the second batch", raw, io.Discard, true, cause},
		{"output fails while the input is silent", raw, &failingWriter{err: errWrite}, false, errWrite},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			before := runtime.NumGoroutine()
			// The pipe's buffer may be smaller than the input: write it
			// beside.
			go w.Write(tt.written)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			done := make(chan error, 1)
			go func() {
				_, err := Transform(ctx, r, tt.out, Options{Key: benchKey, Contract: jgz.Contract()})
				done <- err
			}()
			if tt.cancel {
				time.Sleep(200 * time.Millisecond)
				cancel(cause)
			}
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("Transform = %v, want %v", err, tt.want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Transform did not return within 2s: it waits for the silent input")
			}
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before {
				if time.Now().After(deadline) {
					t.Fatalf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}
