package ingest

import (
	"fmt"
	"strings"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/jgz"
	"github.com/zothuis/zothuis/ingest/jzplus"
	"github.com/zothuis/zothuis/ingest/toegang"
	"github.com/zothuis/zothuis/ingest/verzuim"
)

// Sources returns the contracts of the four sources, in the order their
// deliveries are best ingested (signals before the placements they lead to).
func Sources() []*contract.Contract {
	return []*contract.Contract{jgz.Contract(), verzuim.Contract(), toegang.Contract(), jzplus.Contract()}
}

// SourceNames returns the source names.
func SourceNames() []string {
	var names []string
	for _, c := range Sources() {
		names = append(names, c.Source)
	}
	return names
}

// Source returns the contract of the named source.
func Source(name string) (*contract.Contract, error) {
	for _, c := range Sources() {
		if c.Source == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("unknown source %q (want one of %s)", name, strings.Join(SourceNames(), ", "))
}
