// Package atomicfile is the one way the pipeline puts a file in place: a
// reader (an ingest, node_exporter, a researcher, a web server) sees the
// old file or the new one, never a part, and after a crash the new name
// holds the whole new content or is not there.
//
// Every write goes the same way: a hidden temporary file in the folder of
// the destination (a rename is atomic only within one filesystem), the
// data written, the mode set with chmod (the caller's mode, so the umask
// never widens or narrows it: these are person-level data files), the
// file synced, renamed into place, and the folder synced so that the new
// name survives a crash. The temporary file is removed on every error.
//
// github.com/google/renameio/v2 does most of this but does not sync the
// folder after the rename, puts the temporary file in $TMPDIR when that
// is on the same filesystem, leaves it behind when its chmod fails, and
// has no variant that refuses to replace a file, which the spool needs;
// the standard library does it all in a few lines.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// File is a file being written for path: writes go to a hidden temporary
// file beside path until Commit or CommitNoReplace puts it in place.
// Large outputs stream through it, so nothing is held in memory whole.
// Call Cleanup (deferred) to remove the temporary file when the write is
// abandoned; after a commit it does nothing.
type File struct {
	f    *os.File
	path string
	done bool
}

// Create starts a file for path with mode perm, exactly, whatever the
// umask. path's folder must exist.
func Create(path string, perm fs.FileMode) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(perm.Perm()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// ReadFrom lets io.Copy use the operating system's copy (copy_file_range,
// sendfile) as it would for an *os.File.
func (f *File) ReadFrom(r io.Reader) (int64, error) { return f.f.ReadFrom(r) }

// Name returns the temporary file's path, for error messages and tests.
func (f *File) Name() string { return f.f.Name() }

// Commit syncs and closes the file, renames it over path (replacing a
// file there) and syncs the folder. On an error the temporary file is
// removed and path is as it was, unless only the folder sync failed.
func (f *File) Commit() error { return f.commit(os.Rename) }

// CommitNoReplace is Commit that refuses to replace a file: when path
// exists it returns an error matching fs.ErrExist, removes the temporary
// file and leaves path alone.
func (f *File) CommitNoReplace() error { return f.commit(renameNoReplace) }

func (f *File) commit(rename func(oldpath, newpath string) error) error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already committed or cleaned up", f.path)
	}
	defer f.Cleanup()
	if err := f.f.Sync(); err != nil {
		return err
	}
	if err := f.f.Close(); err != nil {
		return err
	}
	if err := rename(f.f.Name(), f.path); err != nil {
		return err
	}
	f.done = true
	return SyncDir(filepath.Dir(f.path))
}

// Cleanup closes and removes the temporary file unless it was committed.
// It is safe to call more than once.
func (f *File) Cleanup() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close() // an error: already closed by a failed commit
	os.Remove(f.f.Name())
}

// WriteFile writes data to path atomically with mode perm, replacing a
// file there.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// Install puts tmp, a complete file written by a tool that writes by name
// (DuckDB's ATTACH and COPY, a program writing out.part), in place at
// path the way Commit does: mode perm, synced, renamed over path, folder
// synced. tmp must be in path's folder, and is removed on an error.
func Install(tmp, path string, perm fs.FileMode) error {
	f, err := adopt(tmp, path, perm)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return f.Commit()
}

// adopt opens tmp as the temporary file of a File for path, with mode
// perm. Read-only suffices: fsync needs no write access.
func adopt(tmp, path string, perm fs.FileMode) (*File, error) {
	if filepath.Dir(tmp) != filepath.Dir(path) {
		return nil, fmt.Errorf("atomicfile: %s is not in the folder of %s", tmp, path)
	}
	if err := os.Chmod(tmp, perm.Perm()); err != nil {
		return nil, err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return nil, err
	}
	return &File{f: f, path: path}, nil
}

// RenameNoReplace moves the file oldpath to newpath, never replacing a
// file: when newpath exists it returns an error matching fs.ErrExist and
// oldpath stays. Across filesystems it returns an error matching
// syscall.EXDEV, so that the caller can copy through a File instead.
// Both folders are synced after the move. It is for moving files that are
// already complete and durable (a download, a delivery); new content goes
// through Create and CommitNoReplace.
func RenameNoReplace(oldpath, newpath string) error {
	if err := renameNoReplace(oldpath, newpath); err != nil {
		return err
	}
	if err := SyncDir(filepath.Dir(newpath)); err != nil {
		return err
	}
	if filepath.Dir(oldpath) == filepath.Dir(newpath) {
		return nil
	}
	return SyncDir(filepath.Dir(oldpath))
}

// renameNoReplace renames oldpath to newpath unless newpath exists. A
// hard link claims the name atomically (where rename would silently
// replace); on a filesystem without hard links, a rename after a check,
// which is safe where one process owns the folder, as the pipeline's
// jobs each own theirs.
func renameNoReplace(oldpath, newpath string) error {
	err := os.Link(oldpath, newpath)
	if err == nil {
		return os.Remove(oldpath)
	}
	if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.EXDEV) {
		return err
	}
	if _, err := os.Lstat(newpath); err == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}

// SyncDir makes the renames and new names in dir durable. A filesystem
// that cannot sync folders (EINVAL: some network mounts) is not an error:
// there is nothing more to be done.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
