# The test command of the README. It installs what the tests need when it
# is missing (CI runs on a fresh machine), then vets and tests everything.
.PHONY: test deps demo

# Installing packages needs root; use sudo where we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: deps
	go vet ./...
	go test -count=1 ./...

# Folders with a package.json whose npm packages the tests use: DuckDB's
# node client (a researcher's reader) and playwright-core (drives Debian's
# Chromium for the dashboard; it never downloads a browser of its own).
NPMDIRS := $(patsubst %/package-lock.json,%,$(wildcard snapshot/testdata/nodeclient/package-lock.json dashboards/testdata/browser/package-lock.json))

# Debian packages: a C compiler for cgo (DuckDB), node and npm, Chromium
# for the dashboard tests, Prometheus (promtool and the server) for the
# metrics and alert tests.

deps:
	@missing=""; \
	for cmd in gcc npm node chromium promtool prometheus; do \
		command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$cmd"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing for:$$missing"; \
		$(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			gcc libc6-dev nodejs npm chromium prometheus; \
	fi
	@for d in $(NPMDIRS); do \
		[ -d $$d/node_modules ] && [ $$d/node_modules -nt $$d/package-lock.json ] || \
		(cd $$d && npm ci --no-audit --no-fund && touch node_modules) || exit 1; \
	done

demo:
	go run ./cmd/zothuis demo
