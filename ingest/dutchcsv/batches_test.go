package dutchcsv

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDealBatches reads files of several lengths through DealBatches and
// takes the batches back in turn, as ingest and pseudonymize do: every
// record arrives once, in order, and the last batch ends the input.
func TestDealBatches(t *testing.T) {
	for _, tt := range []struct {
		name        string
		lines, size int
		workers     int
	}{
		{"empty", 0, 4, 2},
		{"one short batch", 3, 4, 2},
		{"exact batches", 8, 4, 2},
		{"many batches, three workers", 23, 4, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var in strings.Builder
			in.WriteString("n\n")
			var want []int
			for i := range tt.lines {
				in.WriteString("x\n")
				want = append(want, i+2)
			}
			r, err := NewReader(strings.NewReader(in.String()))
			if err != nil {
				t.Fatal(err)
			}
			out := make([]chan Batch, tt.workers)
			for i := range out {
				out[i] = make(chan Batch, 1)
			}
			go DealBatches(context.Background(), r, tt.size, out)
			var got []int
			var end error
			for turn := 0; end == nil; turn++ {
				b, ok := <-out[turn%len(out)]
				if !ok {
					t.Fatal("channel closed before the batch that ends the input")
				}
				for _, rec := range b.Records {
					got = append(got, rec.Line)
				}
				end = b.Err
			}
			if !errors.Is(end, io.EOF) {
				t.Errorf("last batch ended with %v, want io.EOF", end)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDealBatchesPassesReadErrors checks that a reader's error ends the
// input unchanged, after the records read before it.
func TestDealBatchesPassesReadErrors(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b\n1,2\n\"unbalanced,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := []chan Batch{make(chan Batch, 1)}
	go DealBatches(context.Background(), r, 16, out)
	b := <-out[0]
	if len(b.Records) != 1 || !errors.Is(b.Err, ErrUnreadable) {
		t.Errorf("got %d records and %v, want 1 record and ErrUnreadable", len(b.Records), b.Err)
	}
	if _, ok := <-out[0]; ok {
		t.Error("a batch after the one that ended the input")
	}
}
