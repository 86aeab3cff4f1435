package snapshot

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	zsql "github.com/zothuis/zothuis/sql"
)

// Info identifies and describes a published snapshot, so that a study
// can cite it and check that the file it holds is the one it cites. It
// is written into the snapshot (tables snapshot_info, snapshot_tables
// and snapshot_sources) and beside it as MANIFEST.json.
type Info struct {
	// ID is derived from the content alone: the same data published
	// twice has the same ID, other data another.
	ID            string    `json:"snapshot_id"`
	PublishedAt   time.Time `json:"published_at"`
	CodeVersion   string    `json:"code_version"`
	SchemaVersion int       `json:"schema_version"`
	DuckDB        string    `json:"duckdb_version"`
	// KeyFingerprint names the research key series the research ids
	// were made with (an HMAC of a fixed text under the key, never the
	// key): two snapshots with the same fingerprint have comparable
	// research ids. Empty for a database no delivery landed in.
	KeyFingerprint string         `json:"research_key_fingerprint"`
	ContentHash    string         `json:"content_hash"`
	Tables         []TableInfo    `json:"tables"`
	Sources        []SourceCutoff `json:"sources"`
	Citation       string         `json:"citation"`
	// File is the dated copy's name, in MANIFEST.json only.
	File string `json:"file,omitempty"`
}

// TableInfo is a table's row count and content hash.
type TableInfo struct {
	Name        string `json:"name"`
	Rows        int64  `json:"rows"`
	ContentHash string `json:"content_hash"`
}

// SourceCutoff is how far a source's data reaches.
type SourceCutoff struct {
	Source         string     `json:"source"`
	Deliveries     int64      `json:"deliveries"`
	LastDeliveryAt *time.Time `json:"last_delivery_at"`
	// FirstDate and LastDate are the earliest and latest date of any
	// date column of the source's rows (YYYY-MM-DD).
	FirstDate *string `json:"first_date"`
	LastDate  *string `json:"last_date"`
}

// contentHashSQL is how a table's content hash is computed, also for a
// researcher checking a file with DuckDB: independent of row order and
// of the file's bytes, so the same content gives the same hash. It takes
// DuckDB's own hash of each row, not an MD5 of the row as text: at 3.5 M
// youths that was 14 of the snapshot's 57 seconds, this about one
// (BENCHMARKS.md, change 21). DuckDB's hash depends on its version and
// on the column types, which snapshot_info and the file give.
const contentHashSQL = `SELECT count(*), sha256(count(*)::VARCHAR || ':' || coalesce(bit_xor(hash(t)), 0)::VARCHAR || ':' || coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR) FROM %s t`

// infoTables are the tables describe writes; they are not hashed.
var infoTables = []string{"snapshot_info", "snapshot_tables", "snapshot_sources"}

// describe computes the Info of the snapshot attached to conn as alias;
// main is the working database.
func describe(ctx context.Context, conn *sql.Conn, alias string, opt Options) (Info, error) {
	info := Info{PublishedAt: opt.Now.UTC().Truncate(time.Second), CodeVersion: opt.CodeVersion}
	if info.CodeVersion == "" {
		info.CodeVersion = "unknown"
	}
	if err := conn.QueryRowContext(ctx, "SELECT version()").Scan(&info.DuckDB); err != nil {
		return info, err
	}
	q := fmt.Sprintf("SELECT coalesce(max(version), 0) FROM %s.main.schema_migrations", zsql.QuoteIdent(alias))
	if err := conn.QueryRowContext(ctx, q).Scan(&info.SchemaVersion); err != nil {
		return info, err
	}
	var fp sql.NullString
	err := conn.QueryRowContext(ctx, "SELECT fingerprint FROM main.research_key_fingerprint").Scan(&fp)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return info, err
	}
	info.KeyFingerprint = fp.String

	names, err := queryStrings(ctx, conn, `SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name`, alias)
	if err != nil {
		return info, err
	}
	names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(infoTables, n) })
	all := sha256.New()
	for _, n := range names {
		ti := TableInfo{Name: n}
		q := fmt.Sprintf(contentHashSQL, zsql.QuoteIdent(alias)+".main."+zsql.QuoteIdent(n))
		if err := conn.QueryRowContext(ctx, q).Scan(&ti.Rows, &ti.ContentHash); err != nil {
			return info, fmt.Errorf("content hash of %s: %w", n, err)
		}
		fmt.Fprintf(all, "%s\t%d\t%s\n", n, ti.Rows, ti.ContentHash)
		info.Tables = append(info.Tables, ti)
	}
	info.ContentHash = hex.EncodeToString(all.Sum(nil))
	info.ID = "zothuis-" + info.ContentHash[:16]

	for _, c := range ingest.Sources() {
		sc, err := cutoff(ctx, conn, alias, c)
		if err != nil {
			return info, fmt.Errorf("cut-off of %s: %w", c.Source, err)
		}
		info.Sources = append(info.Sources, sc)
	}
	info.Citation = fmt.Sprintf("Zo Thuis Monitor, research snapshot %s (published %s; data to %s; zothuis %s, schema version %d).",
		info.ID, info.PublishedAt.Format("2006-01-02"), dataTo(info.Sources), info.CodeVersion, info.SchemaVersion)
	return info, nil
}

