package dutchcsv

import (
	"errors"
	"fmt"
	"io"
	"strconv"
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

// TestReadBatchesReusing reads a file whose lines mix plain and quoted
// fields (the two ways Read splits), giving each batch back as soon as it
// is checked: every record reads as without reuse, the records of a batch
// not given back stay as they were, and a batch given back is what a
// later batch is read into, fields included.
func TestReadBatchesReusing(t *testing.T) {
	var in strings.Builder
	in.WriteString("a,b,c\n")
	for i := range 50 {
		switch i % 7 {
		case 3:
			fmt.Fprintf(&in, "\"q,%d\",x,\"y\"\"\"\n", i)
		case 5:
			fmt.Fprintf(&in, "short%d\n", i) // a field count error
		default:
			fmt.Fprintf(&in, "%d,line %d,%d\n", i, i, i*i)
		}
	}
	read := func(u *Reuse, keep func(Batch) bool) (got [][]string, kept []Batch, reused int) {
		t.Helper()
		r, err := NewReader(strings.NewReader(in.String()))
		if err != nil {
			t.Fatal(err)
		}
		var given []Batch
		err = ReadBatchesReusing(r, 4, u, func(b Batch) error {
			for _, g := range given {
				if len(b.Records) > 0 && &b.Records[:1][0] == &g.Records[:1][0] {
					if len(b.Records[0].Fields) > 0 && len(g.slots) > 0 && &b.Records[0].Fields[0] == &g.slots[0] {
						reused++
					}
				}
			}
			for _, rec := range b.Records {
				got = append(got, append([]string{strconv.Itoa(rec.Line), strconv.FormatBool(rec.FieldCountErr)}, rec.Fields...))
			}
			if keep(b) {
				kept = append(kept, b)
				return nil
			}
			given = append(given, b)
			u.Put(b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, kept, reused
	}
	copyOf := func(bs []Batch) [][]string {
		var c [][]string
		for _, b := range bs {
			for _, rec := range b.Records {
				c = append(c, append([]string{strconv.Itoa(rec.Line), strconv.FormatBool(rec.FieldCountErr)}, rec.Fields...))
			}
		}
		return c
	}

	want, _, _ := read(nil, func(Batch) bool { return true })
	if len(want) != 50 {
		t.Fatalf("%d records without reuse, want 50", len(want))
	}
	n := 0
	everyThird := func(Batch) bool { n++; return n%3 == 0 }
	got, kept, reused := read(NewReuse(2), everyThird)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records read with reuse (-without +with):\n%s", diff)
	}
	var wantKept [][]string
	for i, rec := range want {
		if (i/4+1)%3 == 0 {
			wantKept = append(wantKept, rec)
		}
	}
	if diff := cmp.Diff(wantKept, copyOf(kept)); diff != "" {
		t.Errorf("batches not given back, after the reading (-as read +now):\n%s", diff)
	}
	if reused == 0 {
		t.Error("no batch given back was read into again")
	}
}
