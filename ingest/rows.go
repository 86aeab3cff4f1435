package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/zothuis/zothuis/ingest/dutchcsv"
)

// Format is a delivery file format.
type Format string

// The delivery formats a source may send (SPEC §3, §7).
const (
	CSV     Format = "csv"
	Parquet Format = "parquet"
	Arrow   Format = "arrow"
)

// rowSource yields the rows of a delivery as text fields with their line
// (CSV) or row number (Parquet, Arrow), so that all formats meet one
// validator.
type rowSource interface {
	Header() []string
	Read() (dutchcsv.Record, error) // io.EOF at the end
	Close() error
}

// sniff tells the format of a delivery from its first bytes, not its name:
// sources name files as they like.
func sniff(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")):
		return Parquet, nil
	case bytes.HasPrefix(head, []byte("ARROW1")), bytes.HasPrefix(head, []byte{0xff, 0xff, 0xff, 0xff}):
		return Arrow, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "", errors.New("file is gzip-compressed; deliver it uncompressed")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "", errors.New("file is a zip archive (an .xlsx workbook?); deliver CSV, Parquet or Arrow")
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "", errors.New("file is UTF-16 encoded; export CSV as UTF-8 or Windows-1252")
	case bytes.IndexByte(head, 0) >= 0:
		return "", errors.New("file starts with NUL bytes: not a CSV text (UTF-16 without byte-order mark, or binary); export CSV as UTF-8 or Windows-1252")
	}
	return CSV, nil
}

// openRows opens a delivery file as a rowSource.
func openRows(ctx context.Context, path string) (rowSource, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, "", err
	}
	format, err := sniff(head[:n])
	if err != nil {
		f.Close()
		return nil, "", err
	}
	switch format {
	case Parquet:
		fi, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, "", err
		}
		src, err := openParquet(ctx, path)
		if err != nil {
			return nil, format, err
		}
		src.(*arrowRows).maxRows = rowsPerByte * fi.Size()
		return src, format, nil
	case Arrow:
		fi, err := f.Stat()
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, "", err
		}
		src, err := openArrow(f, bytes.HasPrefix(head, []byte("ARROW1")))
		if err != nil {
			f.Close()
			return nil, format, err
		}
		src.(*arrowRows).maxRows = rowsPerByte * fi.Size()
		return src, format, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, "", err
	}
	r, err := dutchcsv.NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		f.Close()
		return nil, "", err
	}
	return &csvRows{Reader: r, f: f}, CSV, nil
}

type csvRows struct {
	*dutchcsv.Reader
	f *os.File
}

func (c *csvRows) Close() error { return c.f.Close() }

// arrowRows turns Arrow record batches into text rows.
type arrowRows struct {
	header []string
	next   func() (arrow.RecordBatch, error) // io.EOF at the end
	close  func() error
	batch  arrow.RecordBatch
	cols   []func(i int) (string, error)
	i, n   int
	row    int
	// maxRows bounds the rows the file's batches may declare, at
	// rowsPerByte per byte of the file: a column without data buffers
	// (all null, or one run-length-encoded value) costs no bytes per row,
	// so a tiny crafted file could declare billions of rows, each to be
	// quarantined.
	maxRows, declared int64
}

func (a *arrowRows) Header() []string { return a.header }
func (a *arrowRows) Close() error {
	if a.batch != nil {
		a.batch.Release()
	}
	return a.close()
}

func (a *arrowRows) Read() (rec dutchcsv.Record, err error) {
	// The Arrow and Parquet readers trust the offsets and lengths a file
	// declares and may panic on a corrupt one: a malformed delivery must
	// be refused, never crash the pipeline.
	defer func() {
		if p := recover(); p != nil {
			rec, err = dutchcsv.Record{}, fmt.Errorf("row %d: corrupt file: %v", a.row+1, p)
		}
	}()
	for a.batch == nil || a.i >= a.n {
		if a.batch != nil {
			a.batch.Release()
			a.batch = nil
		}
		b, err := a.next()
		if err != nil {
			return dutchcsv.Record{}, err
		}
		if a.declared += b.NumRows(); a.maxRows > 0 && a.declared > a.maxRows {
			return dutchcsv.Record{}, fmt.Errorf("the file declares more than %d rows per byte (%d rows): corrupt", rowsPerByte, a.declared)
		}
		b.Retain()
		a.batch, a.i, a.n = b, 0, int(b.NumRows())
		a.cols = a.cols[:0]
		for c := 0; c < int(b.NumCols()); c++ {
			conv, err := textColumn(b.Column(c))
			if err != nil {
				return dutchcsv.Record{}, fmt.Errorf("column %s: %w", a.header[c], err)
			}
			a.cols = append(a.cols, conv)
		}
	}
	fields := make([]string, len(a.cols))
	for c, conv := range a.cols {
		v, err := conv(a.i)
		if err != nil {
			return dutchcsv.Record{}, fmt.Errorf("row %d column %s: %w", a.row+1, a.header[c], err)
		}
		fields[c] = v
	}
	a.i++
	a.row++
	return dutchcsv.Record{Line: a.row, Fields: fields}, nil
}

// rowsPerByte bounds the rows a Parquet or Arrow delivery may declare per
// byte of its size. Dense real data takes about half a byte a row at the
// least (a youth's fifty contacts in a row, compressed with zstd), so 64
// leaves a wide margin and still keeps a small file from declaring
// billions of rows.
const rowsPerByte = 64

// ErrColumnType is returned for an Arrow or Parquet column whose type no
// contract column can hold.
var ErrColumnType = errors.New("column type not accepted (want string, date or integer)")

