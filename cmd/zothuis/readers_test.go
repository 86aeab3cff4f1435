package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zothuis/zothuis/snapshot"
)

// readerCheck is a researcher's query that touches every table and the
// views of the snapshot and checks that they agree with each other: a
// snapshot read half-written, or mixed from two publishes, fails it.
const readerCheck = `SELECT
	(SELECT count(*) FROM kpi_history) AS kpi_rows,
	(SELECT count(*) FROM kpi_progress) AS progress_rows,
	(SELECT count(*) FROM kpi_targets) AS targets,
	(SELECT count(*) FROM regions) AS regions,
	(SELECT count(*) FROM jgz) + (SELECT count(*) FROM verzuim) + (SELECT count(*) FROM toegang) AS signal_rows,
	(SELECT count(*) FROM jzplus) AS placements,
	(SELECT count(*) FROM placement_link) AS linked_placements,
	(SELECT count(*) FROM placement_link WHERE research_id NOT IN (SELECT research_id FROM jzplus)) AS unknown_placement_youths,
	(SELECT count(*) FROM placement_timeline) AS timeline_rows,
	(SELECT count(*) FROM youth_link) AS youths,
	(SELECT count(*) FROM (
		SELECT delivery_id FROM jgz UNION ALL SELECT delivery_id FROM verzuim UNION ALL SELECT delivery_id FROM toegang
		UNION ALL SELECT delivery_id FROM jzplus UNION ALL SELECT delivery_id FROM quarantine
	) WHERE delivery_id NOT IN (SELECT delivery_id FROM deliveries)) AS rows_of_unknown_deliveries,
	(SELECT count(*) FROM deliveries) AS deliveries,
	(SELECT coalesce(max(delivery_id), 0) FROM deliveries) AS last_delivery`

// readerResult is one reading of readerCheck.
type readerResult struct {
	KPIRows                 int64 `json:"kpi_rows"`
	ProgressRows            int64 `json:"progress_rows"`
	Targets                 int64 `json:"targets"`
	Regions                 int64 `json:"regions"`
	SignalRows              int64 `json:"signal_rows"`
	Placements              int64 `json:"placements"`
	LinkedPlacements        int64 `json:"linked_placements"`
	UnknownPlacementYouths  int64 `json:"unknown_placement_youths"`
	TimelineRows            int64 `json:"timeline_rows"`
	Youths                  int64 `json:"youths"`
	RowsOfUnknownDeliveries int64 `json:"rows_of_unknown_deliveries"`
	Deliveries              int64 `json:"deliveries"`
	LastDelivery            int64 `json:"last_delivery"`
}

// problem says what is wrong with a reading; "" when it is consistent.
func (r readerResult) problem() string {
	switch {
	case r.KPIRows == 0 || r.ProgressRows == 0 || r.Targets == 0 || r.Regions == 0:
		return fmt.Sprintf("empty KPI tables: %+v", r)
	case r.SignalRows == 0 || r.Placements == 0 || r.Youths == 0 || r.Deliveries == 0:
		return fmt.Sprintf("empty source tables: %+v", r)
	case r.LinkedPlacements != r.Placements || r.TimelineRows != r.Placements || r.UnknownPlacementYouths != 0:
		return fmt.Sprintf("placements disagree between jzplus, placement_link and placement_timeline: %+v", r)
	case r.RowsOfUnknownDeliveries != 0:
		return fmt.Sprintf("rows of deliveries the snapshot does not record: %+v", r)
	}
	return ""
}

// readerReport is what a reader process tells the test at the end.
type readerReport struct {
	Reads    int      `json:"reads"`
	Errors   []string `json:"errors"`
	Runs     []int64  `json:"runs"` // distinct last_delivery values seen: one per publish read
	Duration string   `json:"duration"`
}

