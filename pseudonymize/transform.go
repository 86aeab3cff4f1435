package pseudonymize

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/dutchcsv"
	"github.com/zothuis/zothuis/ordered"
)

// ErrRawHeader is returned when a raw export's columns do not map onto the
// source contract. Pseudonymisation refuses to pass through a column the
// contract does not know: it might hold a name or an address.
var ErrRawHeader = errors.New("raw export columns do not fit the contract")

// Options configures Transform.
type Options struct {
	Key       []byte             // the sources' shared key; at least MinKeyBytes
	Contract  *contract.Contract // the delivery contract the output must meet
	Postcodes *PostcodeTable     // PC4 to municipality; DefaultPostcodeTable when nil
	// OnReject, when set, is called for every rejected row with its line
	// number and reason, one call at a time and in line order, from a
	// goroutine of Transform's. The reason never holds the BSN.
	OnReject func(line int, reason string)
}

// Stats counts what Transform did.
type Stats struct {
	Rows     int            // data rows read
	Written  int            // rows written
	Rejected int            // rows rejected (BSN missing or failing the elfproef)
	Blanked  map[string]int // quasi-identifiers left empty, by reason
}

// raw column names that replace contract columns on the source side.
const (
	rawBSN       = "bsn"
	rawBirthDate = "geboortedatum"
	rawPostcode  = "postcode"
)

// Transform reads a raw source export from r (any CSV dialect dutchcsv
// reads) and writes the pseudonymised delivery to w as UTF-8 CSV with the
// contract's header: bsn becomes pseudonym, geboortedatum becomes
// geboortemaand (YYYY-MM) and postcode becomes gemeente. Other contract
// columns pass through unchanged. Rows are streamed, so any size works.
//
// When ctx ends or writing fails, a read of r blocked in silent input is
// cut short where r takes read deadlines (a pipe, a FIFO or a socket as a
// pollable *os.File, a net.Conn): r is then left with a deadline in the
// past.
func Transform(ctx context.Context, r io.Reader, w io.Writer, opt Options) (Stats, error) {
	st := Stats{Blanked: map[string]int{}}
	if len(opt.Key) < MinKeyBytes {
		return st, ErrKeyTooShort
	}
	pc := opt.Postcodes
	if pc == nil {
		pc = DefaultPostcodeTable()
	}
	// A stop must not wait for input that may never come: the header read
	// is cut short here, the rows' reads by the pool.
	var interrupt func()
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		interrupt = func() { d.SetReadDeadline(time.Now()) }
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() { defer close(fired); interrupt() })
		defer func() {
			if !stop() {
				<-fired // no deadline set on r after Transform returns
			}
		}()
	}
	in, err := dutchcsv.NewReader(r)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return st, fmt.Errorf("pseudonymize: %w", err)
	}
	plan, err := planColumns(opt.Contract, in.Header())
	if err != nil {
		return st, err
	}
	var head bytes.Buffer
	hw := csv.NewWriter(&head)
	hw.Write(opt.Contract.Names())
	hw.Flush()
	if _, err := w.Write(head.Bytes()); err != nil {
		return st, fmt.Errorf("pseudonymize: %w", err)
	}

	// Stages, so that parsing and hashing use both cores: the reader parses
	// batches of rows, the transformers turn a batch into output CSV, and
	// the sink takes the results in the order read, writes them and keeps
	// the counts. The channels bound memory to a few batches at any file
	// size; four batches in flight per transformer smooth out the stalls
	// of strict turns (5 % faster than one at national scale).
	reuse := dutchcsv.NewReuse(reusedBatches)
	pool := ordered.Pool[dutchcsv.Batch, doneBatch]{
		Workers: transformers,
		Depth:   4,
		Read: func(_ context.Context, emit func(dutchcsv.Batch) error) error {
			return dutchcsv.ReadBatchesReusing(in, batchRows, reuse, emit)
		},
		NewWorker: func() func(dutchcsv.Batch) (doneBatch, error) {
			// Written output buffers go back to their transformer, so that a
			// batch's CSV is neither copied nor allocated anew.
			t := newTransformer(opt.Key, pc, plan, len(in.Header()), make(chan []byte, 6))
			return func(b dutchcsv.Batch) (doneBatch, error) {
				d := t.transform(b)
				reuse.Put(b) // the output holds copies
				return d, nil
			}
		},
		Sink: func(d doneBatch) error {
			st.Rows += d.rows
			st.Written += d.written
			for _, rj := range d.rejects {
				st.Rejected++
				if opt.OnReject != nil {
					opt.OnReject(rj.line, rj.reason)
				}
			}
			for reason, n := range d.blanked {
				if n > 0 {
					st.Blanked[blankReasons[reason]] += n
				}
			}
			if len(d.out) > 0 {
				if _, err := w.Write(d.out); err != nil {
					return fmt.Errorf("pseudonymize: %w", err)
				}
			}
			select {
			case d.free <- d.out[:0]:
			default:
			}
			if d.err != nil && !errors.Is(d.err, io.EOF) {
				return d.err
			}
			return nil
		},
		Interrupt: interrupt,
	}
	err = pool.Run(ctx)
	return st, err
}

