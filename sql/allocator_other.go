//go:build !linux || !cgo

package sql

// keepFreedPages does nothing: DuckDB's library links its own jemalloc
// only on Linux (see allocator_linux.go).
func keepFreedPages(bool) error { return nil }

// freedPagesDecay reports that there is no allocator to tune here.
func freedPagesDecay() (defaults, arena0 [2]int64, ok bool, err error) {
	return defaults, arena0, false, nil
}
