# The test command of the README. It installs what the tests need when it
# is missing (CI runs on a fresh machine), then vets and tests everything.
.PHONY: test deps demo

# Installing packages needs root; use sudo where we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: deps
	go vet ./...
	go test -count=1 ./...

NODECLIENT := snapshot/testdata/nodeclient

# cgo (DuckDB) needs a C compiler; the snapshot tests read the research
# file with a researcher's client, DuckDB's node API, from npm.
deps:
	@command -v gcc >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends gcc libc6-dev; }
	@command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends nodejs npm; }
	@[ -d $(NODECLIENT)/node_modules ] && [ $(NODECLIENT)/node_modules -nt $(NODECLIENT)/package-lock.json ] || \
		(cd $(NODECLIENT) && npm ci --no-audit --no-fund && touch node_modules)

demo:
	go run ./cmd/zothuis demo
