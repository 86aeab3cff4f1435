package dutchcsv

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadBatches reads files of several lengths through ReadBatches:
// every record arrives once, in order, and the last batch ends the input.
func TestReadBatches(t *testing.T) {
	for _, tt := range []struct {
		name        string
		lines, size int
		batches     int
	}{
		{"empty", 0, 4, 1},
		{"one short batch", 3, 4, 1},
		{"exact batches", 8, 4, 3},
		{"many batches", 23, 4, 6},
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
			var got []int
			var end error
			batches := 0
			err = ReadBatches(r, tt.size, func(b Batch) error {
				if end != nil {
					t.Fatal("a batch after the one that ended the input")
				}
				batches++
				for _, rec := range b.Records {
					got = append(got, rec.Line)
				}
				end = b.Err
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(end, io.EOF) || batches != tt.batches {
				t.Errorf("%d batches, the last ended with %v; want %d and io.EOF", batches, end, tt.batches)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadBatchesPassesErrors checks that a reader's error ends the input
// unchanged, after the records read before it, and that an error of emit
// stops the reading.
func TestReadBatchesPassesErrors(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b\n1,2\n\"unbalanced,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []Batch
	if err := ReadBatches(r, 16, func(b Batch) error { got = append(got, b); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Records) != 1 || !errors.Is(got[0].Err, ErrUnreadable) {
		t.Errorf("got %d batches (%+v), want 1 with 1 record and ErrUnreadable", len(got), got)
	}
	stop := errors.New("sink full")
	r, _ = NewReader(strings.NewReader("n\nx\nx\nx\n"))
	calls := 0
	if err := ReadBatches(r, 1, func(Batch) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("emit failing: %v after %d calls, want it returned after 1", err, calls)
	}
}
