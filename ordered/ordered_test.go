package ordered

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// settles fails t unless the goroutines started since before have all
// left within a few seconds.
func settles(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left running, %d before the run:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

// count emits 0 to n-1.
func count(n int) func(context.Context, func(int) error) error {
	return func(_ context.Context, emit func(int) error) error {
		for i := range n {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	}
}

// forever emits 0, 1, ... until emit refuses.
func forever(_ context.Context, emit func(int) error) error {
	for i := 0; ; i++ {
		if err := emit(i); err != nil {
			return err
		}
	}
}

// TestOrder runs items through workers that take random times: the sink
// gets every result once, in the order of the items.
func TestOrder(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		items, workers, depth int
	}{
		{"no items", 0, 3, 2},
		{"one item", 1, 3, 2},
		{"fewer items than workers", 2, 3, 1},
		{"one worker", 50, 1, 1},
		{"no workers given", 50, 0, 0},
		{"three workers", 500, 3, 4},
		{"many workers, no depth", 500, 16, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			var got []int
			p := Pool[int, int]{
				Workers: tt.workers,
				Depth:   tt.depth,
				Read:    count(tt.items),
				NewWorker: func() func(int) (int, error) {
					return func(v int) (int, error) {
						time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
						return v * 10, nil
					}
				},
				Sink: func(v int) error { got = append(got, v); return nil },
			}
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			var want []int
			for i := range tt.items {
				want = append(want, i*10)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			settles(t, before)
		})
	}
}

// TestFirstErrorStops fails one stage on an endless input: Run returns
// that error, not the ones the other stages return as they stop, and
// every goroutine leaves; the sink saw a gapless prefix of the results,
// in order.
func TestFirstErrorStops(t *testing.T) {
	errFirst := errors.New("first")
	errLater := errors.New("a stage stopping after the first error")
	const failAt = 37
	for _, tt := range []struct {
		name               string
		worker, sink, read bool // which stage fails at item failAt
	}{
		{name: "worker", worker: true},
		{name: "sink", sink: true},
		{name: "reader", read: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			var got []int
			var stopping atomic.Bool
			p := Pool[int, int]{
				Workers: 3,
				Depth:   2,
				Read: func(ctx context.Context, emit func(int) error) error {
					for i := 0; ; i++ {
						if tt.read && i == failAt {
							return errFirst
						}
						if err := emit(i); err != nil {
							return errLater
						}
					}
				},
				NewWorker: func() func(int) (int, error) {
					return func(v int) (int, error) {
						if tt.worker && v == failAt {
							return 0, errFirst
						}
						if stopping.Load() {
							return 0, errLater
						}
						return v, nil
					}
				},
				Sink: func(v int) error {
					if tt.sink && v == failAt {
						stopping.Store(true)
						return errFirst
					}
					got = append(got, v)
					return nil
				},
			}
			done := make(chan error, 1)
			go func() { done <- p.Run(context.Background()) }()
			select {
			case err := <-done:
				if !errors.Is(err, errFirst) {
					t.Errorf("Run = %v, want the first error %v", err, errFirst)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not stop after an error")
			}
			if len(got) > failAt {
				t.Errorf("the sink got %d results, beyond the failed item %d", len(got), failAt)
			}
			for i, v := range got {
				if v != i {
					t.Fatalf("result %d is %d: the sink's results are not a gapless prefix: %v", i, v, got)
				}
			}
			settles(t, before)
		})
	}
}

// TestCancelInterruptsBlockedRead cancels a run whose reader is blocked in
// a pipe that stays open and silent: Interrupt makes the read return, Run
// returns the context's cause promptly and only after the reader has
// left, and no goroutine stays behind.
func TestCancelInterruptsBlockedRead(t *testing.T) {
	for _, tt := range []struct {
		name      string
		interrupt func(r *os.File) func()
	}{
		{"read deadline", func(r *os.File) func() { return func() { r.SetReadDeadline(time.Now()) } }},
		{"close", func(r *os.File) func() { return func() { r.Close() } }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			defer r.Close()
			before := runtime.NumGoroutine()
			cause := errors.New("told to stop")
			ctx, cancel := context.WithCancelCause(context.Background())
			var readerLeft, interrupted atomic.Bool
			sunk := make(chan int, 16)
			p := Pool[int, int]{
				Workers: 2,
				Read: func(ctx context.Context, emit func(int) error) error {
					defer func() {
						// A reader slow to leave: Run must wait for it.
						time.Sleep(50 * time.Millisecond)
						readerLeft.Store(true)
					}()
					for i := 0; i < 3; i++ {
						if err := emit(i); err != nil {
							return err
						}
					}
					buf := make([]byte, 1)
					_, err := r.Read(buf) // blocks: nobody writes
					return err
				},
				NewWorker: func() func(int) (int, error) { return func(v int) (int, error) { return v, nil } },
				Sink:      func(v int) error { sunk <- v; return nil },
				Interrupt: func() { interrupted.Store(true); tt.interrupt(r)() },
			}
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			for range 3 {
				<-sunk
			}
			start := time.Now()
			cancel(cause)
			select {
			case err := <-done:
				if !errors.Is(err, cause) {
					t.Errorf("Run = %v, want the cause %v", err, cause)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("Run took %v to return after the cancel", d)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after the cancel: the blocked read was not interrupted")
			}
			if !readerLeft.Load() {
				t.Error("Run returned before the reader left")
			}
			if !interrupted.Load() {
				t.Error("Interrupt was not called")
			}
			settles(t, before)
		})
	}
}

// TestNoInterruptAfterTheEnd checks that a run that read all its input is
// not interrupted, and that the end of ctx after the run changes nothing.
func TestNoInterruptAfterTheEnd(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	var interrupted atomic.Bool
	var got []int
	p := Pool[int, int]{
		Workers:   2,
		Read:      count(5),
		NewWorker: func() func(int) (int, error) { return func(v int) (int, error) { return v, nil } },
		Sink:      func(v int) error { got = append(got, v); return nil },
		Interrupt: func() { interrupted.Store(true) },
	}
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if interrupted.Load() {
		t.Error("a complete run was interrupted")
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	settles(t, before)
}

// TestReaderIgnoringRefusal checks that a reader that swallows emit's
// error cannot make a stopped run look complete.
func TestReaderIgnoringRefusal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Pool[int, int]{
		Workers: 1,
		Read: func(ctx context.Context, emit func(int) error) error {
			for i := 0; i < 100; i++ {
				if i == 10 {
					cancel()
				}
				emit(i) // the error dropped
			}
			return nil
		},
		NewWorker: func() func(int) (int, error) { return func(v int) (int, error) { return v, nil } },
		Sink:      func(int) error { return nil },
	}
	if err := p.Run(ctx); err == nil {
		t.Error("Run = nil for a run stopped part-way")
	}
}

// TestCancelledBeforeStart checks that a run on a context already ended
// returns its cause without calling the sink.
func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var sunk int
	p := Pool[int, int]{
		Workers:   2,
		Read:      forever,
		NewWorker: func() func(int) (int, error) { return func(v int) (int, error) { return v, nil } },
		Sink:      func(int) error { sunk++; return nil },
	}
	if err := p.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if sunk > 0 {
		t.Errorf("the sink took %d results on a cancelled context", sunk)
	}
}
