package httpspull

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zothuis/zothuis/ingest/pulltimeout"
)

// A server that accepts and never answers, or stalls in the middle of the
// body, is given up on at the timeout, and the error names the setting.
// Cancelling the caller's context reaches the blocked read as well.
func TestPullTimeoutNamesTheSetting(t *testing.T) {
	tests := []struct {
		name    string
		stall   func(w http.ResponseWriter) // before blocking
		cancel  bool                        // cancel the caller's context instead of waiting for the timeout
		wantMsg string                      // after "https pull <url>: "
	}{
		{name: "no answer", stall: func(w http.ResponseWriter) {}, wantMsg: "timed out after 300ms (https.timeout)"},
		{name: "stalls mid-body", stall: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("bsn_pseudo;datum\n"))
			w.(http.Flusher).Flush()
		}, wantMsg: "download: timed out after 300ms (https.timeout)"},
		{name: "cancelled mid-body", cancel: true, stall: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("bsn_pseudo;datum\n"))
			w.(http.Flusher).Flush()
		}, wantMsg: "context canceled"}, // with or without "download: ", as the headers may not be read yet
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			blocked := make(chan struct{}, 1)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				tt.stall(w)
				blocked <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			t.Cleanup(func() { close(release) }) // runs before the server's Close
			p, o := newPuller(t, srv.Server, "/exports/latest", goodToken)
			p.opts.Timeout = 300 * time.Millisecond
			if tt.cancel {
				p.opts.Timeout = time.Minute
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() { <-blocked; cancel() }()
			}
			dir := t.TempDir()
			start := time.Now()
			_, err := p.Pull(ctx, dir)
			took := time.Since(start)
			if err == nil {
				t.Fatal("Pull succeeded against a server that never finishes")
			}
			want := "https pull " + o.URL + ": " + tt.wantMsg
			if tt.cancel {
				if !errors.Is(err, context.Canceled) || !strings.HasSuffix(err.Error(), tt.wantMsg) {
					t.Errorf("err = %q, want a cancellation", err)
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
