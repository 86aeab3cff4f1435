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

	"github.com/zothuis/zothuis/atomicfile"
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
		// folders keep others out. claim has synced both folders.
		_ = os.Chmod(dst, FileMode)
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
		err := atomicfile.RenameNoReplace(tmp, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("no free name for %s in %s after %d tries", name, dir, maxCopies)
}

// claim moves src to dst without ever replacing an existing dst, and
// syncs both folders: it returns an error matching fs.ErrExist when dst
// is taken. Across filesystems it copies src to a hidden temporary file
// beside dst, synced, gives that dst's name exclusively, then removes
// src.
func claim(src, dst string) error {
	err := atomicfile.RenameNoReplace(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fs.ErrExist // before copying a file that could not go there
	}
	if err := copyNew(src, dst); err != nil {
		return err
	}
	if err := os.Remove(src); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(src))
}

// copyNew copies src to the new file dst, mode FileMode, never replacing
// a file.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(dst, FileMode)
	if err != nil {
		return err
	}
	defer out.Cleanup()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.CommitNoReplace()
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

// WriteFile writes data to path atomically, mode FileMode: a reader sees
// the old file or the new one, never a part.
func WriteFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, FileMode)
}