// transformers is how many goroutines pseudonymise batches, beside the
// reader and the writer. Two left the two cores idle a sixth of the time,
// each transformer waiting its strict turn; three took 4-9 % off a
// national JGZ run, four no more (BENCHMARKS.md, change 15).
const transformers = 3

// batchRows is how many rows travel together between the stages of
// Transform: enough to make a hand-over cheap, few enough to keep memory
// small.
const batchRows = 1024

// reusedBatches is how many read batches wait for reuse: about as many as
// are in flight between the reader and the transformers.
const reusedBatches = 16

// reject is a rejected row: its line and the reason, never the value.
type reject struct {
	line   int
	reason string
}

// The reasons a quasi-identifier is left empty, counted in Stats.Blanked.
const (
	blankBirthDate = iota
	blankPostcode
)

var blankReasons = [...]string{
	blankBirthDate: "geboortedatum is not a date",
	blankPostcode:  "postcode not in the postcode table",
}

// doneBatch is a transformed batch: the output CSV of its rows and what
// happened to them.
type doneBatch struct {
	out     []byte
	rows    int
	written int
	rejects []reject
	blanked [len(blankReasons)]int
	err     error
	free    chan<- []byte // where out goes back once written
}

// transformer turns raw rows into delivery rows; one per goroutine.
type transformer struct {
	h      *Hasher
	pc     *PostcodeTable
	plan   []columnPlan
	fields int         // fields in the header
	out    []byte      // the batch's output CSV
	free   chan []byte // output buffers written and handed back
}

func newTransformer(key []byte, pc *PostcodeTable, plan []columnPlan, fields int, free chan []byte) *transformer {
	return &transformer{h: NewHasher(key), pc: pc, plan: plan, fields: fields, free: free}
}

// transform pseudonymises a batch: rows with a bad BSN or the wrong
// number of fields are rejected, the rest written as CSV in order, as
// encoding/csv writes it.
func (t *transformer) transform(b dutchcsv.Batch) doneBatch {
	d := doneBatch{rows: len(b.Records), err: b.Err, free: t.free}
	if d.err != nil && !errors.Is(d.err, io.EOF) {
		d.err = fmt.Errorf("pseudonymize: %w", d.err)
	}
	select {
	case t.out = <-t.free:
	default:
		t.out = make([]byte, 0, cap(t.out))
	}
	for _, row := range b.Records {
		if row.FieldCountErr {
			d.rejects = append(d.rejects, reject{row.Line, fmt.Sprintf("%d fields, header has %d", len(row.Fields), t.fields)})
			continue
		}
		start := len(t.out)
		if reason := t.row(row.Fields, &d); reason != "" {
			t.out = t.out[:start]
			d.rejects = append(d.rejects, reject{row.Line, reason})
			continue
		}
		d.written++
	}
	d.out = t.out
	return d
}

// row appends the delivery row of a raw row to t.out, or returns why the
// row is rejected (the caller then drops what was appended).
func (t *transformer) row(fields []string, d *doneBatch) string {
	for i, p := range t.plan {
		if i > 0 {
			t.out = append(t.out, ',')
		}
		v := fields[p.from]
		if mayNeedTrim(v) { // trimSpace, inlined by hand: the call is too big
			v = strings.TrimSpace(v)
		}
		switch p.kind {
		case copyValue:
			t.out = appendCSVField(t.out, v)
		case bsnToPseudonym:
			bsn, reason := normaliseBSN(v)
			if reason != "" {
				return reason
			}
			t.out = t.h.appendSum(t.out, bsn)
		case birthDateToMonth:
			if v == "" {
				break
			}
			y, m, _, err := dutchcsv.ParseDateParts(v)
			if err != nil {
				d.blanked[blankBirthDate]++
				break
			}
			t.out = appendMonth(t.out, y, m)
		case postcodeToGemeente:
			if v == "" {
				break
			}
			gm, found := t.pc.Gemeente(v)
			if !found {
				d.blanked[blankPostcode]++
				break
			}
			// A table's codes are GMnnnn (ParsePostcodeTable checks), which
			// encoding/csv never quotes.
			t.out = append(t.out, gm...)
		}
	}
	t.out = append(t.out, '\n')
	return ""
}

// appendMonth appends year y and month m as YYYY-MM, as
// time.Time.Format("2006-01") does for the years ParseDateParts gives (0
// to 9999).
func appendMonth(dst []byte, y, m int) []byte {
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-', byte('0'+m/10), byte('0'+m%10))
}

// appendCSVField appends a field as encoding/csv's Writer writes it with
// ',' and "\n": quoted, with quotes doubled, where it holds a comma, a
// quote or a line break, starts with a space or is \. ; else as it is.
func appendCSVField(dst []byte, field string) []byte {
	if !fieldNeedsQuotes(field) {
		return append(dst, field...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, field[i])
	}
	return append(dst, '"')
}

