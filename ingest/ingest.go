// Package ingest lands source deliveries in the working DuckDB database
// (SPEC §3): it reads CSV, Parquet and Arrow IPC files, checks them against
// the source contract, re-keys every source pseudonym to a research id,
// keeps rows that break the contract in quarantine, and upserts the rest on
// the natural key, one transaction per file.
//
// The contracts live in one folder per source kind (ingest/jgz,
// ingest/verzuim, ingest/toegang, ingest/jzplus); the CSV dialects of Dutch
// exports in ingest/dutchcsv.
package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/dutchcsv"
	"github.com/zothuis/zothuis/ingest/spool"
	"github.com/zothuis/zothuis/ordered"
	"github.com/zothuis/zothuis/pseudonymize"
)

// The statements a delivery runs, next to the code that runs them; a
// missing file fails the build. {{table}}, {{key}}, {{column}} and
// {{values}} are filled in per source.
var (
	//go:embed sql/stage.sql
	stageSQL string
	//go:embed sql/stage_enum.sql
	stageEnumSQL string
	//go:embed sql/delivery.sql
	deliverySQL string
	//go:embed sql/repeats.sql
	repeatsSQL string
	//go:embed sql/staged.sql
	stagedSQL string
	//go:embed sql/staged_unique.sql
	stagedUniqueSQL string
	//go:embed sql/upsert_jgz.sql
	upsertJGZSQL string
	//go:embed sql/upsert_verzuim.sql
	upsertVerzuimSQL string
	//go:embed sql/upsert_toegang.sql
	upsertToegangSQL string
	//go:embed sql/upsert_jzplus.sql
	upsertJZPlusSQL string
)

// upsertSQL is each source's upsert, by source (and table) name.
var upsertSQL = map[string]string{
	"jgz":     upsertJGZSQL,
	"verzuim": upsertVerzuimSQL,
	"toegang": upsertToegangSQL,
	"jzplus":  upsertJZPlusSQL,
}

// ErrRefused marks a delivery refused whole: unreadable, the wrong columns,
// or a BSN where a pseudonym belongs. Nothing of a refused file lands.
var ErrRefused = errors.New("delivery refused")

// RefusalKind says why a delivery was refused whole; operations page on
// a BSN refusal (a possible data breach at a source).
type RefusalKind string

// The kinds of refusal.
const (
	RefusedBSN        RefusalKind = "bsn"        // a BSN where a pseudonym belongs
	RefusedColumns    RefusalKind = "columns"    // columns not in the contract, or missing
	RefusedUnreadable RefusalKind = "unreadable" // not a file of a known format
)

// RefusedError is a delivery refused whole. It matches ErrRefused with
// errors.Is; read it with errors.As.
type RefusedError struct {
	File   string // the delivery's file name, once known
	Kind   RefusalKind
	Reason string
}

func (e *RefusedError) Error() string { return ErrRefused.Error() + ": " + e.Reason }

// Is makes every RefusedError match ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// RefusalKind is the kind as text, for those that only know the method.
func (e *RefusedError) RefusalKind() string { return string(e.Kind) }

