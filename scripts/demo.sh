#!/usr/bin/env bash
# The main job, end to end, on the shipped example files (`make demo`):
#   keys -> policy (compile, sign, verify) -> scoped token (issue, verify) -> a scripted
#   invoice-triage session (model calls through a gateway, an allowed tool call, a call the
#   policy denies, a call that needs a human approval and gets it) -> proof bundle (build,
#   verify, prove a receipt, check the proof) -> Trust Pulse -> HTML report -> verdict.
# Everything lands in out/demo/. Exits non-zero if any step does not do what it should.
# Environment: CLAW_BIN and CLAW_GATEWAY_BIN (use these binaries; with both set nothing is
# built), DEMO_OUT (output folder).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${CLAW_BIN:-}" ] || [ -z "${CLAW_GATEWAY_BIN:-}" ]; then
  echo "== build: claw and claw-gateway (scripts/build-release.sh)"
  bash scripts/build-release.sh
  CLAW_BIN=${CLAW_BIN:-$target/release/claw}
  CLAW_GATEWAY_BIN=${CLAW_GATEWAY_BIN:-$target/release/claw-gateway}
fi
claw() { "$CLAW_BIN" "$@"; }
out=${DEMO_OUT:-$root/out/demo}
ex=$root/examples
t0=$(date +%s%N)
rm -rf "$out"
mkdir -p "$out/keys"
step() { printf '\n== %s\n' "$*"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; } # a string field of one-line JSON

step "keys: policy signer, token issuer, agent, gateway"
signer=$(claw keygen --out "$out/keys/policy-signer")
issuer=$(claw keygen --out "$out/keys/cst-issuer")
agent=$(claw keygen --out "$out/keys/agent")
gateway=$(claw keygen --out "$out/keys/gateway")
printf '  %-14s %s\n' "policy signer" "$signer" "token issuer" "$issuer" agent "$agent" gateway "$gateway"
# The verifier's trust, in the reference verifier's configuration format.
printf '{"config_version":"1","allowlists":{"gateway_receipt_signer_dids":["%s"]}}\n' "$gateway" \
  > "$out/clawverify.config.json"

step "policy: compile the authoring form, sign, verify"
claw wpc compile "$ex/policy/invoice-triage.authoring.json" > "$out/policy.wpc.json"
claw wpc sign "$out/policy.wpc.json" --key "$out/keys/policy-signer.jwk" > "$out/policy.envelope.json"
policy_hash=$(claw wpc verify "$out/policy.envelope.json" --signer "$signer")
echo "  policy hash $policy_hash (signature and signer verified)"

step "token: issue a CST pinned to the policy hash and bound to the job, verify it"
job=invoice-triage-INV-2291
claw cst issue --key "$out/keys/cst-issuer.jwk" --sub "$agent" --aud claw-runtime \
  --scope tool:execute --scope model:invoke --policy-hash "$policy_hash" --mission "$job" \
  --ttl 1200 --max-ttl 1800 > "$out/token.jws"
claw cst verify "@$out/token.jws" --issuer "$issuer" --aud claw-runtime --mission "$job" \
  --policy-hash "$policy_hash" --require-pin --scope tool:execute > "$out/token.claims.json"
echo "  token for job $job verified ($(wc -c < "$out/token.jws") bytes)"

step "run: start (the policy and token are verified again and bound to every receipt)"
run=$out/run
claw run start --dir "$run" --agent-key "$out/keys/agent.jwk" \
  --wpc "$out/policy.envelope.json" --wpc-signer "$signer" \
  --cst "@$out/token.jws" --cst-issuer "$issuer" --aud claw-runtime --mission "$job" > "$out/run-start.json"
echo "  run $(field run_id < "$out/run-start.json")"

model() { # model NN   (the NN-model.request.json call, through claw-gateway)
  local b r
  b=$(claw run model --dir "$run" --provider anthropic --model claude-sonnet-4-5 --pending)
  local run_id ev nonce span parent
  run_id=$(field run_id <<< "$b")
  ev=$(field event_hash_b64u <<< "$b")
  nonce=$(field nonce <<< "$b")
  span=$(field span_id <<< "$b")
  parent=$(field parent_span_id <<< "$b")
  curl -sS --fail-with-body "$gw_url/v1/messages" -H "X-CST: $gw_token" \
    -H "X-Run-Id: $run_id" -H "X-Event-Hash: $ev" ${nonce:+-H "X-Idempotency-Key: $nonce"} \
    ${span:+-H "X-Span-Id: $span"} ${parent:+-H "X-Parent-Span-Id: $parent"} \
    -H 'content-type: application/json' -H 'x-api-key: demo-key' \
    --data-binary @"$ex/run/$1-model.request.json" > "$out/model-$1.response.json"
  r=$(claw run attach --dir "$run" --from-response "$out/model-$1.response.json")
  printf '  %-26s %-22s gateway receipt %s\n' "model claude-sonnet-4-5" "via claw-gateway" "$(field receipt_id <<< "$r")"
}
last_receipt=
tool() { # tool NAME FILES EXPECTED_EXIT   (the recorded result, if the call ran: FILES.result.json)
  local r code result=()
  [ -f "$ex/run/$2.result.json" ] && result=(--result "$ex/run/$2.result.json")
  set +e
  r=$(claw run tool --dir "$run" --tool "$1" --args "$ex/run/$2.args.json" \
    "${result[@]}" --latency-ms 40 --context Data:Class=internal)
  code=$?
  set -e
  local decision reason receipt
  decision=$(field decision <<< "$r")
  reason=$(field reason_code <<< "$r")
  receipt=$(field receipt_id <<< "$r")
  printf '  %-26s -> %-18s %-30s exit %s%s\n' "tool $1" "$decision" "$reason" "$code" \
    "${receipt:+  tool receipt $receipt}"
  if [ "$code" != "$3" ]; then
    echo "demo: expected exit $3 for tool $1, got $code" >&2
    exit 1
  fi
  last_receipt=$receipt
}

