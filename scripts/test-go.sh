#!/usr/bin/env bash
# Go: build libclaw, install it (header, .so/.a, claw.pc) into a prefix under the target dir,
# and run the cgo package in examples/go three ways: plain, under GOGC=1 GODEBUG=cgocheck=1
# (finalizers and pointer-passing rules stressed), and with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }
prefix="$target/claw-prefix"
bash scripts/build-release.sh
CLAW_SKIP_BUILD=1 bash scripts/install-c.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CGO_ENABLED=1
# Never reach for another Go toolchain: go.mod states the version the machine has.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
cd examples/go
unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || { echo "gofmt needed: $unformatted" >&2; exit 1; }
go vet ./...
# The runnable examples (example_test.go): go vet checks their names against the API; they
# must exist and pass (their // Output: is compared).
examples=$(go test -list 'Example.*' . | grep -c '^Example' || true)
[ "$examples" -ge 4 ] || { echo "expected at least 4 Example tests, found $examples" >&2; exit 1; }
echo "== go: test"
go test -count=1 ./...
echo "== go: test (GOGC=1 GODEBUG=cgocheck=1)"
GOGC=1 GODEBUG=cgocheck=1 go test -count=1 ./...
echo "== go: test -race"
go test -count=1 -race ./...
