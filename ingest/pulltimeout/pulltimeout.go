// Package pulltimeout is the error of a pull cut off by its configured
// timeout, shared by the pullers that talk to a server (https, sftp), so
// that an operator reads which setting ended it ("timed out after 30s
// (https.timeout)") instead of "context deadline exceeded".
package pulltimeout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error is a pull cut off by its configured timeout: a server that does
// not answer, or stalls in the middle of a file. It matches
// context.DeadlineExceeded with errors.Is.
type Error struct {
	Setting string        // the configuration key that set the timeout
	After   time.Duration // its value
}

func (e *Error) Error() string {
	return fmt.Sprintf("timed out after %s (%s)", shortDuration(e.After), e.Setting)
}

// Is makes an Error match context.DeadlineExceeded.
func (e *Error) Is(target error) bool { return target == context.DeadlineExceeded }

// WithTimeout is context.WithTimeout whose expiry is an *Error naming
// setting; d <= 0 sets no timeout.
func WithTimeout(ctx context.Context, d time.Duration, setting string) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, &Error{Setting: setting, After: d})
}

// Of returns the *Error when ctx ended by its pull's own timeout, and
// err otherwise: a cancellation from the caller, such as SIGTERM, stays
// what it is.
func Of(ctx context.Context, err error) error {
	var te *Error
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &te) {
		return te
	}
	return err
}

// shortDuration drops the zero tails of time.Duration's text: 5m, not 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
