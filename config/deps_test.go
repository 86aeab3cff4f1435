package config

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHeavyImports: config holds data and syntax checks only (issue
// 16), so a tool that reads the configuration does not link DuckDB, Arrow
// or the pipeline's packages.
func TestNoHeavyImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/duckdb/", "github.com/apache/arrow-go/", "github.com/zothuis/zothuis/"} {
			if strings.HasPrefix(dep, banned) && dep != "github.com/zothuis/zothuis/config" {
				t.Errorf("config depends on %s", dep)
			}
		}
	}
}
