# The test command of the README. It installs what the tests need when it
# is missing (CI runs on a fresh machine), then vets and tests everything.
.PHONY: test deps demo

# Installing packages needs root; use sudo where we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: deps
	go vet ./...
	go test -count=1 ./...

# Folders with a package.json whose npm packages the tests use: DuckDB's
# node client (a researcher's reader, current and the oldest the snapshot
# serves) and playwright-core (drives Debian's
# Chromium for the dashboard; it never downloads a browser of its own).
NPMDIRS := $(patsubst %/package-lock.json,%,$(wildcard snapshot/testdata/nodeclient/package-lock.json snapshot/testdata/nodeclient-oldest/package-lock.json dashboards/testdata/browser/package-lock.json))

# Debian packages, one per missing command: a C compiler for cgo (DuckDB),
# node and npm, Chromium for the dashboard tests, Prometheus (promtool and
# the server) and Alertmanager (amtool) for the metrics and alert tests,
# systemd-analyze to verify the unit.
# Only what is missing is asked for: a machine whose node comes from
# another distribution with its own npm has both commands, and asking apt
# for Debian's npm there makes apt refuse the whole set (nodejs conflicts
# with npm).
DEB_gcc := gcc libc6-dev
DEB_node := nodejs
DEB_npm := npm
DEB_chromium := chromium
DEB_promtool := prometheus
DEB_prometheus := prometheus
DEB_amtool := prometheus-alertmanager
DEB_systemd_analyze := systemd

deps:
	@missing=""; pkgs=""; \
	for cmd in gcc node npm chromium promtool prometheus amtool systemd-analyze; do \
		command -v $$cmd >/dev/null 2>&1 && continue; \
		missing="$$missing $$cmd"; \
		case $$cmd in \
		gcc) p="$(DEB_gcc)";; node) p="$(DEB_node)";; npm) p="$(DEB_npm)";; \
		chromium) p="$(DEB_chromium)";; promtool) p="$(DEB_promtool)";; \
		prometheus) p="$(DEB_prometheus)";; amtool) p="$(DEB_amtool)";; \
		systemd-analyze) p="$(DEB_systemd_analyze)";; esac; \
		for x in $$p; do case " $$pkgs " in *" $$x "*) ;; *) pkgs="$$pkgs $$x";; esac; done; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing for:$$missing:$$pkgs"; \
		$(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$pkgs; \
	fi
	@for d in $(NPMDIRS); do \
		[ -d $$d/node_modules ] && [ $$d/node_modules -nt $$d/package-lock.json ] || \
		(cd $$d && npm ci --no-audit --no-fund && touch node_modules) || exit 1; \
	done

demo:
	go run ./cmd/zothuis demo

# The binary ./zothuis, stamped with its version for "zothuis version" and
# zothuis_build_info: the nearest tag, commits since and -dirty for
# uncommitted changes (or the commit alone without tags). An unstamped
# build reports Go's module version or VCS revision, which "go install
# …@version" and a build with -buildvcs record, else "(devel)".
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
.PHONY: build
build:
	go build -ldflags "-X main.version=$(VERSION)" -o zothuis ./cmd/zothuis

# Fuzz every fuzz target for a bounded time each (FUZZTIME), one after the
# other. A failing input is written to the package's testdata/fuzz/, where
# plain `go test` replays it from then on. Go 1.26 may end a run with
# "context deadline exceeded" at the time limit without any failing input
# (go.dev/issue/75804, fixed in Go 1.27); only a run that wrote a failing
# input, or failed otherwise, fails the target.
.PHONY: fuzz vulncheck
FUZZTIME ?= 20s
FUZZ_TARGETS := \
	./ingest/dutchcsv:FuzzReader \
	./ingest/dutchcsv:FuzzReaderRoundTrip \
	./ingest/dutchcsv:FuzzReaderMatchesReference \
	./ingest/dutchcsv:FuzzLenientUTF8MatchesReference \
	./ingest/dutchcsv:FuzzParseDate \
	./ingest/dutchcsv:FuzzDateCalendar \
	./ingest/dutchcsv:FuzzParseMonth \
	./ingest/contract:FuzzValidate \
	./ingest/contract:FuzzLooksLikeBSN \
	./ingest/contract:FuzzCheckHeader \
	./ingest:FuzzReadRows \
	./ingest:FuzzIngestFile \
	./disclosure:FuzzCount \
	./disclosure:FuzzRatio \
	./disclosure:FuzzComplement \
	./disclosure:FuzzPins \
	./pseudonymize/ijw:FuzzParseMessage

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; dir=$$pkg/testdata/fuzz/$$name; \
		before=$$(ls $$dir 2>/dev/null | wc -l); \
		echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
		out=$$(go test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s 2>&1); rc=$$?; \
		echo "$$out" | grep -v '^fuzz: elapsed: [0-9ms]*, execs'; \
		if [ $$rc -ne 0 ]; then \
			if [ "$$(ls $$dir 2>/dev/null | wc -l)" -eq "$$before" ] && echo "$$out" | grep -q '^    context deadline exceeded$$'; then \
				echo "fuzz: $$name: Go's time-limit race (go.dev/issue/75804), no failing input: not a failure"; \
			else exit 1; fi; \
		fi; \
	done

# Known vulnerabilities in the dependencies and the Go standard library
# that the code reaches. govulncheck comes from the Go module proxy; it
# needs the Go vulnerability database: vuln.go.dev by default, or a local
# copy given as VULNDB=file:///path/to/vulndb. Without either it fails.
GOVULNCHECK_VERSION := v1.9.0
vulncheck:
	go run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) $(if $(VULNDB),-db $(VULNDB)) ./...
