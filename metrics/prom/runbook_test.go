package prom_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// runbookURL is how an alert names its section of docs/runbook.md: a
// path in the repository and the section's anchor.
var runbookURL = regexp.MustCompile(`^docs/runbook\.md#([a-z0-9-]+)$`)

// anchors returns the anchors of the "## " sections of a Markdown file, as
// GitHub and GitLab make them: lower case, spaces to hyphens, other
// punctuation dropped.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	drop := regexp.MustCompile(`[^a-z0-9 -]`)
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			a := drop.ReplaceAllString(strings.ToLower(strings.TrimSpace(h)), "")
			out[strings.ReplaceAll(a, " ", "-")] = true
		}
	}
	return out
}

// TestEveryAlertHasARunbookSection: every alert of
// deploy/prometheus/alerts.yml carries a runbook_url naming its own section
// of docs/runbook.md, and that section exists.
func TestEveryAlertHasARunbookSection(t *testing.T) {
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	sections := anchors(t, filepath.Join(root, "docs", "runbook.md"))
	want, got := map[string]string{}, map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			want[r.Alert] = "docs/runbook.md#" + strings.ToLower(r.Alert) + " (a section)"
			u := r.Annotations["runbook_url"]
			got[r.Alert] = u
			if m := runbookURL.FindStringSubmatch(u); m != nil && sections[m[1]] {
				got[r.Alert] += " (a section)"
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no alerts in alerts.yml")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runbook_url per alert (-want +got):\n%s", diff)
	}
}
