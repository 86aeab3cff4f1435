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
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
)

// ErrRefused marks a delivery refused whole: unreadable, the wrong columns,
// or a BSN where a pseudonym belongs. Nothing of a refused file lands.
var ErrRefused = errors.New("delivery refused")

// refuse wraps a reason as a refusal.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Ingester lands deliveries in a working database that Migrate has set up.
type Ingester struct {
	DB *sql.DB
	// ResearchKey re-keys source pseudonyms to research ids; it is never
	// written anywhere.
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
// wrapping ErrRefused when the file is refused whole; every other error is
// an operational failure. Either way, nothing of the file has landed.
func (in *Ingester) IngestFile(ctx context.Context, c *contract.Contract, path string) (Result, error) {
	res := Result{File: filepath.Base(path), Source: c.Source}
	if len(in.ResearchKey) < pseudonymize.MinKeyBytes {
		return res, fmt.Errorf("ingest %s: research key: %w", res.File, pseudonymize.ErrKeyTooShort)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	res.SHA256 = sum

	conn, err := in.DB.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}
	defer conn.Close()

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
		return res, fmt.Errorf("ingest %s: %w", res.File, refuse("unreadable: %v", err))
	}
	defer rows.Close()
	res.Format = format
	pos, err := c.CheckHeader(rows.Header())
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, refuse("%v", err))
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

	table := c.Source // the contract's source name is its table name
	stage := strings.ReplaceAll(zsql.Query("ingest/stage.sql"), "{{table}}", table)
	if _, err := conn.ExecContext(ctx, stage); err != nil {
		return res, fmt.Errorf("ingest %s: staging: %w", res.File, err)
	}
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	if err := conn.QueryRowContext(ctx, zsql.Query("ingest/delivery.sql"),
		c.Source, res.File, sum, string(format), now()).Scan(&res.DeliveryID); err != nil {
		return res, fmt.Errorf("ingest %s: record delivery: %w", res.File, err)
	}

	err = conn.Raw(func(dc any) error {
		return in.load(ctx, dc.(driver.Conn), c, rows, pos, &res)
	})
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", res.File, err)
	}

	if _, err := conn.ExecContext(ctx, zsql.Query("ingest/upsert_"+table+".sql"), res.DeliveryID); err != nil {
		return res, fmt.Errorf("ingest %s: upsert: %w", res.File, err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE deliveries SET rows_accepted = ?, rows_quarantined = ? WHERE delivery_id = ?`,
		res.Accepted, res.Quarantined, res.DeliveryID); err != nil {
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

	rekey := pseudonymize.NewHasher(in.ResearchKey)
	pi := c.Index("pseudonym")
	fields := make([]string, len(c.Columns))
	values := make([]driver.Value, len(c.Columns)+1)
	for {
		if res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if in.Progress != nil && res.Rows > 0 && res.Rows%ProgressEvery == 0 {
				in.Progress(res.Rows)
			}
		}
		rec, err := rows.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return refuse("unreadable: %v", err)
		}
		res.Rows++
		if rec.FieldCountErr {
			res.Quarantined++
			if err := quar.AppendRow(res.DeliveryID, c.Source, int64(rec.Line), nil,
				fmt.Sprintf("%d fields, header has %d", len(rec.Fields), len(rows.Header())), nil); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
			continue
		}
		for i, p := range pos {
			fields[i] = rec.Fields[p]
		}
		if looksLikeBSN(fields[pi]) {
			return refuse("line %d: the pseudonym column holds a value that looks like a BSN (9 digits passing the elfproef); was the file pseudonymised?", rec.Line)
		}
		row, problems := c.Validate(fields)
		if len(problems) > 0 {
			res.Quarantined++
			var rid any
			if p := strings.ToLower(strings.TrimSpace(fields[pi])); contract.IsPseudonym(p) {
				rid = rekey.Sum(p)
			}
			for _, pr := range problems {
				if err := quar.AppendRow(res.DeliveryID, c.Source, int64(rec.Line), pr.Column, pr.Reason, rid); err != nil {
					return fmt.Errorf("quarantine: %w", err)
				}
			}
			continue
		}
		for i, v := range row.Values {
			if i == pi {
				v = rekey.Sum(v.(string))
			}
			values[i] = v
		}
		values[len(c.Columns)] = int64(rec.Line)
		if err := stage.AppendRow(values...); err != nil {
			return fmt.Errorf("staging line %d: %w", rec.Line, err)
		}
		res.Accepted++
	}
}

// looksLikeBSN is the BSN guard: a pseudonym column value of 9 digits that
// passes the elfproef means the file was not pseudonymised.
func looksLikeBSN(v string) bool {
	return pseudonymize.ValidBSN(strings.TrimSpace(v))
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
