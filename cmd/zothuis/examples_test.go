package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zothuis/zothuis/kpi"
)

// exampleResult is what snapshot/testdata/nodeclient/examples.mjs prints.
type exampleResult struct {
	Version string `json:"version"`
	Files   map[string]struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
		Error   string   `json:"error"`
	} `json:"files"`
}

// kpiFigure is one row of KPI output, as the example query and kpi --raw
// give it.
type kpiFigure struct {
	KPI, AreaType, Area    string
	Numerator, Denominator *int64
	Value                  *float64
}

// TestExampleQueries runs every example query published beside the demo
// snapshot with two independent clients, DuckDB's node client (1.5.0)
// and the oldest one that reads the snapshot (1.1.3, as the README
// promises): each runs and returns rows, and 01_kpi_history.sql, which
// recomputes the KPIs from the placement view, equals kpi --raw for
// every report month.
func TestExampleQueries(t *testing.T) {
	nodeDir, ok := nodeClient(t)
	if !ok {
		t.Skip("no node client")
	}
	dir := demoDir(t)
	snap := filepath.Join(dir, "research", "zothuis.duckdb")
	published := filepath.Join(dir, "research", "examples")

	// What is published is what the repository holds.
	want, err := filepath.Glob(filepath.Join("..", "..", "snapshot", "examples", "*.sql"))
	if err != nil || len(want) < 7 {
		t.Fatalf("snapshot/examples: %v, %v", want, err)
	}
	var files []string
	for _, w := range want {
		p := filepath.Join(published, filepath.Base(w))
		a, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("published %s differs from the repository's (%v)", p, err)
		}
		files = append(files, p)
	}

	for _, client := range []struct{ dir, version string }{
		{nodeDir, "v1.5.0"},
		{filepath.Join(filepath.Dir(nodeDir), "nodeclient-oldest"), "v1.1.3"},
	} {
		t.Run(filepath.Base(client.dir), func(t *testing.T) {
			cmd := exec.Command("node", append([]string{filepath.Join(nodeDir, "examples.mjs"), client.dir, snap}, files...)...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node examples.mjs: %v", err)
			}
			var res exampleResult
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			if res.Version != client.version {
				t.Errorf("client DuckDB %s, want %s", res.Version, client.version)
			}
			for _, f := range files {
				r, ok := res.Files[filepath.Base(f)]
				switch {
				case !ok:
					t.Errorf("%s: no result", filepath.Base(f))
				case r.Error != "":
					t.Errorf("%s: %s", filepath.Base(f), r.Error)
				case len(r.Rows) == 0:
					t.Errorf("%s: no rows on the demo snapshot", filepath.Base(f))
				}
			}
			r := res.Files["01_kpi_history.sql"]
			if r.Error != "" {
				return
			}
			got := map[string][]kpiFigure{}
			for _, row := range r.Rows {
				if len(row) != 7 {
					t.Fatalf("01_kpi_history.sql: row %v; want month, kpi, area_type, area, numerator, denominator, value", row)
				}
				month := row[0].(string)[:7]
				got[month] = append(got[month], kpiFigure{KPI: row[1].(string), AreaType: row[2].(string), Area: row[3].(string),
					Numerator: jsonInt(t, row[4]), Denominator: jsonInt(t, row[5]), Value: jsonFloat(t, row[6])})
			}
			if len(got) < 12 {
				t.Fatalf("01_kpi_history.sql covers %d report months; the demo has more", len(got))
			}
			for month, figures := range got {
				var stdout, stderr bytes.Buffer
				if code := run(context.Background(), []string{"kpi", "--db", snap, "--raw", "--format", "json", "--month", month}, &stdout, &stderr); code != 0 {
					t.Fatalf("kpi --month %s: exit %d: %s", month, code, stderr.String())
				}
				var raw kpi.Output
				if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
					t.Fatal(err)
				}
				var want []kpiFigure
				for _, f := range raw.Rows {
					want = append(want, kpiFigure{KPI: string(f.KPI), AreaType: string(f.AreaType), Area: f.Area,
						Numerator: f.Numerator, Denominator: f.Denominator, Value: f.Value})
				}
				less := func(a, b kpiFigure) int {
					if c := strings.Compare(a.KPI, b.KPI); c != 0 {
						return c
					}
					if c := strings.Compare(a.AreaType, b.AreaType); c != 0 {
						return c
					}
					return strings.Compare(a.Area, b.Area)
				}
				slices.SortFunc(want, less)
				slices.SortFunc(figures, less)
				if diff := cmp.Diff(want, figures, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
					t.Errorf("month %s: kpi --raw (-) against 01_kpi_history.sql (+):\n%s", month, diff)
				}
			}
		})
	}
}

// jsonInt reads a BIGINT as the node client renders it (a string), or nil.
func jsonInt(t *testing.T, v any) *int64 {
	t.Helper()
	if v == nil {
		return nil
	}
	n, err := strconv.ParseInt(v.(string), 10, 64)
	if err != nil {
		t.Fatalf("integer %v: %v", v, err)
	}
	return &n
}

// jsonFloat reads a number, or nil.
func jsonFloat(t *testing.T, v any) *float64 {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		return &x
	case string: // a BIGINT count
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			t.Fatalf("number %v: %v", v, err)
		}
		return &f
	}
	t.Fatalf("number %v of type %T", v, v)
	return nil
}