// TestReaderProcess is not a test: TestReadersDuringCycles runs this test
// binary as a separate reader process (a researcher's Go client), which
// opens the snapshot read-only again and again until a stop file appears,
// and reports as JSON.
func TestReaderProcess(t *testing.T) {
	spec := os.Getenv("ZOTHUIS_TEST_READER")
	if spec == "" {
		t.Skip("a helper process of TestReadersDuringCycles")
	}
	path, stop, _ := strings.Cut(spec, "|")
	rep := readerReport{}
	runs := map[int64]bool{}
	start := time.Now()
	for !exists(stop) && time.Since(start) < 3*time.Minute {
		rep.Reads++
		r, err := readSnapshotOnce(path)
		if err == nil {
			if p := r.problem(); p != "" {
				err = fmt.Errorf("%s", p)
			}
		}
		if err != nil {
			if len(rep.Errors) < 10 {
				rep.Errors = append(rep.Errors, fmt.Sprintf("read %d: %v", rep.Reads, err))
			}
			continue
		}
		if !runs[r.LastDelivery] {
			runs[r.LastDelivery] = true
			rep.Runs = append(rep.Runs, r.LastDelivery)
		}
	}
	rep.Duration = time.Since(start).String()
	json.NewEncoder(os.Stdout).Encode(rep)
	os.Exit(0)
}

// readSnapshotOnce opens path read-only, runs readerCheck and closes it.
func readSnapshotOnce(path string) (readerResult, error) {
	var r readerResult
	// One thread: the readers share two cores with the daemon.
	db, err := sql.Open("duckdb", path+"?access_mode=read_only&threads=1")
	if err != nil {
		return r, err
	}
	defer db.Close()
	err = db.QueryRowContext(context.Background(), readerCheck).Scan(&r.KPIRows, &r.ProgressRows, &r.Targets, &r.Regions,
		&r.SignalRows, &r.Placements, &r.LinkedPlacements, &r.UnknownPlacementYouths, &r.TimelineRows, &r.Youths,
		&r.RowsOfUnknownDeliveries, &r.Deliveries, &r.LastDelivery)
	return r, err
}

// nodeClient returns the folder of the researchers' node client
// (snapshot/testdata/nodeclient, beside nodeclient-oldest), or false, after logging why, where node
// or its packages are missing outside CI; in CI that fails the test.
func nodeClient(t *testing.T) (string, bool) {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", "snapshot", "testdata", "nodeclient"))
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else {
		for _, d := range []string{dir, filepath.Join(filepath.Dir(dir), "nodeclient-oldest")} {
			if _, err := os.Stat(filepath.Join(d, "node_modules", "@duckdb", "node-api")); err != nil {
				missing = filepath.Base(d) + " has no node_modules (make test runs npm ci)"
			}
		}
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; CI must run this test", missing)
		}
		t.Logf("no node client: %s", missing)
		return "", false
	}
	return dir, true
}