// refuse makes a refusal of a kind.
func refuse(kind RefusalKind, format string, args ...any) error {
	return &RefusedError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Ingester lands deliveries in a working database that Migrate has set up.
type Ingester struct {
	DB *sql.DB
	// ResearchKey re-keys source pseudonyms to research ids; it is never
	// written anywhere, only its fingerprint (KeyFingerprint), which ties
	// the database to it.
	ResearchKey []byte
	// Now gives the time recorded for a delivery; time.Now when nil.
	Now func() time.Time
	// Progress, when set, is called every ProgressEvery rows read inside
	// the file's transaction, for logging large deliveries.
	Progress func(rowsRead int)
}

// ProgressEvery is how often Ingester.Progress is called, in rows.
const ProgressEvery = 16384

// Result is what one delivery did.
type Result struct {
	File        string
	Source      string
	SHA256      string
	Format      Format
	DeliveryID  int64
	Rows        int // data rows read: Accepted + Quarantined
	Accepted    int
	Quarantined int
	// DuplicateOf is the delivery a byte-identical file already landed as;
	// when set, nothing changed.
	DuplicateOf int64
}

// IngestFile lands one delivery file of the source c. It returns an error
// wrapping ErrRefused when the file is refused whole, and a
// *KeyMismatchError when the Ingester's research key is not the one the
// database was filled with (the first file that lands in a database
// without one records its key); every other error is an operational
// failure. Whatever the error, nothing of the file has landed.
func (in *Ingester) IngestFile(ctx context.Context, c *contract.Contract, path string) (_ Result, err error) {
	res := Result{File: filepath.Base(path), Source: c.Source}
	defer func() {
		// A refusal made deep in the reading learns its file here.
		var re *RefusedError
		if errors.As(err, &re) && re.File == "" {
			re.File = res.File
		}
	}()
	if len(in.ResearchKey) < pseudonymize.MinKeyBytes {
		return res, fmt.Errorf("ingest %s: research key: %w", res.File, pseudonymize.ErrKeyTooShort)
	}
	upsert, ok := upsertSQL[c.Source]
	if !ok {
		return res, fmt.Errorf("ingest %s: no upsert for source %q", res.File, c.Source)
	}
	conn, err := in.DB.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	defer conn.Close()
	// A key other than the database's would give every youth a second
	// research id; it is told before a large file is read, and checked
	// again in the file's transaction, where a new database adopts it.
	fingerprint := KeyFingerprint(in.ResearchKey)
	if _, err := checkKey(ctx, conn, fingerprint); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}

	sum, err := spool.FileSHA256(path)
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	res.SHA256 = sum

	err = conn.QueryRowContext(ctx, `SELECT delivery_id FROM deliveries WHERE source = ? AND sha256 = ?`, c.Source, sum).Scan(&res.DuplicateOf)
	switch {
	case err == nil:
		return res, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}

	rows, format, err := openRows(ctx, path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return res, fmt.Errorf("ingest %s: %w", res.File, err)
		}
		return res, fmt.Errorf("ingest %s: %w", res.File, refuse(RefusedUnreadable, "unreadable: %v", err))
	}
	defer rows.Close()
	res.Format = format
	pos, err := c.CheckHeader(rows.Header())
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, refuse(RefusedColumns, "%v", err))
	}

	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	committed := false
	defer func() {
		if !committed {
			// The context may be cancelled; the rollback must still run.
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()

	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	if err := adoptKey(ctx, conn, fingerprint, now()); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}

	table := c.Source // the contract's source name is its table name
	stage := strings.ReplaceAll(stageSQL, "{{table}}", table)
	if _, err := conn.ExecContext(ctx, stage); err != nil {
		return res, fmt.Errorf("ingest %s: staging: %w", res.File, err)
	}
	for _, q := range stageEnums(c) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("ingest %s: staging: %w", res.File, err)
		}
	}
	if err := conn.QueryRowContext(ctx, deliverySQL,
		c.Source, res.File, sum, string(format), now()).Scan(&res.DeliveryID); err != nil {
		return res, fmt.Errorf("ingest %s: record delivery: %w", res.File, err)
	}

	err = conn.Raw(func(dc any) error {
		return in.load(ctx, dc.(driver.Conn), c, rows, pos, &res)
	})
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}

	// The upsert reads staged_<table>: one row per natural key, the
	// file's last line winning. Only a file that repeats a key needs the
	// window that picks it.
	key := stagingKey(c)
	fill := strings.NewReplacer("{{table}}", table, "{{key}}", key).Replace
	var repeats bool
	if err := conn.QueryRowContext(ctx, fill(repeatsSQL)).Scan(&repeats); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	view := stagedUniqueSQL
	if repeats {
		view = stagedSQL
	}
	if _, err := conn.ExecContext(ctx, fill(view)); err != nil {
		return res, fmt.Errorf("ingest %s: staging: %w", res.File, err)
	}

	// The upsert is a few statements, run one by one: the driver binds
	// arguments to the last statement of a string only. Those that use the
	// delivery id ($1) get it; the others (setting the staged key range)
	// take no arguments.
	for _, q := range statements(upsert) {
		var args []any
		if usesParam(q) {
			args = []any{res.DeliveryID}
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return res, fmt.Errorf("ingest %s: upsert: %w", res.File, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `UPDATE deliveries SET rows_accepted = ?, rows_quarantined = ? WHERE delivery_id = ?`,
		res.Accepted, res.Quarantined, res.DeliveryID); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	if _, err := conn.ExecContext(ctx, "DROP VIEW temp.staged_"+table); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	if _, err := conn.ExecContext(ctx, "DROP TABLE temp.staging_"+table); err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("ingest %s: commit: %w", res.File, err)
	}
	committed = true
	return res, nil
}

