package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := Parse(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("empty file differs from the defaults (-want +got):\n%s", diff)
	}
}

func TestLoadSample(t *testing.T) {
	c, err := Load("testdata/zothuis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"spoed_share": 0.1}
	if diff := cmp.Diff(want, c.Targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if len(c.Regions) != 3 || c.Regions[2].Key != "friesland" || c.Regions[2].Gemeenten[0] != "GM0080" {
		t.Errorf("regions = %+v", c.Regions)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown field", "disclosure:\n  treshold: 10\n", "treshold"},
		{"threshold below 5", "disclosure:\n  threshold: 4\n", "below 5"},
		{"alert out of range", "alerts:\n  spoed_share_above: 1.5\n", "spoed_share_above"},
		{"occupancy target not whole", "occupancy_targets:\n  groningen: 12.5\n", "occupancy target of groningen"},
		{"region named outside", "regions:\n  - key: outside\n    gemeenten: [GM0014]\n", "region key"},
		{"target out of range", "targets:\n  va_coverage: 2\n", "va_coverage"},
		{"bad code", "regions:\n  - key: x\n    gemeenten: [G0014]\n", "not a CBS municipality code"},
		{"gemeente twice", "regions:\n  - key: a\n    gemeenten: [GM0014]\n  - key: b\n    gemeenten: [GM0014]\n", "GM0014 is in region"},
		{"region named all", "regions:\n  - key: all\n    gemeenten: [GM0014]\n", "region key"},
		{"bad month", "target_month: dec-2027\n", "target_month"},
		{"key in config text", "research_key: abc\n", "research_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
}