// cutoff reads how far source c's data in the snapshot reaches.
func cutoff(ctx context.Context, conn *sql.Conn, alias string, c *contract.Contract) (SourceCutoff, error) {
	sc := SourceCutoff{Source: c.Source}
	db := zsql.QuoteIdent(alias) + ".main."
	var last sql.NullTime
	q := fmt.Sprintf("SELECT count(*), max(received_at) FROM %sdeliveries WHERE source = ?", db)
	if err := conn.QueryRowContext(ctx, q, c.Source).Scan(&sc.Deliveries, &last); err != nil {
		return sc, err
	}
	if last.Valid {
		t := last.Time.UTC()
		sc.LastDeliveryAt = &t
	}
	var dates []string
	for _, col := range c.Columns {
		if col.Kind == contract.Date {
			dates = append(dates, zsql.QuoteIdent(col.Name))
		}
	}
	if len(dates) == 0 {
		return sc, nil
	}
	var lo, hi []string
	for _, d := range dates {
		lo = append(lo, "min("+d+")")
		hi = append(hi, "max("+d+")")
	}
	// least/greatest skip NULLs, so a column never filled does not hide
	// the others.
	q = fmt.Sprintf("SELECT strftime(least(%s), '%%Y-%%m-%%d'), strftime(greatest(%s), '%%Y-%%m-%%d') FROM %s%s",
		strings.Join(lo, ", "), strings.Join(hi, ", "), db, zsql.QuoteIdent(c.Source))
	var first, lastDate sql.NullString
	if err := conn.QueryRowContext(ctx, q).Scan(&first, &lastDate); err != nil {
		return sc, err
	}
	if first.Valid {
		sc.FirstDate = &first.String
	}
	if lastDate.Valid {
		sc.LastDate = &lastDate.String
	}
	return sc, nil
}

// dataTo is the earliest of the sources' last dates: the day up to which
// every source has data.
func dataTo(sources []SourceCutoff) string {
	to := ""
	for _, s := range sources {
		if s.LastDate != nil && (to == "" || *s.LastDate < to) {
			to = *s.LastDate
		}
	}
	if to == "" {
		return "no data"
	}
	return to
}

