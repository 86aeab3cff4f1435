// Package snapshot publishes the researchers' copy of the database (SPEC
// §6). DuckDB admits one writer or many readers per file, so researchers
// never get the working file: after each successful cycle a new file is
// written beside the published one and renamed over it. A researcher who
// holds the old file open keeps reading it (the rename does not touch the
// open inode); the next open sees the new one.
//
// A snapshot can be cited: it says what it is (snapshot_info and
// MANIFEST.json: an id derived from its content, the data cut-off per
// source, code and schema version, the research key series, row counts
// and content hashes), and the dated copies it keeps are real copies, mode
// 0440, never overwritten, each with its own Parquet folder, so that the
// file a study cites stays the file it cites.
package snapshot

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/zothuis/zothuis/atomicfile"
	zsql "github.com/zothuis/zothuis/sql"
)

// FileName is the name of the published snapshot inside its folder.
const FileName = "zothuis.duckdb"

// ManifestName is the name of the published snapshot's manifest.
const ManifestName = "MANIFEST.json"

// storageVersion keeps the snapshot readable by DuckDB clients from 1.1 on,
// whatever version writes it.
const storageVersion = "v1.1.0"

// fileMode is the mode of every published file: readable by the owner
// and the researchers' group, writable by no one, so that no client
// opening it read-write (the default of Python's and R's) changes it. A
// snapshot is replaced, never written.
const fileMode fs.FileMode = 0o440

// leftOutColumns are columns of the working database that the snapshot
// leaves out: quarantine's research id, with the delivery file and line
// beside it, would let a source's employee map research ids back to the
// BSNs of their own export (issue 17).
var leftOutColumns = map[string][]string{"quarantine": {"research_id"}}

// LeftOutColumns returns the columns, per table, that the snapshot leaves
// out of the working database's tables.
func LeftOutColumns() map[string][]string { return maps.Clone(leftOutColumns) }

// examples are the example queries published beside the snapshot (in
// examples/): each reproduces published figures or answers a classic
// question from the snapshot alone.
//
//go:embed examples/*.sql
var examples embed.FS

// ExamplesDir is the folder of the example queries inside the snapshot's
// folder.
const ExamplesDir = "examples"

// Options tune Publish.
type Options struct {
	// KeepMonths is how many months dated copies are kept; 0 keeps none.
	KeepMonths int
	// Now dates the copy; the zero value means time.Now.
	Now time.Time
	// CodeVersion is the zothuis version, for snapshot_info.
	CodeVersion string
	// Log receives a warning when a step of the Parquet export needed a
	// second try with more memory (zsql.Roomier); none when nil.
	Log *slog.Logger
}

// Publish copies the working database db into dir/zothuis.duckdb by
// write-aside and atomic rename, with its description (snapshot_info and
// dir/MANIFEST.json) and data dictionary (dir/DATA_DICTIONARY.md, from
// the file's comments); keeps a dated copy for opt.KeepMonths months
// (dir/zothuis-YYYY-MM-DD.duckdb, a second one the same day
// zothuis-YYYY-MM-DD.2.duckdb, with its manifest and Parquet folder);
// writes the Parquet export to dir/parquet/; and returns the published
// path.
func Publish(ctx context.Context, db *sql.DB, dir string, opt Options) (string, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	path, err := publish(ctx, db, dir, opt)
	if err != nil {
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	return path, nil
}

func publish(ctx context.Context, db *sql.DB, dir string, opt Options) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	removeLeftovers(dir)
	final := filepath.Join(dir, FileName)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d-%d.tmp", FileName, os.Getpid(), time.Now().UnixNano()))
	defer func() {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
	}()
	var info Info
	if _, err := zsql.CopyTo(ctx, db, tmp, zsql.CopyOptions{
		LeaveOutTables:    zsql.OperationsTables(),
		LeaveOutSequences: zsql.OperationsSequences(),
		LeaveOutColumns:   leftOutColumns,
		StorageVersion:    storageVersion,
		Finish: func(ctx context.Context, conn *sql.Conn, alias string) error {
			if err := typeCodes(ctx, conn, alias); err != nil {
				return fmt.Errorf("coded columns: %w", err)
			}
			var err error
			if info, err = describe(ctx, conn, alias, opt); err != nil {
				return err
			}
			return writeInfo(ctx, conn, alias, info)
		},
	}); err != nil {
		return "", err
	}
	// The Parquet export is made from the snapshot file, so that both
	// hold the same.
	parquet, err := exportParquet(ctx, tmp, dir, opt.Log)
	defer os.RemoveAll(parquet)
	if err != nil {
		return "", fmt.Errorf("parquet: %w", err)
	}
	dict, err := dictionary(ctx, tmp, info)
	if err != nil {
		return "", fmt.Errorf("data dictionary: %w", err)
	}
	if opt.KeepMonths > 0 {
		if err := keepDated(dir, tmp, parquet, dict, info, opt); err != nil {
			return "", err
		}
	}
	if err := atomicfile.Install(tmp, final, fileMode); err != nil {
		return "", err
	}
	if err := writeManifest(filepath.Join(dir, ManifestName), info, FileName); err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, DictionaryName), dict, fileMode); err != nil {
		return "", err
	}
	if err := swapFolder(parquet, filepath.Join(dir, "parquet")); err != nil {
		return "", fmt.Errorf("parquet: %w", err)
	}
	if err := publishExamples(dir); err != nil {
		return "", fmt.Errorf("example queries: %w", err)
	}
	if err := prune(dir, opt); err != nil {
		return "", err
	}
	return final, nil
}

