package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zothuis/zothuis/ingest"
)

// demoConfigName is the configuration the demo writes into its folder.
const demoConfigName = "zothuis.yaml"

// writeDemoConfig writes DIR/zothuis.yaml, the configuration of the demo
// folder, and its inbox folders DIR/inbox/<source>: "zothuis serve
// --config DIR/zothuis.yaml" runs it as it is. Paths are relative to the
// file, so the folder may move.
func writeDemoConfig(dir string) (string, error) {
	var b strings.Builder
	b.WriteString(`# Written by "zothuis demo": the configuration of this demo folder.
#   zothuis serve --config zothuis.yaml
# serves the dashboard and /metrics on 127.0.0.1:9617 and pulls every
# pseudonymised delivery dropped into inbox/<source>/. Every key is explained
# in deploy/zothuis.example.yaml; defaults (regions, targets, disclosure)
# are the SPEC's. Paths are relative to this file.
paths:
  database: work/zothuis.duckdb
  out: .
  spool: spool
research_key_file: keys/research.key
# Month-end occupancy the demo's regions aim for in 2027-12: made-up
# values, so that the dashboard shows a glide path (no default).
occupancy_targets:
  groningen: 15
  drenthe: 10
listen: 127.0.0.1:9617
cycle:
  schedule: "0 6 1 * *"
sources:
`)
	for _, name := range ingest.SourceNames() {
		if err := os.MkdirAll(filepath.Join(dir, "inbox", name), 0o750); err != nil {
			return "", fmt.Errorf("demo config: %w", err)
		}
		fmt.Fprintf(&b, "  - source: %s\n    schedule: \"* * * * *\"\n    inbox:\n      dir: inbox/%s\n      settle: 10s\n", name, name)
	}
	path := filepath.Join(dir, demoConfigName)
	if err := os.WriteFile(path, []byte(b.String()), 0o640); err != nil {
		return "", fmt.Errorf("demo config: %w", err)
	}
	return path, nil
}
