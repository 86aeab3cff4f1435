package ingest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zothuis/zothuis/ingest/dutchcsv"
)

// watchedRows is an endless, slow rowSource that counts reads made while
// or after it is closed: IngestFile closes its rows when load returns.
type watchedRows struct {
	header     []string
	line       atomic.Int64
	reading    atomic.Int32
	closed     atomic.Bool
	underClose atomic.Int32 // reads in flight at Close, or begun after it
}

func (w *watchedRows) Header() []string { return w.header }

func (w *watchedRows) Read() (dutchcsv.Record, error) {
	w.reading.Add(1)
	defer w.reading.Add(-1)
	if w.closed.Load() {
		w.underClose.Add(1)
	}
	line := w.line.Add(1)
	if line%128 == 0 {
		time.Sleep(time.Millisecond) // a slow disk: the reader is the slowest stage
	}
	return dutchcsv.Record{Line: int(line), Fields: make([]string, len(w.header))}, nil
}

func (w *watchedRows) Close() error {
	w.closed.Store(true)
	w.underClose.Add(w.reading.Load())
	return nil
}

// TestCheckRowsStopsReadingBeforeReturning stops the row checking while
// the reader is busy, by cancelling and by a failing sink: checkRows
// returns the reason, and only once nothing reads the rows any more, so
// that closing them then (as IngestFile does) never happens under a read.
func TestCheckRowsStopsReadingBeforeReturning(t *testing.T) {
	c, err := Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	pos := make([]int, len(c.Columns))
	for i := range pos {
		pos[i] = i
	}
	errSink := errors.New("appender failed")
	for _, tt := range []struct {
		name    string
		cancel  bool  // cancel the context from the sink
		sinkErr error // else fail the sink with this
		want    error
	}{
		{"cancelled", true, nil, context.Canceled},
		{"sink fails", false, errSink, errSink},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 { // a race: several tries
				rows := &watchedRows{header: c.Names()}
				ctx, cancel := context.WithCancel(context.Background())
				in := &Ingester{ResearchKey: make([]byte, 32)}
				batches := 0
				err := in.checkRows(ctx, c, rows, pos, func(b prepBatch) error {
					if batches++; batches < 2 {
						return nil
					}
					if tt.cancel {
						cancel()
						return nil
					}
					return tt.sinkErr
				})
				rows.Close()
				cancel()
				if !errors.Is(err, tt.want) {
					t.Fatalf("checkRows = %v, want %v", err, tt.want)
				}
				time.Sleep(5 * time.Millisecond) // a reader left running would read again
				if n := rows.underClose.Load(); n > 0 {
					t.Fatalf("%d reads of the rows in flight at their close or after it", n)
				}
			}
		})
	}
}