step "gateway: claw-gateway in front of a scripted model provider (both on free loopback ports)"
gw_pids=()
stop_servers() { for p in "${gw_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap stop_servers EXIT
start_server() { # start_server LOG CMD...: runs CMD, waits for its "listening on URL" line, sets $url
  local log=$1; shift
  local fifo=$out/.fifo.$$
  mkfifo "$fifo"
  "$@" > "$fifo" 2> "$log" &
  gw_pids+=($!)
  exec 9< "$fifo"
  rm -f "$fifo"
  local line
  IFS= read -r -t 30 line <&9 || { echo "demo: $1 did not start (see $log)" >&2; exit 1; }
  url=${line#listening on }
  cat <&9 > /dev/null &
  exec 9<&-
}
start_server "$out/upstream.log" python3 "$root/scripts/gateway/upstream.py" --record "$out/upstream.jsonl"
upstream_url=$url
start_server "$out/gateway.log" "$CLAW_GATEWAY_BIN" --listen 127.0.0.1:0 \
  --signing-key "$out/keys/gateway.jwk" --gateway-id clawproxy-demo \
  --cst-issuer "$out/keys/cst-issuer.pub.jwk" --audience claw-gateway \
  --upstream "anthropic=$upstream_url" --receipts-dir "$out/gateway-receipts" \
  --receipts-log "$out/gateway-receipts.jsonl"
gw_url=$url
gw_token=$(claw cst issue --key "$out/keys/cst-issuer.jwk" --sub "$agent" --aud claw-gateway \
  --scope proxy:call --ttl 1200)
echo "  provider $upstream_url, gateway $gw_url ($(curl -sS "$gw_url/v1/did" | field receiptSignerDidKey))"

step "run: the session (decisions as they happen)"
model 01
tool read 02-read 0
model 03
tool shell_exec 04-shell 4
model 05
tool ticket_comment 06-comment 0
tool send_external_email 07-email 5
a=$(claw run approve --dir "$run" --tool send_external_email --args "$ex/run/07-email.args.json" \
  --approver "maria.keller@acme.example" --summary "Send the INV-2291 payment notice to Northwind Supplies")
printf '  %-26s -> %-18s %-30s        approval receipt %s\n' "approval" "explicit_approve" "maria.keller@acme.example" "$(field receipt_id <<< "$a")"
tool send_external_email 07-email 0
email_receipt=$last_receipt

step "bundle: build and sign"
claw bundle build --run-dir "$run" --out "$out/bundle.json" --pulse-out "$out/trust-pulse.json" > "$out/build.json"
echo "  $(field bundle_id < "$out/build.json"): $(wc -c < "$out/bundle.json") bytes"

step "bundle: verify offline (gateway allowlist from the config; tool receipts replayed against the policy)"
trust=(--config "$out/clawverify.config.json" --wpc "$out/policy.envelope.json" --signer "$signer")
claw bundle verify "$out/bundle.json" "${trust[@]}" | sed 's/^/  /'
claw bundle verify "$out/bundle.json" "${trust[@]}" --json > "$out/verification.json"

step "bundle: prove the approved e-mail's receipt, check the proof with nothing but the proof"
claw bundle prove "$out/bundle.json" --receipt "$email_receipt" "${trust[@]}" > "$out/receipt-proof.json"
claw bundle check-proof "$out/receipt-proof.json" --agent "$agent" --gateway "$gateway" > "$out/receipt-proof.check.json"
echo "  $(field receipt_id < "$out/receipt-proof.check.json") is leaf $(sed -n 's/.*"leaf_index":\([0-9]*\).*/\1/p' "$out/receipt-proof.check.json") of $(sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p' "$out/receipt-proof.check.json") under root $(field root_b64u < "$out/receipt-proof.check.json")"

step "Trust Pulse (checked against the hash the bundle binds)"
claw bundle pulse "$out/bundle.json" --pulse "$out/trust-pulse.json" "${trust[@]}" > "$out/trust-pulse.checked.json"
echo "  $out/trust-pulse.json: $(sed -n 's/.*"tools":\(\[[^]]*\]\).*/\1/p' "$out/trust-pulse.checked.json")"

step "report"
claw bundle report "$out/bundle.json" --html "$out/report.html" "${trust[@]}" | sed 's/^/  /'

ms=$(( ($(date +%s%N) - t0) / 1000000 ))
verdict=$(field status < "$out/verification.json")
tier=$(field proof_tier < "$out/verification.json")
printf '\n== verdict (%d ms after the build)\n' "$ms"
printf '%s  proof tier %s  bundle %s  report %s\n' "$verdict" "$tier" "$out/bundle.json" "$out/report.html"
[ "$verdict" = PASS ]