// publishExamples writes the example queries to dir/examples, in place
// of those of the previous publish.
func publishExamples(dir string) error {
	tmp, err := os.MkdirTemp(dir, ".examples-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	entries, err := examples.ReadDir(ExamplesDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := examples.ReadFile(ExamplesDir + "/" + e.Name())
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(tmp, e.Name()), b, fileMode); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o750); err != nil {
		return err
	}
	return swapFolder(tmp, filepath.Join(dir, ExamplesDir))
}

// removeLeftovers removes what a publish that was killed left in dir: a
// half-written snapshot (with its write-ahead log), a half-written copy,
// a half-written Parquet folder, each as large as a snapshot, and what
// the export spilled. Only one process publishes from a working database
// (DuckDB admits one writer), so none of them is in use; were it, its
// rename would fail, never the published files.
func removeLeftovers(dir string) {
	for _, pattern := range []string{"." + FileName + ".*.tmp", "." + FileName + ".*.tmp.wal", ".parquet-*", ".spill-*", ".examples-*", ".zothuis-*.tmp"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			os.RemoveAll(m)
		}
	}
}

// dated matches the names of dated copies and their Parquet folders and
// manifests: the day, and a sequence number from the second one of a day.
var dated = regexp.MustCompile(`^(?:zothuis|parquet)-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?(?:\.duckdb|\.manifest\.json|\.dictionary\.md)?$`)

// keepDated copies the new snapshot (the file at snap), its Parquet
// folder, manifest and data dictionary under the first free dated name
// of the day. A
// copy, not a link: the published file may be opened read-write by a
// careless client, the dated one must stay what was cited.
func keepDated(dir, snap, parquet string, dict []byte, info Info, opt Options) error {
	day := opt.Now.Format(time.DateOnly)
	for n := 1; ; n++ {
		suffix := day
		if n > 1 {
			suffix += "." + strconv.Itoa(n)
		}
		name := "zothuis-" + suffix + ".duckdb"
		err := copyFile(snap, filepath.Join(dir, name))
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := copyFolder(parquet, filepath.Join(dir, "parquet-"+suffix)); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, "zothuis-"+suffix+".dictionary.md"), dict, fileMode); err != nil {
			return err
		}
		return writeManifest(filepath.Join(dir, "zothuis-"+suffix+".manifest.json"), info, name)
	}
}

// prune removes the dated copies, manifests and Parquet folders older
// than opt.KeepMonths months.
func prune(dir string, opt Options) error {
	cutoff := opt.Now.AddDate(0, -opt.KeepMonths, 0).Format(time.DateOnly)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		m := dated.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if _, err := time.Parse(time.DateOnly, m[1]); err != nil || m[1] >= cutoff {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return atomicfile.SyncDir(dir)
}

// copyFile copies from to a new file at to, mode 0440, atomically; it
// fails with fs.ErrExist where to exists.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(to, fileMode)
	if err != nil {
		return err
	}
	defer out.Cleanup()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.CommitNoReplace()
}

// copyFolder copies the files of folder from into a new folder to.
func copyFolder(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(to), ".parquet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, e := range entries {
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(tmp, e.Name())); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o750); err != nil {
		return err
	}
	return atomicfile.RenameNoReplace(tmp, to)
}

// writeManifest writes info as JSON to path, naming file.
func writeManifest(path string, info Info, file string) error {
	info.File = file
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), fileMode)
}

// swapFolder puts folder tmp in place of folder final: a reader sees the
// old set or the new one.
func swapFolder(tmp, final string) error {
	old := final + ".old"
	os.RemoveAll(old)
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	os.RemoveAll(old)
	return atomicfile.SyncDir(filepath.Dir(final))
}
