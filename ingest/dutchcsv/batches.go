package dutchcsv

import (
	"context"
	"errors"
	"io"
)

// Batch is a batch of records read in a row; Err, when set, ended the
// input after them: io.EOF at the end, or the error the reader returned.
type Batch struct {
	Records []Record
	Err     error
}

// RecordReader reads records one at a time, io.EOF at the end: a Reader,
// or ingest's readers of Parquet and Arrow files.
type RecordReader interface {
	Read() (Record, error)
}

// DealBatches reads r in batches of size records and deals them out to
// out in turn, so that several workers can work on them and a consumer
// taking their results in the same turn keeps the records' order. It
// stops after the batch that ends the input or when ctx is done, and
// closes every channel of out.
func DealBatches(ctx context.Context, r RecordReader, size int, out []chan Batch) {
	defer func() {
		for _, ch := range out {
			close(ch)
		}
	}()
	for turn := 0; ctx.Err() == nil; turn++ {
		b := Batch{Records: make([]Record, 0, size)}
		for b.Err == nil && len(b.Records) < size {
			rec, err := r.Read()
			switch {
			case errors.Is(err, io.EOF):
				b.Err = io.EOF
			case err != nil:
				b.Err = err
			default:
				b.Records = append(b.Records, rec)
			}
		}
		select {
		case out[turn%len(out)] <- b:
		case <-ctx.Done():
			return
		}
		if b.Err != nil {
			return
		}
	}
}
