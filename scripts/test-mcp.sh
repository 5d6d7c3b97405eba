#!/usr/bin/env bash
# MCP: `claw mcp wrap` between real MCP pieces nobody here wrote. Installs (idempotently, cached
# under ~/.cache/claw-mcp) the official reference servers from npm and the official MCP Python
# SDK from PyPI, builds claw, and runs tests/mcp with pytest: the SDK's client over stdio through
# the proxy to @modelcontextprotocol/server-filesystem and server-everything.
#   PYTEST_ARGS="-k overrides" scripts/test-mcp.sh   extra pytest arguments
#   CLAW_MCP_BENCH=1 scripts/test-mcp.sh            also run the latency load generator
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cache=${CLAW_MCP_CACHE:-$HOME/.cache/claw-mcp}
mkdir -p "$cache"
step() { echo "== mcp: $* (at ${SECONDS}s)"; }

# 1. The reference servers (npm), reinstalled when the pins change (shared with
#    scripts/test-openclaw.sh's mcp scenario).
npm_dir=$(bash scripts/mcp-reference-servers.sh)

# 2. The MCP Python SDK and pytest (PyPI), reinstalled when the pins change.
venv=$cache/venv
if ! cmp -s tests/mcp/requirements.txt "$venv/.requirements.txt" 2>/dev/null; then
  step "pip install the MCP Python SDK"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/mcp/requirements.txt
  cp tests/mcp/requirements.txt "$venv/.requirements.txt"
fi

# 3. claw (debug build), copied out of the shared target directory so another build cannot
#    replace it while the tests run.
step "cargo build claw"
cargo build --quiet -p claw-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$target/debug/claw" "$work/claw"

# 4. The tests.
step "pytest tests/mcp"
export CLAW_BIN=$work/claw CLAW_MCP_NPM=$npm_dir
(cd tests/mcp && "$venv/bin/python" -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} .)

if [ "${CLAW_MCP_BENCH:-}" = 1 ]; then
  step "bench (release build)"
  bash scripts/build-release.sh
  cp "$target/release/claw" "$work/claw-release"
  CLAW_BIN=$work/claw-release "$venv/bin/python" tests/mcp/bench.py
  CLAW_BIN=$work/claw-release "$venv/bin/python" tests/mcp/bench_stream.py
fi
step "done"
