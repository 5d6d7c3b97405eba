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
# The TypeScript declarations: tsc --strict on claw.d.ts and a program that uses them (with
# expected errors that must happen), and the same exported names as claw.mjs.
echo "== node: tsc --strict ($(node_modules/.bin/tsc --version))"
node_modules/.bin/tsc -p tsconfig.json
node --input-type=module -e "
import { readFileSync } from 'node:fs';
const runtime = Object.keys(await import('./claw.mjs')).sort();
const declared = [...readFileSync('claw.d.ts', 'utf8').matchAll(/^export (?:declare )?(?:function|const|class) (\\w+)/gm)]
  .map((m) => m[1]).sort();
if (JSON.stringify(runtime) !== JSON.stringify(declared)) {
  console.error('claw.d.ts exports', declared, 'but claw.mjs exports', runtime); process.exit(1);
}
console.log('claw.d.ts declares every export of claw.mjs (' + runtime.length + ')');"
# The package is publishable: npm pack lists the module, its declarations and README.
files=$(npm pack --dry-run --json 2>/dev/null | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)[0].files.map(f=>f.path).sort().join(' ')))")
[ "$files" = "README.md claw.d.ts claw.mjs package.json" ] || { echo "npm pack would ship: $files" >&2; exit 1; }