// textColumn returns a function that gives row i of arr as contract text:
// "" for null, dates as YYYY-MM-DD, integers in decimal.
func textColumn(arr arrow.Array) (func(int) (string, error), error) {
	null := func(i int) bool { return arr.IsNull(i) }
	switch a := arr.(type) {
	case *array.String:
		return func(i int) (string, error) { return ifNotNull(null(i), a.Value, i), nil }, nil
	case *array.LargeString:
		return func(i int) (string, error) { return ifNotNull(null(i), a.Value, i), nil }, nil
	case *array.StringView:
		return func(i int) (string, error) { return ifNotNull(null(i), a.Value, i), nil }, nil
	case *array.Date32:
		return func(i int) (string, error) {
			if null(i) {
				return "", nil
			}
			return a.Value(i).ToTime().Format(time.DateOnly), nil
		}, nil
	case *array.Date64:
		return func(i int) (string, error) {
			if null(i) {
				return "", nil
			}
			return a.Value(i).ToTime().Format(time.DateOnly), nil
		}, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) (string, error) {
			if null(i) {
				return "", nil
			}
			t := a.Value(i).ToTime(unit)
			if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
				return "", errors.New("timestamp with a time of day where a date is expected")
			}
			return t.Format(time.DateOnly), nil
		}, nil
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64,
		*array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		return func(i int) (string, error) {
			if null(i) {
				return "", nil
			}
			return intString(a, i), nil
		}, nil
	case *array.Dictionary:
		dict, err := textColumn(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return func(i int) (string, error) {
			if null(i) {
				return "", nil
			}
			return dict(a.GetValueIndex(i))
		}, nil
	case *array.Null:
		return func(int) (string, error) { return "", nil }, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrColumnType, arr.DataType())
}

func ifNotNull(null bool, value func(int) string, i int) string {
	if null {
		return ""
	}
	return value(i)
}

func intString(a arrow.Array, i int) string {
	switch a := a.(type) {
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	}
	return ""
}

// checkSchema refuses a schema with a column of a type no contract column
// can hold, before any row is read: a file with no rows is refused too.
func checkSchema(s *arrow.Schema) error {
	var accepted func(dt arrow.DataType) bool
	accepted = func(dt arrow.DataType) bool {
		switch dt.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP,
			arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.NULL:
			return true
		case arrow.DICTIONARY:
			return accepted(dt.(*arrow.DictionaryType).ValueType)
		}
		return false
	}
	for _, f := range s.Fields() {
		if !accepted(f.Type) {
			return fmt.Errorf("column %s: %w: %s", dutchcsv.NormaliseHeader(f.Name), ErrColumnType, f.Type)
		}
	}
	return nil
}

func schemaHeader(s *arrow.Schema) []string {
	h := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		h[i] = dutchcsv.NormaliseHeader(f.Name)
	}
	return h
}

// openArrow reads an Arrow IPC file (random access, "ARROW1" magic) or
// stream.
func openArrow(f *os.File, isFile bool) (src rowSource, err error) {
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, fmt.Errorf("arrow: corrupt file: %v", p)
		}
	}()
	if err := checkArrowSchema(f, isFile); err != nil {
		return nil, err
	}
	if isFile {
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
		if err != nil {
			return nil, fmt.Errorf("arrow file: %w", err)
		}
		if err := checkSchema(r.Schema()); err != nil {
			r.Close()
			return nil, err
		}
		i := 0
		return &arrowRows{
			header: schemaHeader(r.Schema()),
			next: func() (arrow.RecordBatch, error) {
				if i >= r.NumRecords() {
					return nil, io.EOF
				}
				b, err := r.RecordBatch(i)
				i++
				if err != nil {
					return nil, fmt.Errorf("arrow file: %w", err)
				}
				return b, nil
			},
			close: func() error { r.Close(); return f.Close() },
		}, nil
	}
	// Every message's metadata and body are bounded by the file: a body
	// length claimed beyond it would otherwise be allocated before it is
	// read (ipc.NewReader leaves its message reader without the limits).
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	limits := []ipc.Option{ipc.WithAllocator(memory.DefaultAllocator), ipc.WithMetadataSizeLimit(maxArrowMetadata), ipc.WithBodySizeLimit(max(fi.Size(), 1))}
	r, err := ipc.NewReaderFromMessageReader(ipc.NewMessageReader(bufio.NewReader(f), limits...), limits...)
	if err != nil {
		return nil, fmt.Errorf("arrow stream: %w", err)
	}
	if err := checkSchema(r.Schema()); err != nil {
		r.Release()
		return nil, err
	}
	return &arrowRows{
		header: schemaHeader(r.Schema()),
		next: func() (arrow.RecordBatch, error) {
			if r.Next() {
				return r.RecordBatch(), nil
			}
			if err := r.Err(); err != nil {
				return nil, fmt.Errorf("arrow stream: %w", err)
			}
			return nil, io.EOF
		},
		close: func() error { r.Release(); return f.Close() },
	}, nil
}

// openParquet reads a Parquet file through Arrow record batches.
func openParquet(ctx context.Context, path string) (src rowSource, err error) {
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, fmt.Errorf("parquet: corrupt file: %v", p)
		}
	}()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 16 << 10}, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("parquet: %w", err)
	}
	schema, err := fr.Schema()
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("parquet: %w", err)
	}
	if err := checkSchema(schema); err != nil {
		pf.Close()
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("parquet: %w", err)
	}
	return &arrowRows{
		header: schemaHeader(schema),
		next: func() (arrow.RecordBatch, error) {
			if rr.Next() {
				return rr.RecordBatch(), nil
			}
			if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("parquet: %w", err)
			}
			return nil, io.EOF
		},
		close: func() error { rr.Release(); return pf.Close() },
	}, nil
}
