package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool finds an external tool: a test may skip without it on a
// developer's machine, never in CI (make test installs Debian's
// prometheus and prometheus-alertmanager).
func tool(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI must run this test", name)
		}
		t.Skipf("%s not found; run make test", name)
	}
	return bin
}

func run(t *testing.T, dir, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPrometheusConfigAndRules(t *testing.T) {
	promtool := tool(t, "promtool")
	dir := "prometheus"
	// check config also checks the rule files it names
	run(t, dir, promtool, "check", "config", "prometheus.yml")
	out := run(t, dir, promtool, "check", "rules", "alerts.yml")
	for _, alert := range []string{"SpoedmachtigingShareHigh", "ZothuisSourceStale", "ZothuisCycleFailing", "ZothuisDown"} {
		b, err := os.ReadFile(filepath.Join(dir, "alerts.yml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "alert: "+alert+"\n") {
			t.Errorf("alerts.yml has no alert %s (%s)", alert, out)
		}
	}
	run(t, dir, promtool, "test", "rules", "alerts_test.yml", "alerts_cycle_test.yml")
}

func TestAlertmanagerConfigAndRoutes(t *testing.T) {
	amtool := tool(t, "amtool")
	cfg := filepath.Join("alertmanager", "alertmanager.yml")
	run(t, ".", amtool, "check-config", cfg)
	tests := []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=SpoedmachtigingShareHigh", "team=stuurgroep", "region=groningen"}, "stuurgroep"},
		{[]string{"alertname=ZothuisSourceStale", "team=operations", "source=jgz"}, "operations"},
		{[]string{"alertname=ZothuisCycleFailing", "team=operations"}, "operations"},
		{[]string{"alertname=ZothuisDown", "team=operations"}, "operations"},
	}
	for _, tc := range tests {
		args := append([]string{"config", "routes", "test", "--config.file=" + cfg}, tc.labels...)
		cmd := exec.Command(amtool, args...)
		out, err := cmd.Output() // stdout: the receivers, one line
		if err != nil {
			t.Fatalf("amtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("%v routes to %q, want %q", tc.labels, got, tc.want)
		}
	}
}

// The alerting rules route on label team; every alert must carry one
// that the Alertmanager example routes.
func TestEveryAlertHasATeam(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	alerts := strings.Count(string(b), "- alert: ")
	teams := strings.Count(string(b), "team: stuurgroep") + strings.Count(string(b), "team: operations")
	if alerts == 0 || alerts != teams {
		t.Errorf("%d alerts, %d with team stuurgroep or operations", alerts, teams)
	}
}
