package pulltimeout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTimeoutErrorText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:       "timed out after 30s (https.timeout)",
		5 * time.Minute:        "timed out after 5m (https.timeout)",
		90 * time.Second:       "timed out after 1m30s (https.timeout)",
		time.Hour:              "timed out after 1h (https.timeout)",
		300 * time.Millisecond: "timed out after 300ms (https.timeout)",
	} {
		if got := (&Error{Setting: "https.timeout", After: d}).Error(); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
	if strings.Contains((&Error{Setting: "https.timeout", After: time.Hour}).Error(), "deadline") {
		t.Error("the message speaks of a deadline")
	}
}

// TestOf: a context ended by its own timeout gives the Error; one the
// caller cancelled, or none ended, leaves the error as it is.
func TestOf(t *testing.T) {
	base := errors.New("read: connection reset")
	timed, cancel := WithTimeout(context.Background(), time.Millisecond, "sftp.timeout")
	defer cancel()
	<-timed.Done()
	caller, stop := context.WithCancel(context.Background())
	inner, cancel2 := WithTimeout(caller, time.Hour, "sftp.timeout")
	defer cancel2()
	stop()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"own timeout", timed, "timed out after 1ms (sftp.timeout)"},
		{"caller cancelled", inner, base.Error()},
		{"not ended", context.Background(), base.Error()},
	} {
		got := Of(tc.ctx, base)
		if got.Error() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if tc.name == "own timeout" && !errors.Is(got, context.DeadlineExceeded) {
			t.Errorf("%s: %v does not match context.DeadlineExceeded", tc.name, got)
		}
	}
}