// load streams the rows into the staging table and the quarantine, within
// the transaction the caller opened on dc.
func (in *Ingester) load(ctx context.Context, dc driver.Conn, c *contract.Contract, rows rowSource, pos []int, res *Result) (err error) {
	stage, err := duckdb.NewAppender(dc, "temp", "main", "staging_"+c.Source)
	if err != nil {
		return fmt.Errorf("staging appender: %w", err)
	}
	defer func() {
		if cerr := stage.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("staging: %w", cerr)
		}
	}()
	quar, err := duckdb.NewAppender(dc, "", "main", "quarantine")
	if err != nil {
		return fmt.Errorf("quarantine appender: %w", err)
	}
	defer func() {
		if cerr := quar.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("quarantine: %w", cerr)
		}
	}()

	// Reading runs in one goroutine and checking and re-keying in
	// checkers more, batches taken back in the order read (so rows reach
	// the appenders in file order), so that they and DuckDB keep both
	// cores busy: checking was the slowest of the three.
	tick := func() error {
		if res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if in.Progress != nil && res.Rows > 0 && res.Rows%ProgressEvery == 0 {
				in.Progress(res.Rows)
			}
		}
		return nil
	}
	sink := func(b prepBatch) error {
		for i := range b.rows {
			if err := tick(); err != nil {
				return err
			}
			r := &b.rows[i]
			res.Rows++
			if r.problems != nil {
				res.Quarantined++
				for _, pr := range r.problems {
					var col any = pr.Column
					if r.wholeRow {
						col = nil
					}
					if err := quar.AppendRow(res.DeliveryID, c.Source, r.line, col, pr.Reason, r.rid); err != nil {
						return fmt.Errorf("quarantine: %w", err)
					}
				}
				continue
			}
			if err := stage.AppendRow(r.values...); err != nil {
				return fmt.Errorf("staging line %d: %w", r.line, err)
			}
			res.Accepted++
		}
		if b.err != nil {
			if err := tick(); err != nil {
				return err
			}
			if errors.Is(b.err, io.EOF) {
				return nil
			}
			return b.err
		}
		return nil
	}
	return in.checkRows(ctx, c, rows, pos, sink)
}

// checkRows reads rows in batches, checks and re-keys them in checkers
// goroutines and hands the checked batches to sink in file order. It
// returns once no goroutine reads rows any more, so the caller may close
// rows then.
func (in *Ingester) checkRows(ctx context.Context, c *contract.Contract, rows rowSource, pos []int, sink func(prepBatch) error) error {
	pool := ordered.Pool[dutchcsv.Batch, prepBatch]{
		Workers: checkers,
		Depth:   2,
		Read: func(_ context.Context, emit func(dutchcsv.Batch) error) error {
			return dutchcsv.ReadBatches(rows, prepBatchRows, emit)
		},
		NewWorker: func() func(dutchcsv.Batch) (prepBatch, error) {
			return in.checker(c, len(rows.Header()), pos)
		},
		Sink: sink,
	}
	return pool.Run(ctx)
}

// prepBatchRows is how many rows go from stage to stage at a time.
const prepBatchRows = 1024

// prepBatch is a batch of checked rows; err, when set, ended the file after
// them: io.EOF, or why the file is refused.
type prepBatch struct {
	rows []prepRow
	err  error
}

// prepRow is a delivered row, checked: the staging values, or the problems
// that keep it in quarantine.
type prepRow struct {
	line     int64
	values   []driver.Value // contract columns (pseudonym re-keyed) and the line
	problems []contract.Problem
	wholeRow bool // the one problem is the row's, not a column's
	rid      any  // research id of a quarantined row with a valid pseudonym
}

// checkers is how many goroutines check and re-key rows beside the one
// that reads them and the one that feeds the appenders.
const checkers = 2

