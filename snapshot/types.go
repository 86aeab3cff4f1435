package snapshot

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"

	zsql "github.com/zothuis/zothuis/sql"
)

//go:embed sql/coded_columns.sql
var codedColumnsSQL string

// typeCodes turns every coded text column of the snapshot attached to
// conn as alias into an ENUM of its code list (codebook): a researcher
// sees in the column's type which values it can hold, a typo in a filter
// is not silently a text that matches nothing in a join, and DuckDB
// stores the column as small integers. Comments and NOT NULL stay, and
// the views are made anew over the new types; the
// working database keeps text (its contracts may gain codes with a
// migration, its upserts compare text). A value without a code in the
// codebook fails the publish, naming it: the file promises a label for
// every code.
func typeCodes(ctx context.Context, conn *sql.Conn, alias string) error {
	type coded struct {
		table, column string
		codes         []string
	}
	rows, err := conn.QueryContext(ctx, codedColumnsSQL, alias)
	if err != nil {
		return err
	}
	var cols []coded
	for rows.Next() {
		var c coded
		var codes []any
		if err := rows.Scan(&c.table, &c.column, &codes); err != nil {
			rows.Close()
			return err
		}
		for _, v := range codes {
			c.codes = append(c.codes, fmt.Sprint(v))
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cols {
		table := zsql.QuoteIdent(alias) + ".main." + zsql.QuoteIdent(c.table)
		col := zsql.QuoteIdent(c.column)
		quoted := make([]string, len(c.codes))
		for i, v := range c.codes {
			quoted[i] = zsql.QuoteLiteral(v)
		}
		list := strings.Join(quoted, ", ")
		var unknown sql.NullString
		q := fmt.Sprintf("SELECT string_agg(DISTINCT %s, ', ' ORDER BY %s) FROM %s WHERE %s NOT IN (%s)", col, col, table, col, list)
		if err := conn.QueryRowContext(ctx, q).Scan(&unknown); err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		if unknown.Valid {
			return fmt.Errorf("%s.%s holds codes the codebook has no label for: %s", c.table, c.column, unknown.String)
		}
		q = fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DATA TYPE ENUM(%s)", table, col, list)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
	}
	// The views over those columns still record text: DuckDB 1.1, which
	// the storage version promises to serve, would refuse them.
	return zsql.RecreateViews(ctx, conn, alias)
}
