//go:build linux && cgo

package sql

/*
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

// DuckDB's jemalloc, prefixed duckdb_je_ in the Linux libraries that
// duckdb-go links. Weak: a DuckDB library built without it (a system one,
// through duckdb-go's duckdb_use_lib) leaves it NULL instead of failing
// the link, and then there is nothing to tune.
extern int duckdb_je_mallctl(const char *name, void *oldp, size_t *oldlenp,
	void *newp, size_t newlen) __attribute__((weak));

static int zt_have_mallctl(void) { return duckdb_je_mallctl != NULL; }

static int zt_get_ssize(const char *name, ssize_t *v) {
	size_t n = sizeof *v;
	return duckdb_je_mallctl(name, v, &n, NULL, 0);
}

static int zt_set_ssize(const char *name, ssize_t v) {
	return duckdb_je_mallctl(name, NULL, NULL, &v, sizeof v);
}

static int zt_narenas(unsigned *v) {
	size_t n = sizeof *v;
	return duckdb_je_mallctl("arenas.narenas", v, &n, NULL, 0);
}

// zt_set_arena_decay sets the decay times of arena i; EFAULT means the
// arena was never made, and it takes the default set for new ones.
static int zt_set_arena_decay(unsigned i, ssize_t dirty, ssize_t muzzy) {
	char name[64];
	snprintf(name, sizeof name, "arena.%u.dirty_decay_ms", i);
	int err = zt_set_ssize(name, dirty);
	if (err == EFAULT) return 0;
	if (err != 0) return err;
	snprintf(name, sizeof name, "arena.%u.muzzy_decay_ms", i);
	err = zt_set_ssize(name, muzzy);
	return err == EFAULT ? 0 : err;
}

static int zt_purge_all(void) {
	char name[64];
	// MALLCTL_ARENAS_ALL
	snprintf(name, sizeof name, "arena.%u.purge", 4096u);
	return duckdb_je_mallctl(name, NULL, NULL, NULL, 0);
}
*/
import "C"

import (
	"fmt"
	"syscall"
	"unsafe"
)

// keepFreedPages sets how long DuckDB's allocator keeps freed pages in
// every arena of the process: DuckDB's own decay time (keep) or none, in
// which case it also returns the pages it holds now. It does nothing
// where DuckDB's library has no jemalloc of its own.
func keepFreedPages(keep bool) error {
	if C.zt_have_mallctl() == 0 {
		return nil
	}
	dirty, muzzy := C.ssize_t(0), C.ssize_t(0)
	if keep {
		// The decay times DuckDB started jemalloc with (or what
		// DUCKDB_JE_MALLOC_CONF set).
		if err := getSSize("opt.dirty_decay_ms", &dirty); err != nil {
			return err
		}
		if err := getSSize("opt.muzzy_decay_ms", &muzzy); err != nil {
			return err
		}
	}
	// Arenas made later take the defaults; the existing ones are set one
	// by one.
	if err := setSSize("arenas.dirty_decay_ms", dirty); err != nil {
		return err
	}
	if err := setSSize("arenas.muzzy_decay_ms", muzzy); err != nil {
		return err
	}
	var n C.unsigned
	if rc := C.zt_narenas(&n); rc != 0 {
		return fmt.Errorf("allocator: arenas.narenas: %w", syscall.Errno(rc))
	}
	for i := C.unsigned(0); i < n; i++ {
		if rc := C.zt_set_arena_decay(i, dirty, muzzy); rc != 0 {
			return fmt.Errorf("allocator: arena %d decay: %w", i, syscall.Errno(rc))
		}
	}
	if !keep {
		if rc := C.zt_purge_all(); rc != 0 {
			return fmt.Errorf("allocator: purge: %w", syscall.Errno(rc))
		}
	}
	return nil
}

// freedPagesDecay reports the decay times of the default for new arenas
// and of arena 0, in milliseconds; ok is false without DuckDB's jemalloc.
func freedPagesDecay() (defaults, arena0 [2]int64, ok bool, err error) {
	if C.zt_have_mallctl() == 0 {
		return defaults, arena0, false, nil
	}
	for i, name := range []string{"arenas.dirty_decay_ms", "arenas.muzzy_decay_ms", "arena.0.dirty_decay_ms", "arena.0.muzzy_decay_ms"} {
		var v C.ssize_t
		if err := getSSize(name, &v); err != nil {
			return defaults, arena0, true, err
		}
		if i < 2 {
			defaults[i] = int64(v)
		} else {
			arena0[i-2] = int64(v)
		}
	}
	return defaults, arena0, true, nil
}

func getSSize(name string, v *C.ssize_t) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.zt_get_ssize(cs, v); rc != 0 {
		return fmt.Errorf("allocator: %s: %w", name, syscall.Errno(rc))
	}
	return nil
}

func setSSize(name string, v C.ssize_t) error {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.zt_set_ssize(cs, v); rc != 0 {
		return fmt.Errorf("allocator: %s: %w", name, syscall.Errno(rc))
	}
	return nil
}