// checker returns a function that checks the records of a batch against
// the contract and re-keys the pseudonyms, for one goroutine (it keeps a
// hasher and scratch space). header is the number of header fields.
func (in *Ingester) checker(c *contract.Contract, header int, pos []int) func(dutchcsv.Batch) (prepBatch, error) {
	rekey := pseudonymize.NewHasher(in.ResearchKey)
	pi := c.Index("pseudonym")
	width := len(c.Columns) + 1
	fields := make([]string, len(c.Columns))
	typed := make([]any, len(c.Columns))
	return func(rb dutchcsv.Batch) (prepBatch, error) {
		b := prepBatch{rows: make([]prepRow, 0, len(rb.Records)), err: rb.Err}
		if b.err != nil && !errors.Is(b.err, io.EOF) {
			b.err = refuse(RefusedUnreadable, "unreadable: %v", b.err)
		}
		flat := make([]driver.Value, len(rb.Records)*width)
		for _, rec := range rb.Records {
			r := prepRow{line: int64(rec.Line)}
			if rec.FieldCountErr {
				r.problems = []contract.Problem{{Reason: fmt.Sprintf("%d fields, header has %d", len(rec.Fields), header)}}
				r.wholeRow = true
				b.rows = append(b.rows, r)
				continue
			}
			for i, p := range pos {
				fields[i] = rec.Fields[p]
			}
			if looksLikeBSN(fields[pi]) {
				// The rows before it go on; the file ends with it.
				b.err = refuse(RefusedBSN, "line %d: the pseudonym column holds a value that looks like a BSN (9 digits passing the elfproef); was the file pseudonymised?", rec.Line)
				break
			}
			if problems := c.ValidateInto(typed, fields); len(problems) > 0 {
				r.problems = problems
				if p := strings.ToLower(strings.TrimSpace(fields[pi])); contract.IsPseudonym(p) {
					r.rid = rekey.Sum(p)
				}
				b.rows = append(b.rows, r)
				continue
			}
			r.values = flat[len(b.rows)*width : (len(b.rows)+1)*width]
			for i, v := range typed {
				r.values[i] = v
			}
			r.values[pi] = rekey.Sum(typed[pi].(string))
			r.values[len(c.Columns)] = r.line
			b.rows = append(b.rows, r)
		}
		return b, nil
	}
}

// stagingKey returns the natural-key columns of c as the staging table
// names them, comma-separated.
func stagingKey(c *contract.Contract) string {
	key := c.Key()
	for i, name := range key {
		if name == "pseudonym" {
			key[i] = "research_id" // re-keyed on the way in
		}
	}
	return strings.Join(key, ", ")
}

// stageEnums returns the statements that turn the staging table's code
// columns into ENUMs (ingest/sql/stage_enum.sql says why). Contract column
// names are table column names, except the pseudonym, which is no code.
//
// Only short code lists: duckdb-go v2.5.6 writes an ENUM value only where
// DuckDB keeps the ENUM's index in one byte (up to 255 values); into a
// longer ENUM it writes nothing, without an error. Municipality codes
// (10,000 possible) were tried: they came back empty, and DuckDB crashed
// in the upsert.
func stageEnums(c *contract.Contract) []string {
	var qs []string
	for _, col := range c.Columns {
		if col.Kind != contract.Code || len(col.Codes) > maxStagedEnum {
			continue
		}
		quoted := make([]string, len(col.Codes))
		for i, v := range col.Codes {
			quoted[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		qs = append(qs, strings.NewReplacer(
			"{{table}}", c.Source,
			"{{column}}", col.Name,
			"{{values}}", strings.Join(quoted, ","),
		).Replace(stageEnumSQL))
	}
	return qs
}

// maxStagedEnum is the longest code list staged as an ENUM (stageEnums).
const maxStagedEnum = 255

// looksLikeBSN is the BSN guard: a pseudonym column value of 9 digits that
// passes the elfproef (also grouped, or with its leading zero dropped by a
// spreadsheet) means the file was not pseudonymised.
func looksLikeBSN(v string) bool {
	return contract.LooksLikeBSN(strings.TrimSpace(v))
}

// statements splits SQL text into its statements, each ending with ';' at
// the end of a line. A piece with nothing but "--" comments and blank
// lines (a comment whose line ends with ';') is no statement and is
// dropped: DuckDB refuses it as an empty query.
func statements(text string) []string {
	var qs []string
	for _, q := range strings.SplitAfter(text, ";\n") {
		for line := range strings.Lines(q) {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
				qs = append(qs, q)
				break
			}
		}
	}
	return qs
}

// usesParam reports whether the SQL statement q, outside its "--" comment
// lines, refers to the parameter $1.
func usesParam(q string) bool {
	for line := range strings.Lines(q) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") && strings.Contains(line, "$1") {
			return true
		}
	}
	return false
}