// nodeReader is a researcher's client with another DuckDB (node), driven
// as in the snapshot tests: "open NAME PATH", "query NAME SQL".
func nodeReader(t *testing.T) (in io.WriteCloser, out *bufio.Scanner, ok bool) {
	t.Helper()
	dir, ok := nodeClient(t)
	if !ok {
		return nil, nil, false
	}
	cmd := exec.Command("node", filepath.Join(dir, "reader.mjs"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return in, sc, true
}

// TestReadersDuringCycles runs the daemon with a cycle every second, each
// publishing a new research snapshot, while researchers' clients in
// separate processes (two Go clients, and DuckDB's node client when
// installed) open the snapshot read-only again and again and check it
// whole. No reader may see an error or an inconsistent snapshot.
func TestReadersDuringCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon for a while")
	}
	// Readers read for at least minRead, until the daemon has published
	// minCycles snapshots meanwhile (at most maxRead).
	const minRead, maxRead, minCycles = 15 * time.Second, 180 * time.Second, 3
	dir := copyDemo(t)
	stop := filepath.Join(t.TempDir(), "stop")
	snap := filepath.Join(dir, "research", snapshot.FileName)
	fast := setSchedules(t, dir, "* * * * * *", "1s", "* * * * * *")
	p := startServe(t, fast, freeAddr(t))
	p.waitFor("the first cycle to finish", 120*time.Second, func() bool { return p.logCount("job done", "job=cycle") > 0 })
	cyclesBefore := p.logCount("job done", "job=cycle")
	// A new delivery every second, so that each publish shows readers
	// something new: the snapshot carries no run history to tell
	// publishes apart by.
	go func() {
		for i := 0; !exists(stop); i++ {
			s := sha256.Sum256([]byte(fmt.Sprintf("readers-%d", i)))
			row := fmt.Sprintf("pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal\n%s,2020-01,V,GM0014,2026-01-1%d,geen\n", hex.EncodeToString(s[:16]), i%10)
			part := filepath.Join(dir, "inbox", "jgz", fmt.Sprintf("readers-%d.csv.part", i))
			if err := os.WriteFile(part, []byte(row), 0o640); err == nil {
				os.Rename(part, strings.TrimSuffix(part, ".part"))
			}
			time.Sleep(time.Second)
		}
	}()

	var wg sync.WaitGroup
	const goReaders = 2
	reports := make([]readerReport, goReaders)
	for i := range goReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestReaderProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "ZOTHUIS_TEST_READER="+snap+"|"+stop)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("reader process %d: %v\n%s", i, err, out)
				return
			}
			if err := json.Unmarshal(out, &reports[i]); err != nil {
				t.Errorf("reader process %d: %v: %q", i, err, out)
			}
		}()
	}

	// The stop file, once enough cycles have published.
	start := time.Now()
	go func() {
		for time.Since(start) < minRead || p.logCount("job done", "job=cycle")-cyclesBefore < minCycles && time.Since(start) < maxRead {
			time.Sleep(100 * time.Millisecond)
		}
		os.WriteFile(stop, nil, 0o600)
	}()
	// The node client, from this goroutine: open, query, again.
	nodeReads, nodeRuns := 0, map[int64]bool{}
	if in, out, ok := nodeReader(t); ok {
		q := strings.Join(strings.Fields(readerCheck), " ")
		say := func(line string) (string, bool) {
			fmt.Fprintln(in, line)
			if !out.Scan() {
				t.Errorf("node reader gave no answer to %.60q: %v", line, out.Err())
				return "", false
			}
			ans := out.Text()
			if strings.HasPrefix(ans, "error ") {
				t.Errorf("node reader, read %d: %.60q: %s", nodeReads, line, ans)
				return "", false
			}
			return ans, true
		}
		for !exists(stop) && !t.Failed() {
			nodeReads++
			name := fmt.Sprintf("r%d", nodeReads%4) // an open replaces the connection of its name
			if _, ok := say("open " + name + " " + snap); !ok {
				break
			}
			if _, ok := say("query " + name + " SET threads = 1"); !ok {
				break
			}
			ans, ok := say("query " + name + " " + q)
			if !ok {
				break
			}
			// The node client gives big integers as strings.
			var rows []map[string]any
			if err := json.Unmarshal([]byte(ans), &rows); err != nil || len(rows) != 1 {
				t.Errorf("node reader answer %q: %v", ans, err)
				break
			}
			num := map[string]int64{}
			for k, v := range rows[0] {
				n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
				if err != nil {
					t.Fatalf("node reader: %s = %v", k, v)
				}
				num[k] = n
			}
			b, _ := json.Marshal(num)
			var r readerResult
			json.Unmarshal(b, &r)
			if p := r.problem(); p != "" {
				t.Errorf("node reader, read %d: %s", nodeReads, p)
				break
			}
			nodeRuns[r.LastDelivery] = true
		}
	}
	wg.Wait()
	cycles := p.logCount("job done", "job=cycle") - cyclesBefore
	if failed := p.logCount("job failed", "job=cycle"); failed > 0 {
		t.Errorf("%d cycles failed while researchers read", failed)
	}

	total := nodeReads
	for i, r := range reports {
		t.Logf("Go reader process %d: %d reads in %s, %d publishes seen, errors: %q", i, r.Reads, r.Duration, len(r.Runs), r.Errors)
		total += r.Reads
		if len(r.Errors) > 0 {
			t.Errorf("Go reader process %d saw errors: %q", i, r.Errors)
		}
		if r.Reads < 10 || len(r.Runs) < 2 {
			t.Errorf("Go reader process %d: %d reads over %d publishes; want reads across publishes", i, r.Reads, len(r.Runs))
		}
	}
	t.Logf("node reader: %d reads, %d publishes seen", nodeReads, len(nodeRuns))
	if nodeReads > 0 && len(nodeRuns) < 2 {
		t.Errorf("node reader: %d reads over %d publishes; want reads across publishes", nodeReads, len(nodeRuns))
	}
	t.Logf("%d reads in all in %v while %d cycles published a new snapshot", total, time.Since(start).Round(time.Second), cycles)
	if cycles < minCycles {
		t.Errorf("only %d cycles finished in %v: the readers did not read across publishes", cycles, time.Since(start).Round(time.Second))
	}
}
