package spool

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// FileMode and DirMode are the modes of the files and folders the
// pipeline makes for deliveries: person-level data, group-readable at
// most.
const (
	FileMode = 0o640
	DirMode  = 0o750
)

// MoveInto moves the regular file src into folder dir under its base
// name, or the first free variant of it (<stem>_2<ext>, ...), never
// replacing a file, and makes the move durable. A name counts as taken
// when the name itself or name+sidecar exists (sidecar may be empty).
// Across filesystems (a mounted inbox) the file is copied to a hidden
// name in dir, synced, and only then given its name; the source is
// removed last, so a crash leaves no partial file under a final name.
func MoveInto(src, dir, sidecar string) (string, error) {
	base := filepath.Base(src)
	for i := 1; i <= maxCopies; i++ {
		dst := filepath.Join(dir, variant(base, i))
		if sidecar != "" {
			if _, err := os.Lstat(dst + sidecar); err == nil {
				continue
			} else if !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
		err := claim(src, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		// A file the pipeline does not own keeps its mode; the 0750
		// folders keep others out.
		_ = os.Chmod(dst, FileMode)
		if err := SyncDir(dir); err != nil {
			return "", err
		}
		if err := SyncDir(filepath.Dir(src)); err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries", base, dir, maxCopies)
}

// Place gives tmp, a complete file in dir, the name name or the first
// free variant of it, never replacing a file, and syncs dir. Pullers
// write a download to a hidden temporary name and Place it.
func Place(tmp, dir, name string) (string, error) {
	for i := 1; i <= maxCopies; i++ {
		dst := filepath.Join(dir, variant(name, i))
		err := exclusiveRename(tmp, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return dst, SyncDir(dir)
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries", name, dir, maxCopies)
}

// exclusiveRename renames src to dst within one filesystem, returning an
// error matching fs.ErrExist when dst is taken. A hard link claims the
// name atomically; where links are not possible, a rename after a check
// (one job owns each folder).
func exclusiveRename(src, dst string) error {
	err := os.Link(src, dst)
	if err == nil {
		return os.Remove(src)
	}
	if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.EXDEV) {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fs.ErrExist
	}
	return os.Rename(src, dst)
}

// claim moves src to dst without ever replacing an existing dst: it
// returns an error matching fs.ErrExist when dst is taken. Across
// filesystems it copies to a hidden temporary file beside dst, synced,
// renames that exclusively, then removes src.
func claim(src, dst string) error {
	err := exclusiveRename(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fs.ErrExist
	}
	tmp, err := copyTemp(src, filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if err := exclusiveRename(tmp, dst); err != nil {
		return err
	}
	if err := SyncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	return os.Remove(src)
}

// copyTemp copies src to a new hidden file in dir, synced, and returns
// its path.
func copyTemp(src, dir string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "."+filepath.Base(src)+".*")
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		out.Close()
		os.Remove(out.Name())
		return "", err
	}
	if err := out.Chmod(FileMode); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		return fail(err)
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// variant returns name for i == 1 and <stem>_<i><ext> after that.
func variant(name string, i int) string {
	if i == 1 {
		return name
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // a name like ".csv"
		stem, ext = name, ""
	}
	return fmt.Sprintf("%s_%d%s", stem, i, ext)
}

// SyncDir makes renames and new names in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		// EINVAL: the filesystem cannot sync folders (some network mounts).
		return err
	}
	return nil
}

// WriteFile writes data to path atomically, mode FileMode: a temporary
// file in the same folder, synced, renamed over path, and the folder
// synced. A reader sees the old file or the new one, never a part.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(FileMode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}
