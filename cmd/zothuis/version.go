package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is stamped by "make build":
//
//	go build -ldflags "-X main.version=$(git describe --always --dirty)"
//
// A plain go build leaves it empty, and buildVersion asks the binary's
// build information instead.
var version string

// develVersion is what Go calls a build of the main module from a working
// tree, and what is left when nothing better is known.
const develVersion = "(devel)"

// buildVersion is the version zothuis reports and exports as
// zothuis_build_info.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return develVersion
	}
	return versionOf(bi)
}

// versionOf is the version in a binary's build information: the module
// version of "go install …@v1.2.3"; else the revision go build recorded
// from VCS (none under -buildvcs=false), as devel-<12 hex digits>, with
// -dirty for uncommitted changes; else "(devel)".
func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != develVersion {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return develVersion
	}
	v := "devel-" + rev[:min(12, len(rev))]
	if modified == "true" {
		v += "-dirty"
	}
	return v
}

// runVersion prints the version in the form of "go version": program,
// the word version, the version, the Go release and the platform.
func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseArgs(fs, args, nil); err != nil {
		return err
	}
	printVersion(e)
	return nil
}

func printVersion(e *env) {
	fmt.Fprintf(e.stdout, "zothuis version %s %s %s/%s\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
