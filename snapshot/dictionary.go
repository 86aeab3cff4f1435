package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	zsql "github.com/zothuis/zothuis/sql"
)

// DictionaryName is the name of the published snapshot's data
// dictionary.
const DictionaryName = "DATA_DICTIONARY.md"

// dictionary renders the data dictionary of the snapshot file at path
// from its own comments, so that the document and the file never
// disagree: every table and view with its comment (a table with its row
// count), every column with its type and comment.
func dictionary(ctx context.Context, path string, info Info) ([]byte, error) {
	db, err := zsql.OpenReadOnlyAnyVersion(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Data dictionary of research snapshot %s\n\n", info.ID)
	fmt.Fprintf(&b, "Published %s by zothuis %s (schema version %d, written by DuckDB %s).\n\n",
		info.PublishedAt.Format("2006-01-02 15:04 MST"), info.CodeVersion, info.SchemaVersion, info.DuckDB)
	fmt.Fprintf(&b, "Cite as: %s\n\n", info.Citation)
	b.WriteString("Generated from the `COMMENT ON` text inside the file: `duckdb_tables()`, `duckdb_views()` and `duckdb_columns()` say the same.\n")
	rows, err := db.QueryContext(ctx, `
		SELECT 'table' AS kind, table_name AS name, coalesce(comment, '') FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
		UNION ALL
		SELECT 'view', view_name, coalesce(comment, '') FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
		ORDER BY name`)
	if err != nil {
		return nil, err
	}
	type relation struct{ kind, name, comment string }
	var rels []relation
	for rows.Next() {
		var r relation
		if err := rows.Scan(&r.kind, &r.name, &r.comment); err != nil {
			rows.Close()
			return nil, err
		}
		rels = append(rels, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	b.WriteString("\n## Contents\n\n")
	for _, r := range rels {
		fmt.Fprintf(&b, "- [`%s`](#%s) (%s)\n", r.name, r.name, r.kind)
	}
	rowsOf := map[string]int64{}
	for _, t := range info.Tables {
		rowsOf[t.Name] = t.Rows
	}
	for _, r := range rels {
		// Row counts of tables come from snapshot_tables; a view's would
		// cost computing it again.
		what := "View"
		if r.kind == "table" {
			what = fmt.Sprintf("Table, %d rows", rowsOf[r.name])
			if slices.Contains(infoTables, r.name) {
				what = "Table describing this snapshot"
			}
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s. %s\n\n| column | type | meaning |\n|---|---|---|\n", r.name, what, cell(r.comment))
		cols, err := db.QueryContext(ctx, `SELECT column_name, data_type, coalesce(comment, '') FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`, r.name)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var name, typ, comment string
			if err := cols.Scan(&name, &typ, &comment); err != nil {
				cols.Close()
				return nil, err
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, cell(typ), cell(comment))
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// cell makes s safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", "").Replace(s)
}
