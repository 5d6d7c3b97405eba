#!/usr/bin/env bash
# Installs (idempotently) the official MCP reference servers pinned in tests/mcp/package.json
# into a cache folder shared by scripts/test-mcp.sh and scripts/test-openclaw.sh, and prints
# that folder (its node_modules/.bin holds mcp-server-filesystem and mcp-server-everything).
# Reinstalled when the pins change. Env: CLAW_MCP_CACHE (default ~/.cache/claw-mcp).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm_dir=${CLAW_MCP_CACHE:-$HOME/.cache/claw-mcp}/npm
if ! cmp -s "$root/tests/mcp/package.json" "$npm_dir/package.json" 2>/dev/null \
   || [ ! -x "$npm_dir/node_modules/.bin/mcp-server-filesystem" ]; then
  echo "== mcp: npm install the reference servers into $npm_dir" >&2
  rm -rf "$npm_dir"; mkdir -p "$npm_dir"
  cp "$root/tests/mcp/package.json" "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
echo "$npm_dir"
