# The test command of the README. It installs what the tests need when it
# is missing (CI runs on a fresh machine), then vets and tests everything.
.PHONY: test deps demo

# Installing packages needs root; use sudo where we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

test: deps
	go vet ./...
	go test -count=1 ./...

# cgo (DuckDB) needs a C compiler.
deps:
	@command -v gcc >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends gcc libc6-dev; }

demo:
	go run ./cmd/zothuis demo