// fieldNeedsQuotes is encoding/csv's rule for the delimiter ','.
func fieldNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	i := 0
	// Eight bytes at a time while none is below '-': the bytes that force
	// quotes are, and dates, codes and words have none.
	for ; i+8 <= len(field); i += 8 {
		if hasByteBelow(load64(field[i:]), '-') {
			break
		}
	}
	for ; i < len(field); i++ {
		// One test per byte instead of four: the bytes that force quotes
		// are all below 64.
		if c := field[i]; c < 64 && quoteBytes&(1<<c) != 0 {
			return true
		}
	}
	if c := field[0]; c < utf8.RuneSelf {
		return c < 64 && asciiSpace&(1<<c) != 0
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

// load64 reads the first eight bytes of s as a little-endian word (the
// compiler makes it one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// hasByteBelow reports whether a byte of x is below n, for n up to 128
// (the "haszero" trick, exact for any byte being below n).
func hasByteBelow(x uint64, n byte) bool {
	const low, high = 0x0101010101010101, 0x8080808080808080
	return (x-low*uint64(n))&^x&high != 0
}

// quoteBytes has bit c set for each byte c that makes encoding/csv quote a
// field: line breaks, the quote and the comma.
const quoteBytes uint64 = 1<<'\n' | 1<<'\r' | 1<<'"' | 1<<','

// asciiSpace has bit c set for each ASCII byte c that unicode.IsSpace and
// strings.TrimSpace take as space.
const asciiSpace uint64 = 1<<'\t' | 1<<'\n' | 1<<'\v' | 1<<'\f' | 1<<'\r' | 1<<' '

// trimSpace is strings.TrimSpace, without its call for the common value
// that starts and ends with a printable ASCII byte: such a value has no
// space, ASCII or Unicode, at either end.
func trimSpace(s string) string {
	if mayNeedTrim(s) {
		return strings.TrimSpace(s)
	}
	return s
}

// mayNeedTrim reports whether s is empty or starts or ends with a byte
// outside '!' to DEL (0x7f): bytes that are neither ASCII space nor part
// of a multi-byte rune, so no space at all.
func mayNeedTrim(s string) bool {
	n := len(s)
	return n == 0 || s[0]-'!' >= utf8.RuneSelf-'!' || s[n-1]-'!' >= utf8.RuneSelf-'!'
}

// normaliseBSN returns the 9-digit BSN, or the reason the value is not
// one. An 8-digit value is taken as a BSN whose leading zero a spreadsheet
// dropped.
func normaliseBSN(v string) (string, string) {
	switch len(v) {
	case 0:
		return "", "BSN missing"
	case 8:
		if !isDigits(v) {
			return "", "BSN is not 9 digits"
		}
		v = "0" + v
	case 9:
	default:
		return "", "BSN is not 9 digits"
	}
	// One pass over the nine bytes checks the digits and the elfproef.
	digits, valid := elfproef(v)
	switch {
	case !digits:
		return "", "BSN is not 9 digits"
	case !valid:
		return "", "BSN fails the elfproef"
	}
	return v, ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type step int

const (
	copyValue step = iota
	bsnToPseudonym
	birthDateToMonth
	postcodeToGemeente
)

type columnPlan struct {
	from int // position in the raw header
	kind step
}

// planColumns maps each contract column to the raw column it comes from.
func planColumns(c *contract.Contract, header []string) ([]columnPlan, error) {
	pos := map[string]int{}
	for i, h := range header {
		if _, dup := pos[h]; dup {
			return nil, fmt.Errorf("%w: duplicate column %q", ErrRawHeader, h)
		}
		pos[h] = i
	}
	used := map[string]bool{}
	var plan []columnPlan
	var missing []string
	take := func(name string, kind step) bool {
		if i, ok := pos[name]; ok {
			plan = append(plan, columnPlan{from: i, kind: kind})
			used[name] = true
			return true
		}
		return false
	}
	for _, col := range c.Columns {
		var found bool
		switch col.Name {
		case "pseudonym":
			found = take(rawBSN, bsnToPseudonym)
		case "geboortemaand":
			found = take(rawBirthDate, birthDateToMonth)
		case "gemeente":
			// jzplus and toegang carry the responsible municipality itself.
			found = take("gemeente", copyValue) || take(rawPostcode, postcodeToGemeente)
		default:
			found = take(col.Name, copyValue)
		}
		if !found {
			missing = append(missing, col.Name)
		}
	}
	var extra []string
	for _, h := range header {
		if !used[h] {
			extra = append(extra, fmt.Sprintf("%q", h))
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		return nil, fmt.Errorf("%w for %s: missing %v, not allowed %v (a raw %s export has %s)",
			ErrRawHeader, c.Source, missing, extra, c.Source, strings.Join(rawNames(c), ","))
	}
	return plan, nil
}

// rawNames lists the raw export columns that map onto contract c.
func rawNames(c *contract.Contract) []string {
	var names []string
	for _, col := range c.Columns {
		switch col.Name {
		case "pseudonym":
			names = append(names, rawBSN)
		case "geboortemaand":
			names = append(names, rawBirthDate)
		case "gemeente":
			if c.Source == "jgz" || c.Source == "verzuim" {
				names = append(names, rawPostcode)
			} else {
				names = append(names, "gemeente")
			}
		default:
			names = append(names, col.Name)
		}
	}
	return names
}