// writeInfo stores info in the snapshot attached as alias, with comments
// that explain every column.
func writeInfo(ctx context.Context, conn *sql.Conn, alias string, info Info) error {
	db := zsql.QuoteIdent(alias) + ".main."
	stmts := []string{
		"CREATE TABLE " + db + `snapshot_info (snapshot_id VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL, code_version VARCHAR NOT NULL,
			schema_version INTEGER NOT NULL, duckdb_version VARCHAR NOT NULL, research_key_fingerprint VARCHAR, content_hash VARCHAR NOT NULL, citation VARCHAR NOT NULL)`,
		"CREATE TABLE " + db + `snapshot_tables (table_name VARCHAR PRIMARY KEY, row_count BIGINT NOT NULL, content_hash VARCHAR NOT NULL)`,
		"CREATE TABLE " + db + `snapshot_sources (source VARCHAR PRIMARY KEY, deliveries BIGINT NOT NULL, last_delivery_at TIMESTAMPTZ, first_date DATE, last_date DATE)`,
		"COMMENT ON TABLE " + db + `snapshot_info IS 'One row: what this snapshot is, for citing it. The same row is in MANIFEST.json beside the published file.'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.snapshot_id IS 'Identifier derived from the content alone (zothuis- and the first 16 hex digits of content_hash): the same data published twice has the same id.'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.published_at IS 'When this snapshot was published (UTC).'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.code_version IS 'Version of the zothuis program that wrote it (git describe).'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.schema_version IS 'Schema version of the tables and views (the number of the last migration applied).'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.duckdb_version IS 'DuckDB version that wrote the file. It opens read-only in DuckDB 1.1 and later.'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.research_key_fingerprint IS 'Names the research key series: research ids are comparable between snapshots with the same fingerprint, and only between those. HMAC-SHA256 of a fixed text under the key; neither the key nor a way to compute research ids.'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.content_hash IS 'SHA-256 over the lines "table<TAB>row_count<TAB>content_hash" of snapshot_tables in table order.'`,
		"COMMENT ON COLUMN " + db + `snapshot_info.citation IS 'Suggested citation line.'`,
		"COMMENT ON TABLE " + db + `snapshot_tables IS 'Row count and content hash of every table of the snapshot but these three, to check a copy against.'`,
		"COMMENT ON COLUMN " + db + `snapshot_tables.table_name IS 'Table name.'`,
		"COMMENT ON COLUMN " + db + `snapshot_tables.row_count IS 'Number of rows.'`,
		"COMMENT ON COLUMN " + db + `snapshot_tables.content_hash IS 'Independent of row order and of the file''s bytes; computed with DuckDB''s hash() of each row, which depends on the DuckDB version (snapshot_info.duckdb_version) and the column types of this file (a Parquet copy reads ENUM columns back as text, so check it against a table made from it as this file has them), as: ` + strings.ReplaceAll(fmt.Sprintf(contentHashSQL, "<table>"), "'", "''") + `'`,
		"COMMENT ON TABLE " + db + `snapshot_sources IS 'How far each source''s data reaches in this snapshot: the data cut-off per source.'`,
		"COMMENT ON COLUMN " + db + `snapshot_sources.source IS 'Source: jgz, verzuim, toegang or jzplus.'`,
		"COMMENT ON COLUMN " + db + `snapshot_sources.deliveries IS 'Delivery files of the source that landed.'`,
		"COMMENT ON COLUMN " + db + `snapshot_sources.last_delivery_at IS 'When the latest of them landed; NULL if none did.'`,
		"COMMENT ON COLUMN " + db + `snapshot_sources.first_date IS 'Earliest date in any date column of the source''s rows.'`,
		"COMMENT ON COLUMN " + db + `snapshot_sources.last_date IS 'Latest date in any date column of the source''s rows: the source''s data cut-off.'`,
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("snapshot info: %w", err)
		}
	}
	var fp any
	if info.KeyFingerprint != "" {
		fp = info.KeyFingerprint
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO "+db+"snapshot_info VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		info.ID, info.PublishedAt, info.CodeVersion, info.SchemaVersion, info.DuckDB, fp, info.ContentHash, info.Citation); err != nil {
		return fmt.Errorf("snapshot info: %w", err)
	}
	for _, t := range info.Tables {
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+db+"snapshot_tables VALUES (?, ?, ?)", t.Name, t.Rows, t.ContentHash); err != nil {
			return fmt.Errorf("snapshot info: %w", err)
		}
	}
	for _, s := range info.Sources {
		var last, first, to any
		if s.LastDeliveryAt != nil {
			last = *s.LastDeliveryAt
		}
		if s.FirstDate != nil {
			first = *s.FirstDate
		}
		if s.LastDate != nil {
			to = *s.LastDate
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+db+"snapshot_sources VALUES (?, ?, ?, ?::DATE, ?::DATE)", s.Source, s.Deliveries, last, first, to); err != nil {
			return fmt.Errorf("snapshot info: %w", err)
		}
	}
	return nil
}

// InfoTables returns the tables Publish adds to a snapshot to describe
// it; the working database has none of them.
func InfoTables() []string { return slices.Clone(infoTables) }
