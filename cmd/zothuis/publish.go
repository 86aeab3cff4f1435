package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
)

func runPublish(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "publish")
	dbPath := fs.String("db", "", "working DuckDB `file`")
	out := fs.String("out", "", "output `folder`; the snapshot goes to DIR/research/zothuis.duckdb")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"db": *dbPath, "out": *out}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	db, err := zsql.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	path, err := snapshot.Publish(ctx, db, filepath.Join(*out, "research"))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "research snapshot:", path)
	return nil
}
