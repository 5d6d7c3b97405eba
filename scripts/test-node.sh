#!/usr/bin/env bash
# Node: build libclaw, install koffi exactly as locked (npm ci), run node --test on
# examples/node with the library loaded from the build's target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
bash scripts/build-release.sh
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

# A real package, installed as a user installs it, finds the library by itself (no
# CLAW_LIBRARY, no CARGO_TARGET_DIR, a HOME of its own): a tarball that carries libclaw.so in
# its lib/ folder loads that one; without it, the one `scripts/install-c.sh` put in
# ~/.local/lib; and tsc --strict type-checks a consumer against the installed declarations.
echo "== node: npm pack, install in a new project, load without hand-set paths"
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
mkdir -p "$pkg/stage/lib" "$pkg/app" "$pkg/home"
cp package.json claw.mjs claw.d.ts README.md "$pkg/stage/"
cp "$CLAW_LIBRARY" "$pkg/stage/lib/libclaw.so"
tarball=$(cd "$pkg/stage" && npm pack --silent --pack-destination "$pkg")
listing=$(tar -tzf "$pkg/$tarball")
grep -qx 'package/lib/libclaw.so' <<<"$listing" || { echo "npm pack left out lib/libclaw.so" >&2; exit 1; }
(cd "$pkg/app" && npm init -y >/dev/null && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$pkg/$tarball")
where() {
  (cd "$pkg/app" && env -u CLAW_LIBRARY -u CARGO_TARGET_DIR -u LD_LIBRARY_PATH HOME="$pkg/home" \
    node --input-type=module -e "import { libraryPath, version } from 'claw-node'; version(); console.log(libraryPath);")
}
got=$(where)
[ "$got" = "$pkg/app/node_modules/claw-node/lib/libclaw.so" ] || { echo "installed package loaded $got, not its own lib/" >&2; exit 1; }
echo "installed package: its own lib/libclaw.so"
rm "$pkg/app/node_modules/claw-node/lib/libclaw.so"
mkdir -p "$pkg/home/.local/lib" && cp "$CLAW_LIBRARY" "$pkg/home/.local/lib/libclaw.so"
got=$(where)
[ "$got" = "$pkg/home/.local/lib/libclaw.so" ] || { echo "installed package loaded $got, not ~/.local/lib" >&2; exit 1; }
echo "installed package without lib/: ~/.local/lib/libclaw.so"
if ! ls /usr/local/lib/libclaw.so /usr/lib/libclaw.so /usr/lib/*-linux-gnu/libclaw.so /usr/lib64/libclaw.so >/dev/null 2>&1; then
  rm "$pkg/home/.local/lib/libclaw.so"
  if err=$(where 2>&1); then echo "loaded a library from nowhere: $err" >&2; exit 1; fi
  grep -q "claw: cannot load the shared library (tried " <<<"$err" || { echo "unclear error: $err" >&2; exit 1; }
  echo "no library anywhere: a clear error naming every place tried"
fi
cat >"$pkg/app/consumer.mts" <<'TS'
import { Policy, Verdict, jcs, type Decision } from 'claw-node';
const d: Decision = Policy.fromJson(Policy.compileAuthoring({ allowed_tools: ['read'] })).decide('read');
const ok: boolean = d.verdict === Verdict.ALLOW && jcs({ a: 1 }) === '{"a":1}';
export { ok };
TS
cat >"$pkg/app/tsconfig.json" <<'JSON'
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "nodenext", "moduleResolution": "nodenext",
                       "target": "es2022", "lib": ["es2022"], "types": [] }, "files": ["consumer.mts"] }
JSON
(cd "$pkg/app" && "$root/examples/node/node_modules/.bin/tsc" -p tsconfig.json)
echo "tsc --strict: a consumer of the installed package type-checks"
