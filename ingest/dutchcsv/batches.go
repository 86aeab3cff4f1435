package dutchcsv

// Batch is a batch of records read in a row; Err, when set, ended the
// input after them: io.EOF at the end, or the error the reader returned.
type Batch struct {
	Records []Record
	Err     error
	// slots is the field memory a Reader carved the records' Fields from,
	// kept so that Reuse can hand it to a later batch.
	slots []string
}

// RecordReader reads records one at a time, io.EOF at the end: a Reader,
// or ingest's readers of Parquet and Arrow files.
type RecordReader interface {
	Read() (Record, error)
}

// ReadBatches reads r in batches of size records and hands each to emit,
// in order, as the reader of an ordered worker pool does for ingest and
// pseudonymize. It returns after the batch that ends the input (whose Err
// is set) or with the first error of emit.
func ReadBatches(r RecordReader, size int, emit func(Batch) error) error {
	return ReadBatchesReusing(r, size, nil, emit)
}

// Reuse holds the memory of batches whose records are no longer used, for
// ReadBatchesReusing to read later batches into. At national scale the
// records and their field slots are most of what pseudonymize allocates,
// and so most of its garbage collection (BENCHMARKS.md, change 28). A
// batch kept for reuse still holds its old fields, and so the input
// chunks they came from, until a later batch overwrites them: a few
// chunks per batch kept.
type Reuse struct {
	free chan Batch
}

// NewReuse returns a Reuse that keeps up to n batches.
func NewReuse(n int) *Reuse {
	return &Reuse{free: make(chan Batch, n)}
}

// Put gives b's memory back. No Record of b, nor any field string of one,
// may be used after Put: a later batch overwrites them. Safe for
// concurrent use; a batch beyond the n kept is left to the collector.
func (u *Reuse) Put(b Batch) {
	if u == nil {
		return
	}
	select {
	case u.free <- Batch{Records: b.Records[:0], slots: b.slots}:
	default:
	}
}

// get returns a batch to fill: a reused one when there is one.
func (u *Reuse) get(size int) Batch {
	if u != nil {
		select {
		case b := <-u.free:
			return b
		default:
		}
	}
	return Batch{Records: make([]Record, 0, size)}
}

// useSlots makes the fields of the records read next come from s, or, for
// s nil, from slots of the Reader's own. It returns s, or when s is nil and
// records > 0, new slots for that many records of the header's width (a
// line with more fields, read when they run out, gets slots of its own).
func (r *Reader) useSlots(s []string, records int) []string {
	if s == nil && records > 0 {
		s = make([]string, records*(r.fields+1))
	}
	r.slots = s
	return s
}

// ReadBatchesReusing is ReadBatches reading into the memory of batches
// given back to u (nil: none). When r is a *Reader the fields of a
// batch's records are carved from memory that travels with the batch.
func ReadBatchesReusing(r RecordReader, size int, u *Reuse, emit func(Batch) error) error {
	sr, _ := r.(*Reader)
	if u == nil {
		sr = nil
	}
	for {
		b := u.get(size)
		if sr != nil {
			b.slots = sr.useSlots(b.slots, size)
		}
		for len(b.Records) < size {
			rec, err := r.Read()
			if err != nil {
				b.Err = err
				break
			}
			b.Records = append(b.Records, rec)
		}
		if sr != nil {
			// The next batch's fields must not share this batch's memory.
			sr.useSlots(nil, 0)
		}
		if err := emit(b); err != nil || b.Err != nil {
			return err
		}
	}
}
