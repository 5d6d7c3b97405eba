#!/usr/bin/env bash
# Node: build libclaw, install koffi exactly as locked (npm ci), run node --test on
# examples/node with the library loaded from the build's target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
cargo build --release -p claw-ffi --quiet
cd examples/node
# koffi's native code comes in a prebuilt platform package (@koromix/koffi-<os>-<arch>) that
# npm installs from the registry; its own install script is not needed.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
export CLAW_LIBRARY="$target/release/libclaw.so"
echo "== node: test ($(node --version), koffi $(node -p "JSON.parse(require('fs').readFileSync('node_modules/koffi/package.json')).version"))"
node --test test/*.test.mjs
