package dutchcsv

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

// ReadBatches reads r in batches of size records and hands each to emit,
// in order, as the reader of an ordered worker pool does for ingest and
// pseudonymize. It returns after the batch that ends the input (whose Err
// is set) or with the first error of emit.
func ReadBatches(r RecordReader, size int, emit func(Batch) error) error {
	for {
		b := Batch{Records: make([]Record, 0, size)}
		for len(b.Records) < size {
			rec, err := r.Read()
			if err != nil {
				b.Err = err
				break
			}
			b.Records = append(b.Records, rec)
		}
		if err := emit(b); err != nil || b.Err != nil {
			return err
		}
	}
}
