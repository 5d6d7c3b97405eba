#!/usr/bin/env bash
# A/B of claw-gateway builds (BENCHMARKS.md "Gateway"): several gateway binaries behind one
# upstream, measured in alternating rounds so the shared machine's load falls on all alike.
# Runnable by hand, never part of make test.
#
#   bash benches/gateway/ab.sh NAME=PATH/TO/claw-gateway NAME2=PATH2 ...
#
# Per round and build: requests/s and the gateway's CPU time per request at c=64 (utime +
# stime of the gateway process over the run ÷ requests), then p50 at c=1 of the upstream
# alone (direct) and of every build. The order of the builds is rotated every round. Needs
# nginx, wrk, curl, and a `claw` CLI (CLAW_BIN, else built). Env: DURATION (default 5s),
# ROUNDS (default 6), SINKS=1 to give every gateway --receipts-dir and --receipts-log.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-6}
[ $# -ge 1 ] || { echo "usage: $0 NAME=GATEWAY_BIN ..." >&2; exit 2; }
for b in nginx wrk curl; do
  command -v "$b" >/dev/null || { echo "needs $b (apt-get install -y nginx wrk curl)" >&2; exit 2; }
done
target=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${CLAW_BIN:-}" ]; then cargo build --release -p claw-cli >&2; fi
CLAW=${CLAW_BIN:-$target/release/claw}
NGINX=$(command -v nginx)
T=$(mktemp -d /tmp/claw-gw-ab.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
UP=$(free_port)
mkdir -p "$T/tmp"
JSON='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}'
cat > "$T/upstream.conf" <<CONF
daemon off; master_process off; worker_processes 1; events { worker_connections 4096; }
pid $T/up.pid; error_log $T/up.err;
http { client_body_temp_path $T/tmp/cb; proxy_temp_path $T/tmp/p; fastcgi_temp_path $T/tmp/f;
  uwsgi_temp_path $T/tmp/u; scgi_temp_path $T/tmp/s; access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP;
    location = / { return 200 'ok'; }
    location = /v1/chat/completions { default_type application/json; return 200 '$JSON'; } } }
CONF
"$NGINX" -p "$T" -c "$T/upstream.conf" & pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$UP/" && break; sleep 0.1; done
k="$T/keys"; mkdir -p "$k" "$T/wpc"
"$CLAW" keygen --out "$k/gw" >/dev/null
"$CLAW" keygen --out "$k/issuer" >/dev/null
signer=$("$CLAW" keygen --out "$k/signer")
agent=$("$CLAW" keygen --out "$k/agent")
echo "{\"policy_version\":\"1\",\"policy_id\":\"bench\",\"issuer_did\":\"$signer\",\"allowed_models\":[\"m-*\"]}" > "$T/policy.json"
"$CLAW" wpc sign "$T/policy.json" --key "$k/signer.jwk" > "$T/policy.env.json"
ph=$("$CLAW" wpc verify "$T/policy.env.json" --signer "$signer")
cp "$T/policy.env.json" "$T/wpc/$ph.json"
CST=$("$CLAW" cst issue --key "$k/issuer.jwk" --sub "$agent" --aud claw-gateway --scope proxy:call --ttl 3600)
BODY='{"model":"m-1","messages":[{"role":"user","content":"hi"}]}'
cat > "$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-CST"] = "$CST"
LUA
names=(); urls=(); gpids=()
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}
  extra=()
  if [ "${SINKS:-0}" = 1 ]; then extra=(--receipts-dir "$T/r-$name" --receipts-log "$T/r-$name.jsonl"); fi
  "$bin" --listen 127.0.0.1:0 --signing-key "$k/gw.jwk" --cst-issuer "$k/issuer.pub.jwk" --audience claw-gateway \
    --wpc-dir "$T/wpc" --wpc-signer "$signer" --policy-hash "$ph" --require-policy \
    --upstream "openai=http://127.0.0.1:$UP" --max-concurrent 4096 "${extra[@]}" \
    > "$T/$name.out" 2> "$T/$name.err" &
  p=$!; pids+=($p)
  for _ in $(seq 100); do grep -q listening "$T/$name.out" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$T/$name.out" | head -1)
  [ -n "$url" ] || { cat "$T/$name.err" >&2; exit 1; }
  curl -sf -X POST -H "X-CST: $CST" -H 'content-type: application/json' -d "$BODY" "$url/v1/chat/completions" \
    | grep -q '"_receipt_envelope"' || { echo "$name: sanity call failed" >&2; exit 1; }
  names+=("$name"); urls+=("$url"); gpids+=("$p")
done
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); $(date -u '+%F %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#names[@]}
for r in $(seq "$ROUNDS"); do
  for j in $(seq 0 $((n - 1))); do
    i=$(( (j + r) % n ))
    c0=$(cpu_ticks "${gpids[$i]}")
    out=$(wrk -t2 -c64 -d"$DURATION" -s "$T/post.lua" "${urls[$i]}/v1/chat/completions")
    c1=$(cpu_ticks "${gpids[$i]}")
    echo "$out" | awk -v r="$r" -v n="${names[$i]}" -v dc=$((c1 - c0)) -v hz="$HZ" \
      '/requests in/{req=$1} /Requests\/sec/{rps=$2} /Non-2xx/{bad=$0}
       END{printf "round %s c=64 %-10s %9s req/s  CPU %6.1f us/req%s\n", r, n, rps, dc / hz * 1e6 / req, (bad ? " " bad : "")}'
  done
  # The upstream alone at c=1, in the same round: the issue's target is the gateway's p50
  # minus this one (added latency).
  wrk -t1 -c1 -d"$DURATION" --latency -s "$T/post.lua" "http://127.0.0.1:$UP/v1/chat/completions" \
    | awk -v r="$r" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} END{printf "round %s c=1  %-10s p50 %s p99 %s\n", r, "(direct)", p50, p99}'
  for j in $(seq 0 $((n - 1))); do
    i=$(( (j + r) % n ))
    wrk -t1 -c1 -d"$DURATION" --latency -s "$T/post.lua" "${urls[$i]}/v1/chat/completions" \
      | awk -v r="$r" -v n="${names[$i]}" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx/{bad=$0}
          END{printf "round %s c=1  %-10s p50 %s p99 %s%s\n", r, n, p50, p99, (bad ? " " bad : "")}'
  done
  echo "round $r load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
