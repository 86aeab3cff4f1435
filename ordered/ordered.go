// Package ordered runs a stream through parallel workers and keeps its
// order: one reader emits items, Workers goroutines turn them into results,
// and one sink takes the results in the order the items were emitted.
//
// Every goroutine belongs to one errgroup: Run returns only after all of
// them have left, so the caller may close the input once Run is back, and
// never before. The first error of any stage, or the end of ctx, stops the
// others; Interrupt lets a reader blocked in its input hear of it.
package ordered

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// Pool is the stages of one ordered run. Read, NewWorker and Sink are
// required.
type Pool[In, Out any] struct {
	// Workers is how many goroutines run workers; at least one.
	Workers int
	// Depth is how many items may queue before and after each worker; at
	// least one. Items are dealt out to the workers in strict turn, so a
	// little depth smooths the stalls of a slow item.
	Depth int

	// Read reads the input and emits its items in order, then returns nil.
	// emit blocks until a worker can take the item; it returns an error
	// once the run is stopping, which Read should return. Read runs in a
	// goroutine of its own.
	Read func(ctx context.Context, emit func(In) error) error
	// NewWorker is called once in each worker goroutine and returns the
	// function that worker applies to its items: per-worker state (a
	// hasher, a buffer) lives in its closure.
	NewWorker func() func(In) (Out, error)
	// Sink takes the results one at a time, in the order of the items. It
	// runs in a goroutine of its own.
	Sink func(Out) error
	// Interrupt, when set, is called once if the run stops early (an
	// error, or ctx ended) while Read may still run. It must make a read
	// blocked in the input return, and be safe to call while Read runs:
	// set a read deadline in the past, or close a pollable file. It must
	// not free what Read uses.
	Interrupt func()
}

// errStopped ends a read that returned nil although an emit was refused,
// so that a run cut short never looks complete. The group's first error,
// returned instead, says why it stopped.
var errStopped = errors.New("ordered: read returned after the run stopped")

// Run runs the pool until the reader is done and the sink has taken every
// result, or until the first error, and returns that error; when ctx has
// ended by then, the context's cause instead (a stage may fail first only
// because of the end: an interrupted read). After an error the sink may
// stop short of the failed item, but it never sees a result out of order
// or after a gap. Run returns nil only when every emitted item's result
// reached the sink.
func (p *Pool[In, Out]) Run(ctx context.Context) error {
	n, depth := max(p.Workers, 1), max(p.Depth, 1)
	g, gctx := errgroup.WithContext(ctx)
	// A stage that leaves because another failed returns the cause: the
	// first error, or ctx's own cause.
	stopped := func() error { return context.Cause(gctx) }

	ins := make([]chan In, n)
	outs := make([]chan Out, n)
	for i := range n {
		ins[i], outs[i] = make(chan In, depth), make(chan Out, depth)
	}

	readDone := make(chan struct{})
	g.Go(func() error {
		defer close(readDone)
		defer func() {
			for _, ch := range ins {
				close(ch)
			}
		}()
		turn := 0
		var refused error
		emit := func(v In) error {
			if refused == nil && gctx.Err() != nil {
				// select picks at random among ready cases: a worker
				// with room must not keep a stopped reader going.
				refused = stopped()
			}
			if refused != nil {
				return refused
			}
			select {
			case ins[turn] <- v:
				if turn++; turn == n {
					turn = 0
				}
				return nil
			case <-gctx.Done():
				refused = stopped()
				return refused
			}
		}
		err := p.Read(gctx, emit)
		if err == nil && refused != nil {
			err = errStopped
		}
		return err
	})
	if p.Interrupt != nil {
		// Waits for whichever comes first: the stop, or the reader's end,
		// after which there is no read left to interrupt.
		g.Go(func() error {
			select {
			case <-gctx.Done():
				p.Interrupt()
			case <-readDone:
			}
			return nil
		})
	}

	for i := range n {
		g.Go(func() error {
			defer close(outs[i])
			work := p.NewWorker()
			for v := range ins[i] {
				out, err := work(v)
				if err != nil {
					return err
				}
				select {
				case outs[i] <- out:
				case <-gctx.Done():
					return stopped()
				}
			}
			return nil
		})
	}

	g.Go(func() error {
		// The k-th item went to worker k mod n, and each worker keeps its
		// items' order: taking the results in the same turn restores the
		// order. The first closed channel in turn is the end; on a stop it
		// may come early, and the group's error says why.
		for turn := 0; ; {
			out, ok := <-outs[turn]
			if !ok {
				return nil
			}
			if err := p.Sink(out); err != nil {
				return err
			}
			if turn++; turn == n {
				turn = 0
			}
		}
	})

	err := g.Wait()
	if err != nil && ctx.Err() != nil {
		// A stage that failed under the stop (a read interrupted, a result
		// cut short) may have returned first: the stop says why.
		err = context.Cause(ctx)
	}
	return err
}
