package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
)

// RecreateViews creates every view of database name anew from its own
// definition, with its comments, on conn, whose current database it
// leaves unchanged. A view stores the column types its query had when it
// was made; after ALTER COLUMN … SET DATA TYPE on a table below it,
// current DuckDB binds the view again, but DuckDB 1.1 refuses to read it
// ("Contents of view were altered: types don't match"), so a file meant
// for older clients recreates its views after changing a type.
func RecreateViews(ctx context.Context, conn *dbsql.Conn, name string) (err error) {
	type view struct {
		schema, name, sql string
		comment           dbsql.NullString
		columns           map[string]string
	}
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, view_name, sql, comment FROM duckdb_views()
		WHERE database_name = ? AND NOT internal ORDER BY ALL`, name)
	if err != nil {
		return err
	}
	var views []*view
	byName := map[[2]string]*view{}
	for rows.Next() {
		v := &view{columns: map[string]string{}}
		if err := rows.Scan(&v.schema, &v.name, &v.sql, &v.comment); err != nil {
			rows.Close()
			return err
		}
		views = append(views, v)
		byName[[2]string{v.schema, v.name}] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = conn.QueryContext(ctx, `SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()
		WHERE database_name = ? AND comment IS NOT NULL`, name)
	if err != nil {
		return err
	}
	for rows.Next() {
		var schema, table, column, comment string
		if err := rows.Scan(&schema, &table, &column, &comment); err != nil {
			rows.Close()
			return err
		}
		if v, ok := byName[[2]string{schema, table}]; ok {
			v.columns[column] = comment
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	var current string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&current); err != nil {
		return err
	}
	// A view's definition names its relations as written, so it is
	// created with its own database current.
	if _, err := conn.ExecContext(ctx, "USE "+QuoteIdent(name)); err != nil {
		return err
	}
	defer func() {
		if _, uerr := conn.ExecContext(context.Background(), "USE "+QuoteIdent(current)); uerr != nil && err == nil {
			err = uerr
		}
	}()
	for _, v := range views {
		qualified := QuoteIdent(name) + "." + QuoteIdent(v.schema) + "." + QuoteIdent(v.name)
		if _, err := conn.ExecContext(ctx, "DROP VIEW "+qualified); err != nil {
			return fmt.Errorf("view %s: %w", v.name, err)
		}
		if _, err := conn.ExecContext(ctx, "SET schema = "+QuoteLiteral(v.schema)); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, v.sql); err != nil {
			return fmt.Errorf("view %s: %w", v.name, err)
		}
		if v.comment.Valid {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("COMMENT ON VIEW %s IS %s", qualified, QuoteLiteral(v.comment.String))); err != nil {
				return fmt.Errorf("view %s: %w", v.name, err)
			}
		}
		for col, c := range v.columns {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", qualified, QuoteIdent(col), QuoteLiteral(c))); err != nil {
				return fmt.Errorf("view %s: %w", v.name, err)
			}
		}
	}
	return nil
}
