#!/usr/bin/env bash
# The OpenClaw end-to-end test against openclaw@latest, beside the release it was written for.
# Not part of `make test` (the pinned release is; a new OpenClaw release must not turn CI red
# overnight): run it by hand, or on a schedule, to see what a newer OpenClaw changes.
#
#   scripts/test-openclaw-latest.sh [VERSION]      (default: `npm view openclaw version`)
#
# 1. Installs the pinned release (2026.9.6) and the latest one side by side
#    (scripts/openclaw/setup.sh, cached under ~/.cache/claw-openclaw).
# 2. Reports the plugin API differences between them (scripts/openclaw/plugin-api.mjs): the
#    hook names, the members of the hook event/result/context types the plugin reads, the
#    requireApproval members and resolutions, whether `openclaw agent exec` loads plugins, and
#    where session transcripts are stored (what `claw openclaw reconcile` reads).
# 3. Runs scripts/test-openclaw.sh (every scenario, with its static checks: the plugin
#    type-checked against the new release's own hook types) against the latest release.
# Exit: 0 when the end-to-end test passes on latest; 1 otherwise. The API report is printed
# either way (a difference is information, not a failure by itself).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/scripts/openclaw"
PINNED=2026.9.6
log() { echo "[openclaw-latest] $*" >&2; }

eval "$(OPENCLAW_VERSION=$PINNED "$HERE/setup.sh")"
PINNED_PKG="$(dirname "$(dirname "$OPENCLAW_BIN")")/openclaw"
LATEST="${1:-$(npm view openclaw version 2>/dev/null)}"
[ -n "$LATEST" ] || { log "cannot resolve openclaw@latest"; exit 2; }
eval "$(OPENCLAW_VERSION=$LATEST "$HERE/setup.sh")"
LATEST_PKG="$(dirname "$(dirname "$OPENCLAW_BIN")")/openclaw"
log "pinned $PINNED, latest $LATEST"

A="$(mktemp)"; B="$(mktemp)"
trap 'rm -f "$A" "$B"' EXIT
node "$HERE/plugin-api.mjs" "$PINNED_PKG" >"$A"
node "$HERE/plugin-api.mjs" "$LATEST_PKG" >"$B"
echo "== plugin API differences, openclaw $PINNED -> $LATEST"
node - "$A" "$B" <<'JS'
const fs = require("fs");
const [a, b] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
let n = 0;
const say = (s) => { n++; console.log(`  ${s}`); };
const list = (name, x, y) => {
  if (x === null || y === null) { if (x !== y) say(`${name}: ${x === null ? "not found" : "found"} -> ${y === null ? "not found" : "found"}`); return; }
  const add = y.filter((v) => !x.includes(v)), del = x.filter((v) => !y.includes(v));
  if (add.length || del.length) say(`${name}: ${[...add.map((v) => `+${v}`), ...del.map((v) => `-${v}`)].join(" ")}`);
};
list("hooks", a.hooks, b.hooks);
for (const t of Object.keys(a.types)) list(`types.${t}`, a.types[t], b.types[t]);
list("requireApproval", a.approval.requireApproval, b.approval.requireApproval);
list("approval resolutions", a.approval.resolutions, b.approval.resolutions);
if (a.exec_policy !== b.exec_policy) say(`agent exec loadPlugins: ${a.exec_policy} -> ${b.exec_policy}`);
if (a.transcript !== b.transcript) say(`session transcripts: ${a.transcript} -> ${b.transcript}`);
for (const h of ["before_tool_call", "after_tool_call", "agent_end"]) if (b.hooks && !b.hooks.includes(h)) say(`BREAKING: hook ${h} is gone`);
if (n === 0) console.log("  none");
JS

log "end-to-end test against openclaw@$LATEST"
if OPENCLAW_VERSION="$LATEST" bash "$ROOT/scripts/test-openclaw.sh" all; then
  log "openclaw@$LATEST: end-to-end test passed"
else
  log "openclaw@$LATEST: end-to-end test FAILED (see above; the pinned $PINNED is what make test runs)"
  exit 1
fi
